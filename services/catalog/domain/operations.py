"""Operation and maintenance (运维), funding questions and retirement (退出), pure.

- O&M plans (fengxian:第二十八条) and service kinds (第三十条), yearly O&M reports of stock systems
  (suqian:(八)); no O&M money for failing cryptography or security (dazhou:第五十七条).
- Permanent retirement is filed with finance and the bureau (fengxian:第三十三条); systems that can be
  merged or replaced by a common system stop (dazhou:第二十条).
"""

from __future__ import annotations

from datetime import date

from shared.decisions import refusing
from shared.policy import Decision, Pack

OM_PLANS = "catalog.om_plans"
OM_SERVICE_KINDS = "catalog.om_service_kinds"
OM_SECURITY_BAR = "catalog.om_funding_security_bar"
STOCK_OM_REPORT = "catalog.stock_om_report"
RETIREMENT_FILING = "catalog.retirement_filing"
REDUNDANT_STOP = "catalog.redundant_system_stop"
SYSTEM_CATALOG = "catalog.system_catalog"
RESOURCE_SHARING = "catalog.resource_sharing"
DATA_OWNERSHIP = "catalog.data_ownership"  # dazhou:第六十条; quzhou:三(三)4: the bureau manages the data


def data_ownership_decision(pack: Pack) -> Decision | None:
    """Who manages the government data a system produces (the bureau, dazhou:第六十条; quzhou:三(三)4), where
    the pack says; recorded when the system enters the catalog and with the bureau's data-sharing findings."""
    return pack.decide(DATA_OWNERSHIP, {}) if pack.has(DATA_OWNERSHIP) else None


def _present(pack: Pack, rule_ids: list[str], facts: dict) -> list[Decision]:
    return [pack.decide(rule_id, facts) for rule_id in rule_ids if pack.has(rule_id)]


def om_plan_decisions(pack: Pack, plans: list[str], service_kind: str) -> list[Decision]:
    return _present(pack, [OM_PLANS, OM_SERVICE_KINDS], {"plans": plans, "om_service_kind": [service_kind]})


def security_facts(crypto_status: str, security_status: str) -> dict[str, bool]:
    return {
        "crypto_failed": crypto_status == "failed",
        "security_failed": security_status == "failed",
        "major_security_hazard": security_status == "hazard",
    }


def om_funding_decisions(pack: Pack, crypto_status: str, security_status: str) -> list[Decision]:
    return _present(pack, [OM_SECURITY_BAR], security_facts(crypto_status, security_status))


def stock_report_decision(pack: Pack, year: int, submitted_on: date | None) -> Decision | None:
    if not pack.has(STOCK_OM_REPORT):
        return None
    return pack.decide(STOCK_OM_REPORT, {"report_year": year, "report_submitted_on": submitted_on})


def retirement_decisions(
    pack: Pack, *, filed_with_finance: bool, filed_with_bureau: bool, mergeable: bool, replaceable: bool
) -> list[Decision]:
    facts = {
        "filed_with_finance": filed_with_finance,
        "filed_with_bureau": filed_with_bureau,
        "mergeable_within_unit": mergeable,
        "replaceable_by_common_system": replaceable,
    }
    return _present(pack, [RETIREMENT_FILING, REDUNDANT_STOP], facts)


def resource_decisions(pack: Pack, sharing_level: str, has_legal_basis: bool) -> list[Decision]:
    return _present(
        pack, [RESOURCE_SHARING], {"sharing_level": sharing_level, "not_shared_legal_basis": has_legal_basis}
    )


#: The decisions that refuse a request: the rule's effect decides, the same in every service.
failures = refusing
