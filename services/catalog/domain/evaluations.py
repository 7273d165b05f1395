"""Performance evaluation (绩效评价): which evaluations a system owes and when, and reading a result.

- construction monitoring report by each year end during construction (dazhou:第五十一条);
- self-evaluation 12–24 months after going live (dazhou:第五十二条), then the bureau's post-evaluation;
- Quzhou: an evaluation by experts or a third party 1 year after final acceptance (quzhou:三(四));
- a failed evaluation blocks related upgrades until rectified (fengxian:第三十二条);
- Suqian: a special performance evaluation of each key project, commissioned by the bureau from a third party
  (suqian:(八)); the bureau designates the key projects;
- network-security and cryptography testing and assessment recur while the system runs (dazhou:第五十五条):
  each filed assessment opens the next period's deadline; a failure sets the system's live status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.policy import Decision, Pack

CONSTRUCTION_MONITORING = "catalog.construction_monitoring_report"
SELF_EVALUATION = "catalog.self_evaluation"
POST_EVALUATION = "catalog.post_evaluation"
OPERATION_EVALUATION = "catalog.operation_evaluation"
FAILURE_BAR = "catalog.evaluation_failure_bar"
SECURITY_ASSESSMENT = "catalog.security_assessment"
CRYPTO_ASSESSMENT = "catalog.crypto_assessment"
KEY_PROJECT_EVALUATION = "catalog.key_project_evaluation"
#: the evaluation a key project owes (suqian:(八) 专项绩效评估)
SPECIAL_EVALUATION = "special_evaluation"

#: evaluation kind → (rule, fact naming the day it happened)
KINDS: dict[str, tuple[str, str | None]] = {
    "construction_monitoring": (CONSTRUCTION_MONITORING, "report_submitted_on"),
    "self_evaluation": (SELF_EVALUATION, "self_evaluation_submitted_on"),
    "operation_evaluation": (OPERATION_EVALUATION, "evaluated_on"),
    "post_evaluation": (POST_EVALUATION, None),
    "security_assessment": (SECURITY_ASSESSMENT, "assessed_on"),
    "crypto_assessment": (CRYPTO_ASSESSMENT, "assessed_on"),
    SPECIAL_EVALUATION: (KEY_PROJECT_EVALUATION, None),
}
#: who files which kind: the unit evaluates itself and has its system tested (dazhou:第五十五条 puts the
#: periodic testing on the unit); the bureau (with finance) organises the rest.
FILED_BY_UNIT = {"construction_monitoring", "self_evaluation", "security_assessment", "crypto_assessment"}
#: the assessments that recur while the system runs (dazhou:第五十五条): kind → rule
PERIODIC: dict[str, str] = {"security_assessment": SECURITY_ASSESSMENT, "crypto_assessment": CRYPTO_ASSESSMENT}
#: the fact of the periodic rules holding the day the current period started
PERIOD_START = "period_start_on"
#: a periodic kind → the live status it sets on the system (catalog.system.security_changed.v1)
STATUS_FIELD: dict[str, str] = {"security_assessment": "security_status", "crypto_assessment": "crypto_status"}


@dataclass(frozen=True)
class Due:
    kind: str
    decision: Decision
    earliest_on: date | None
    due_on: date | None


def after_going_live(pack: Pack, went_live_on: date, today: date) -> list[Due]:
    """The evaluations a system owes from its go-live date; windows already closed are not opened
    (a stock system that went live years ago owes no self-evaluation now)."""
    owed = []
    for kind, rule_id in (("self_evaluation", SELF_EVALUATION), ("operation_evaluation", OPERATION_EVALUATION)):
        if not pack.has(rule_id):
            continue
        decision = pack.decide(rule_id, {"went_live_on": went_live_on})
        earliest, due = pack.window(rule_id, went_live_on)
        last = due or earliest
        if last is not None and last < today:
            continue
        owed.append(Due(kind, decision, earliest, last))
    return owed


def first_period_start(went_live_on: date, registered_on: date, from_stock: bool) -> date:
    """The first period of the periodic assessments counts from going live; a stock system's from the day it
    entered the catalog, which knows of no assessment before (its go-live may be years back)."""
    return registered_on if from_stock else went_live_on


def periodic_due(pack: Pack, kind: str, period_start_on: date) -> Due | None:
    """The next security or crypto assessment a running system owes (dazhou:第五十五条), None without the rule."""
    rule_id = PERIODIC[kind]
    if not pack.has(rule_id):
        return None
    decision = pack.decide(rule_id, {PERIOD_START: period_start_on})
    _, due = pack.window(rule_id, period_start_on)
    return Due(kind, decision, None, due)


def construction_report_due(pack: Pack, report_year: int) -> Due | None:
    if not pack.has(CONSTRUCTION_MONITORING):
        return None
    decision = pack.decide(CONSTRUCTION_MONITORING, {"report_year": report_year})
    due = date.fromisoformat(decision.value["due"])
    return Due("construction_monitoring", decision, None, due)


def post_evaluation_due(pack: Pack) -> Due | None:
    """After a self-evaluation, the bureau and finance organise the post-evaluation (no time limit)."""
    if not pack.has(POST_EVALUATION):
        return None
    return Due("post_evaluation", pack.decide(POST_EVALUATION, {}), None, None)


def timeliness(pack: Pack, kind: str, facts: dict, completed_on: date) -> Decision | None:
    """The deadline rule applied to the day the evaluation happened (None for kinds without one).
    A failing decision with the day before the window is a refusal; after it, a late filing."""
    rule_id, event_fact = KINDS[kind]
    if event_fact is None or not pack.has(rule_id) or pack.rule(rule_id).kind != "deadline":
        return None
    return pack.decide(rule_id, {**facts, event_fact: completed_on})


def too_early(decision: Decision | None) -> bool:
    if decision is None or decision.passed:
        return False
    earliest = decision.value.get("earliest")
    happened = decision.value.get("happened")
    return bool(earliest and happened and happened < earliest)


def failure_bar(pack: Pack, passed: bool) -> Decision | None:
    """fengxian:第三十二条: a failed evaluation bars related upgrade applications until fixed."""
    if not pack.has(FAILURE_BAR):
        return None
    return pack.decide(FAILURE_BAR, {"evaluation_passed": passed})


def key_project_evaluation(pack: Pack, *, by_bureau: bool, third_party: str | None) -> Decision | None:
    """suqian:(八): a key project's special evaluation is commissioned by the bureau and done by a named third
    party; None where the pack has no such rule."""
    if not pack.has(KEY_PROJECT_EVALUATION):
        return None
    facts = {"commissioned_by_bureau": by_bureau, "third_party_evaluator": bool(third_party and third_party.strip())}
    return pack.decide(KEY_PROJECT_EVALUATION, facts)
