"""A unit's standing (申报资格), pure: the bars on it (sanctions, failed evaluations, supervision) and the
catalog's live state of its systems, read against the pack's security and data-aggregation rules. The
submission and admission checks (domain.py) read it; the consumed events (handlers/events.py) build it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.errors import Violation
from shared.policy import Decision, Pack

SECURITY_BAR = "intake.security_failure_bar"
DATA_AGGREGATION = "intake.data_aggregation"

#: What a sanction's `bars` vocabulary bars among construction types; an empty list bars every application.
BARRED_TYPES: dict[str, tuple[str, ...]] = {
    "new_project_application": (),
    "new_project": ("new",),
    "rebuild_project": ("rebuild",),
    "extend_project": ("extend",),
    "om_funding": ("om",),
    "related_upgrade": ("upgrade",),
}
#: Acceptance items whose failure is a crypto / network-security failure (dazhou:第五十七条).
SECURITY_ITEMS = frozenset({"mlps_test", "crypto_review", "security_test", "network_security", "crypto", "mlps"})
#: The catalog's live status values (catalog.system.security_changed.v1) that fail dazhou:第五十七条.
LIVE_FAILED = "failed"
LIVE_HAZARD = "hazard"
LIVE_STATUS_ZH: Mapping[str, str] = {
    "passed": "合格",
    "failed": "不合格",
    "hazard": "存在重大安全隐患",
    "unknown": "未知",
}
#: The catalog's data-sharing statuses under which the unit's data aggregation is not complete.
INCOMPLETE_SHARING = ("partly", "not_shared")
SHARING_ZH: Mapping[str, str] = {"shared": "已共享", "partly": "部分共享", "not_shared": "未共享", "unknown": "未知"}


@dataclass(frozen=True)
class Bar:
    """A bar on a unit from the eligibility view (cause, citation, since, until)."""

    rule_id: str
    citation: str
    cause: str
    since: date
    until: date | None
    bars: tuple[str, ...] = ()  # construction types; empty: every application and need
    subject: str = ""

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)

    def applies_to(self, construction_type: str | None) -> bool:
        return not self.bars or construction_type in self.bars

    def violation(self, field_name: str = "unit") -> Violation:
        until_zh = self.until.isoformat() if self.until else "解除为止"
        until_en = self.until.isoformat() if self.until else "cleared"
        return Violation(
            rule_id=self.rule_id,
            citation=self.citation,
            message_zh=f"单位受限：{self.cause}（自{self.since.isoformat()}起至{until_zh}）",
            message_en=f"unit barred: {self.cause} (since {self.since.isoformat()} until {until_en})",
            field=field_name,
        )

    def public(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "citation": self.citation,
            "cause": self.cause,
            "since": self.since.isoformat(),
            "until": self.until.isoformat() if self.until else None,
            "bars": list(self.bars),
            "subject": self.subject,
        }


def types_barred(bars_vocabulary: Iterable[str]) -> tuple[str, ...]:
    """Construction types a sanction's `bars` list reaches; () when any of them bars everything."""
    types: list[str] = []
    for item in bars_vocabulary:
        reached = BARRED_TYPES.get(item)
        if reached is None:
            continue  # a bar on money or steps intake does not own
        if not reached:
            return ()
        types.extend(t for t in reached if t not in types)
    return tuple(types)


@dataclass(frozen=True)
class SystemStanding:
    registered: bool
    retired: bool
    evaluation_failed: bool


@dataclass(frozen=True)
class Standing:
    """What intake knows of the unit and the systems/projects an application builds on."""

    bars: tuple[Bar, ...] = ()
    original_project_accepted: bool = False
    related_system: SystemStanding | None = None


def security_bar(pack: Pack, failed_items: Sequence[str]) -> Decision | None:
    """A failed acceptance with crypto / network-security items bars the unit (dazhou:第五十七条)."""
    if not pack.has(SECURITY_BAR) or not any(item in SECURITY_ITEMS for item in failed_items):
        return None
    decision = pack.decide(SECURITY_BAR, {"security_compliant": False, "major_security_hazard": False})
    return decision if decision.outcome == "fail" else None


def live_security_bar(pack: Pack, crypto_status: str, security_status: str) -> Decision | None:
    """The catalog's live status of a system after acceptance, read against dazhou:第五十七条: a failed
    cryptography or network-security status, or a major hazard, bars the unit's new, rebuilt and extended
    projects like a failure found at acceptance. None while both pass (or are unknown)."""
    if not pack.has(SECURITY_BAR):
        return None
    facts = {
        "security_compliant": LIVE_FAILED not in (crypto_status, security_status),
        "major_security_hazard": LIVE_HAZARD in (crypto_status, security_status),
    }
    decision = pack.decide(SECURITY_BAR, facts)
    return decision if decision.outcome == "fail" else None


def data_aggregation_bar(pack: Pack, data_sharing_status: str) -> Decision | None:
    """A system of the unit whose data is not (completely) shared and aggregated, as the catalog holds it, means
    the unit has not completed data aggregation (dazhou:第二十四条): no new applications. None when complete or
    unknown (no finding: the bureau records one on the catalog)."""
    if not pack.has(DATA_AGGREGATION):
        return None
    decision = pack.decide(
        DATA_AGGREGATION, {"data_aggregation_complete": data_sharing_status not in INCOMPLETE_SHARING}
    )
    return decision if decision.outcome == "fail" else None
