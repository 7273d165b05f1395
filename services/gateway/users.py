"""Seeded development users, one per role in RULES.md §8, for the dev token issuer.

Only for GOVPROJ_ENV=dev/test: in production people sign in through the government's identity
provider and this issuer is switched off."""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth import Role


@dataclass(frozen=True)
class DevUser:
    username: str
    name: str
    roles: tuple[Role, ...]
    unit: str | None = None
    cleared: bool = False


DEV_PASSWORD = "govproj"  # one shared dev password; the issuer refuses to run in prod

DEV_USERS: dict[str, DevUser] = {
    user.username: user
    for user in [
        DevUser("edu", "教育局 项目专员", (Role.UNIT,), unit="达州市教育局"),
        DevUser("health", "卫健委 项目专员", (Role.UNIT,), unit="达州市卫生健康委员会"),
        DevUser("bureau", "数据局 项目科", (Role.DATA_BUREAU,)),
        DevUser("bureau_secret", "数据局 涉密审查岗", (Role.DATA_BUREAU,), cleared=True),
        DevUser("drc", "发改委", (Role.DRC,)),
        DevUser("finance", "财政局", (Role.FINANCE,)),
        DevUser("procurement", "采购中心", (Role.PROCUREMENT_CENTER,)),
        DevUser("audit", "审计局", (Role.AUDIT,)),
        DevUser("cyberspace", "网信办", (Role.CYBERSPACE,)),
        DevUser("crypto", "密码管理局", (Role.CRYPTO,)),
        DevUser("police", "公安局 网安支队", (Role.POLICE,)),
        DevUser("cityops", "城运中心", (Role.CITY_OPERATIONS,)),
        DevUser("office", "领导小组办公室", (Role.LEADING_OFFICE,)),
        DevUser("secrecy", "保密办", (Role.CONFIDENTIALITY_OFFICE,)),
        DevUser("expert", "评审专家 张工", (Role.EXPERT,)),
        # a second expert: a sign-in links to one expert of the pool, and an expert drawn for a unit's project
        # cools off from that unit (review.expert_cooling_off) — two panels for one unit need two people
        DevUser("expert2", "评审专家 李工", (Role.EXPERT,)),
        DevUser("vm_unit", "分管副市长", (Role.VICE_MAYOR_UNIT,)),
        DevUser("vm_digital", "分管数字经济副市长", (Role.VICE_MAYOR_DIGITAL,)),
        DevUser("vm_finance", "分管财政副市长", (Role.VICE_MAYOR_FINANCE,)),
        DevUser("mayor", "市长", (Role.MAYOR,)),
        DevUser("exec", "市政府常务会议", (Role.EXECUTIVE_MEETING,)),
        DevUser("standing", "市委常委会", (Role.STANDING_COMMITTEE,)),
        DevUser("fincom", "市委财经委员会", (Role.FINANCE_COMMITTEE,)),
        DevUser("operator", "公共数据运营公司", (Role.DATA_OPERATOR,), unit="达州数据运营有限公司"),
        DevUser("platform", "省一体化平台 (API client)", (Role.PLATFORM,)),
    ]
}
