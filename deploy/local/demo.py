"""Fill a running platform with a small, realistic year: Dazhou projects at every stage (drafts, in the
library, approved by their authority, with estimates, contracted, accepted, in the catalog and paid),
applications in the other jurisdictions, and a census of stock systems in the catalog.

    .venv/bin/python -m deploy.local.demo http://127.0.0.1:8000     (run.sh --demo does this)

Everything goes through the gateway's public APIs as the seeded users, like any other platform would."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from shared import clock
from shared.policy import Pack, packs

PASSWORD = "govproj"
WAN = 1_000_000
LEADERS = {
    "vice_mayor_unit": "vm_unit",
    "vice_mayor_digital": "vm_digital",
    "vice_mayor_finance": "vm_finance",
    "mayor": "mayor",
    "executive_meeting": "exec",
    "standing_committee": "standing",
}
#: (title, unit user, 万元, stage to reach)
DAZHOU_PROJECTS = [
    ("智慧教育云平台二期", "edu", 350, "paid"),
    ("全民健康信息平台升级", "health", 1280, "accepted"),
    ("中小学校园安全监测系统", "edu", 180, "contracted"),
    ("电子病历共享调阅系统", "health", 620, "estimated"),
    ("教育数据治理专项", "edu", 95, "approved"),
    ("基层卫生综合管理系统", "health", 240, "admitted"),
    ("学生综合素质评价系统", "edu", 120, "submitted"),
    ("互联网医院监管平台", "health", 460, "draft"),
]
STAGES = ["draft", "submitted", "admitted", "approved", "estimated", "contracted", "accepted", "paid"]
UNITS = {"edu": "达州市教育局", "health": "达州市卫生健康委员会"}


class Demo:
    def __init__(self, gateway: str) -> None:
        self.client = httpx.Client(base_url=gateway, timeout=30)
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            signed = self.client.post("/api/auth/token", json={"username": user, "password": PASSWORD})
            signed.raise_for_status()
            self.tokens[user] = signed.json()["access_token"]
        return self.tokens[user]

    def call(self, user: str, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"authorization": f"Bearer {self.token(user)}", **kwargs.pop("headers", {})}
        response = self.client.request(method, path, json=body, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {user} → {response.status_code}: {response.text}")
        return response.json()

    def wait(self, user: str, path: str, check=lambda body: True, timeout: float = 30) -> Any:
        """Wait until an event has reached the service behind `path`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.client.get(path, headers={"authorization": f"Bearer {self.token(user)}"})
            if response.status_code == 200 and check(response.json()):
                return response.json()
            time.sleep(0.1)  # polling interval while the event travels
        raise TimeoutError(f"{path} did not arrive in {timeout}s")

    def project(self, title: str, user: str, wan: int, target: str) -> str:
        reach = STAGES.index(target)
        today = clock.today()
        pack = packs.get("dazhou")
        draft = self.call(
            user,
            "POST",
            "/api/intake/applications",
            {
                "unit": UNITS[user],
                "jurisdiction": "dazhou",
                "title": title,
                "category": "application",
                "construction_type": "new",
                "total_investment_fen": wan * WAN,
                "plan_year": today.year + 1,
                "details": {"performance_goals": f"{title}建成后覆盖全市相关单位", "basis": "数字达州建设规划"},
                "materials": complete_materials(pack),
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        pid = draft["id"]
        if reach >= STAGES.index("submitted"):
            self.call(user, "POST", f"/api/intake/applications/{pid}/submit")
        if reach >= STAGES.index("admitted"):
            self.call("bureau", "POST", f"/api/intake/applications/{pid}/admit")
        if reach >= STAGES.index("approved"):
            self.wait("bureau", f"/api/review/projects/{pid}")
            case = self.call("bureau", "POST", f"/api/review/projects/{pid}/scheme-review", {"passed": True})
            for step in case["steps"]:
                self.call(LEADERS[step["role"]], "POST", f"/api/review/projects/{pid}/approval", {"approve": True})
        if reach >= STAGES.index("estimated"):
            self.wait("finance", f"/api/budget/projects/{pid}")
            self.call("bureau", "POST", f"/api/budget/projects/{pid}/estimate", {"estimate_fen": (wan - 5) * WAN})
        contract = None
        if reach >= STAGES.index("contracted"):
            self.wait(user, f"/api/procurement/projects/{pid}")
            signed = today - timedelta(days=75)
            contract = self.call(
                user,
                "POST",
                f"/api/procurement/projects/{pid}/contracts",
                {
                    "supplier": "四川省某信息技术有限公司",
                    "amount_fen": (wan - 8) * WAN,
                    "signed_on": signed.isoformat(),
                    "planned_completion": (signed + timedelta(days=240)).isoformat(),
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
        if reach >= STAGES.index("accepted"):
            self.wait(user, f"/api/acceptance/projects/{pid}")
            started = (today - timedelta(days=45)).isoformat()
            self.call(user, "POST", f"/api/acceptance/projects/{pid}/trial-run", {"started_on": started})
            self.call("bureau", "POST", f"/api/acceptance/projects/{pid}/pre-acceptance")
            # every required item of every rule reading the items (acceptance.items; dazhou:第二十三条,第二十六条)
            kinds = [
                kind
                for rule in pack.rules_for("acceptance")
                if getattr(rule.params, "supplied_fact", None) == "acceptance_items"
                for kind in rule.params.required
            ]
            items = [{"kind": kind, "passed": True} for kind in dict.fromkeys(kinds)]
            self.call(
                user,
                "POST",
                f"/api/acceptance/projects/{pid}/acceptance",
                {"passed": True, "system_name": title, "items": items},
            )
        if reach >= STAGES.index("paid"):
            self.wait("finance", f"/api/budget/projects/{pid}", lambda body: body["accepted"])
            self.call(
                "finance",
                "POST",
                f"/api/budget/projects/{pid}/releases",
                {"contract_id": contract["id"], "amount_fen": (wan // 2) * WAN},
                headers={"Idempotency-Key": f"demo-pay-{pid}"},
            )
        return pid

    def stock_systems(self) -> dict:
        rows = ["external_ref,unit,jurisdiction,name,went_live_on,deployment,mlps_level"]
        names = ["政务服务网", "公文交换系统", "视频会议管理", "人口基础库", "法人基础库", "城市运行指挥平台"]
        for n, name in enumerate(names):
            unit = "达州市大数据中心" if n % 2 else "达州市人民政府办公室"
            rows.append(f"DZ-STOCK-{n:03d},{unit},dazhou,{name},20{18 + n % 5}-0{1 + n % 9}-15,gov_cloud,{2 + n % 2}")
        return self.call(
            "bureau",
            "POST",
            "/api/catalog/systems/import",
            content="\n".join(rows).encode(),
            headers={"content-type": "text/csv", "Idempotency-Key": "demo-stock-census"},
        )



def complete_materials(pack: Pack) -> list[str]:
    """Every material the pack requires at submission: the list of dazhou:第九条 and, where the pack has it, the
    secure-and-reliable products statement of dazhou:第五十六条."""
    kinds = list(pack.rule("intake.required_materials").params.required)
    if pack.has("intake.secure_products_statement"):
        kinds += pack.rule("intake.secure_products_statement").params.required
    return kinds

def load(gateway: str) -> dict[str, Any]:
    demo = Demo(gateway)
    projects = {title: demo.project(title, user, wan, target) for title, user, wan, target in DAZHOU_PROJECTS}
    census = demo.stock_systems()
    return {"projects": projects, "stock_systems_imported": census["imported"]}


if __name__ == "__main__":
    result = load(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
    print(
        f"demo: {len(result['projects'])} projects at every stage, "
        f"{result['stock_systems_imported']} stock systems in the catalog"
    )
