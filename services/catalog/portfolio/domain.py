"""Where a project stands across the six services and who must act next (待办), pure: event facts and the
policy pack in, a stage and pending actions out; plus the cockpit's variance and risk rating.

The one table to read is `PENDING`: for each event (and outcome) the stage it puts the project in and the
action(s) then waiting, with the role that takes each and its Chinese label. The roles are the ones the
owning service's routes require (services/*/api.py `require(...)`), read, not imported: the portfolio only
knows other services through their events and the shared policy packs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.auth import Role
from shared.policy import Pack, PolicyError, packs


class Stage(StrEnum):
    """A project's lifecycle phase across all services (项目阶段)."""

    DRAFT = "draft"  # never heard of here: drafts stay in intake and emit nothing
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    ESTIMATE = "estimate"
    PROCUREMENT = "procurement"
    CONTRACTED = "contracted"
    TRIAL_RUN = "trial_run"
    ACCEPTED = "accepted"
    IN_CATALOG = "in_catalog"
    RETIRED = "retired"
    REJECTED = "rejected"


STAGE_LABEL_ZH: dict[Stage, str] = {
    Stage.DRAFT: "草稿",
    Stage.SUBMITTED: "已申报",
    Stage.ADMITTED: "已入库",
    Stage.IN_REVIEW: "评审中",
    Stage.APPROVED: "已立项",
    Stage.ESTIMATE: "概算已批复",
    Stage.PROCUREMENT: "采购中",
    Stage.CONTRACTED: "建设中",
    Stage.TRIAL_RUN: "试运行",
    Stage.ACCEPTED: "已验收",
    Stage.IN_CATALOG: "已入系统目录",
    Stage.RETIRED: "已退役",
    Stage.REJECTED: "未通过",
}

#: The order a project moves in; an event that would move it back (a redelivered or reordered one) only
#: updates facts. `rejected` ends the pre-approval stages; `retired` ends everything.
ORDER: tuple[Stage, ...] = (
    Stage.DRAFT,
    Stage.SUBMITTED,
    Stage.ADMITTED,
    Stage.IN_REVIEW,
    Stage.APPROVED,
    Stage.ESTIMATE,
    Stage.PROCUREMENT,
    Stage.CONTRACTED,
    Stage.TRIAL_RUN,
    Stage.ACCEPTED,
    Stage.IN_CATALOG,
    Stage.RETIRED,
)


def rank(stage: Stage | str) -> int:
    stage = Stage(stage)
    return len(ORDER) if stage == Stage.REJECTED else ORDER.index(stage)


def moves(current: Stage | str, new: Stage | str) -> bool:
    """True when `new` is not behind `current` (equal counts: a step within the stage)."""
    if Stage(current) in (Stage.REJECTED, Stage.RETIRED):
        return Stage(new) == Stage(current)
    if Stage(new) == Stage.REJECTED:
        return rank(current) <= rank(Stage.IN_REVIEW)
    return rank(new) >= rank(current)


@dataclass(frozen=True)
class Action:
    """One action waiting: which service it is taken in, its name, who takes it and its label."""

    service: str
    action: str
    role: str
    action_label_zh: str


@dataclass(frozen=True)
class Pending:
    stage: Stage
    actions: tuple[Action, ...] = ()


def _a(service: str, action: str, role: Role, label: str) -> Action:
    return Action(service, action, role.value, label)


#: event key → (stage, actions waiting). A key is the event type without its version, plus `:<outcome>`
#: where the event carries one. `{step}` actions are resolved from the pack (the review and acceptance
#: paths and the approval authority differ by jurisdiction): see `REVIEW_STEPS` and `ACCEPTANCE_STEPS`.
PENDING: dict[str, Pending] = {
    "intake.application.submitted": Pending(
        Stage.SUBMITTED, (_a("intake", "admit", Role.DATA_BUREAU, "入库审核（入库或不予入库）"),)
    ),
    "intake.application.admitted": Pending(Stage.ADMITTED, (_a("review", "{review_step}", Role.DATA_BUREAU, ""),)),
    "intake.application.rejected": Pending(Stage.REJECTED),
    "review.project.prescreened:passed": Pending(
        Stage.IN_REVIEW, (_a("review", "{review_step}", Role.DATA_BUREAU, ""),)
    ),
    "review.project.prescreened:not_reviewed": Pending(Stage.REJECTED),  # on the not-reviewed list this year
    "review.project.prescreened:routed": Pending(Stage.REJECTED),  # built inside a unified platform instead
    "review.project.scored:passed": Pending(Stage.IN_REVIEW, (_a("review", "{review_step}", Role.DATA_BUREAU, ""),)),
    "review.project.scored:failed": Pending(Stage.REJECTED),
    "review.project.rejected": Pending(Stage.REJECTED),
    "review.project.approved": Pending(
        Stage.APPROVED,
        (_a("budget", "technical_plan", Role.UNIT, "编制概算：功能清单公示并报送技术方案"),),
    ),
    "review.approval.routed": Pending(Stage.IN_REVIEW, (_a("review", "{approval_step}", Role.DATA_BUREAU, ""),)),
    "budget.estimate.filed": Pending(
        Stage.APPROVED, (_a("budget", "technical_review", Role.DATA_BUREAU, "审查技术方案并批复概算"),)
    ),
    "budget.control_price.submitted": Pending(
        Stage.ESTIMATE, (_a("budget", "control_price_review", Role.FINANCE, "招标控制价预算评审"),)
    ),
    "budget.estimate.approved": Pending(
        Stage.ESTIMATE, (_a("budget", "control_price", Role.UNIT, "申报招标控制价预算评审"),)
    ),
    "budget.control_price.approved": Pending(
        Stage.PROCUREMENT, (_a("procurement", "plan", Role.UNIT, "政府采购计划备案"),)
    ),
    # who tenders is the plan's route (pack rule `procurement.organiser`): the unit itself in Dazhou, the
    # district procurement centre above Fengxian's limit; the event names the route
    "procurement.plan.filed": Pending(
        Stage.PROCUREMENT, (_a("procurement", "{organiser}", Role.PROCUREMENT_CENTER, ""),)
    ),
    "procurement.tender.awarded": Pending(
        Stage.PROCUREMENT, (_a("procurement", "contract", Role.UNIT, "签订并登记合同"),)
    ),
    "procurement.contract.signed": Pending(Stage.CONTRACTED, (_a("acceptance", "{acceptance_step}", Role.UNIT, ""),)),
    "procurement.procedure.restarted": Pending(
        Stage.APPROVED, (_a("budget", "technical_plan", Role.UNIT, "重新履行基本程序：报送技术方案"),)
    ),
    "procurement.project.terminated": Pending(Stage.REJECTED),
    "acceptance.trial.started": Pending(Stage.TRIAL_RUN, (_a("acceptance", "{acceptance_step}", Role.UNIT, ""),)),
    # Quzhou and Jiyuan hold 初验 before the trial run: the project is still being built then.
    "acceptance.step.completed:before_trial": Pending(
        Stage.CONTRACTED, (_a("acceptance", "{acceptance_step}", Role.UNIT, ""),)
    ),
    "acceptance.step.completed": Pending(Stage.TRIAL_RUN, (_a("acceptance", "{acceptance_step}", Role.UNIT, ""),)),
    "acceptance.project.failed:reapply": Pending(
        Stage.TRIAL_RUN, (_a("acceptance", "rectify", Role.UNIT, "整改后重新申请验收"),)
    ),
    "acceptance.project.failed:final": Pending(Stage.TRIAL_RUN),
    "acceptance.project.accepted": Pending(Stage.ACCEPTED),
    "catalog.system.registered": Pending(Stage.IN_CATALOG),
    "catalog.system.retired": Pending(Stage.RETIRED),
}

#: The review path's steps (pack rule `review.path`) and who organises each (services/review/api.py).
REVIEW_STEPS: dict[str, tuple[Role, str]] = {
    "prescreening": (Role.DATA_BUREAU, "组织前置初审"),
    "scheme_review": (Role.DATA_BUREAU, "组织项建方案评审（专家论证）"),
    "joint_review": (Role.DATA_BUREAU, "组织并联审核：抽取专家并出具本部门意见"),
    "registration": (Role.DATA_BUREAU, "入库登记"),
    "budget_check": (Role.DATA_BUREAU, "预算审核"),
    "list_management": (Role.DATA_BUREAU, "清单管理"),
    "pre_implementation_check": (Role.DATA_BUREAU, "实施前审核"),
}
#: The acceptance path's steps (pack rule `acceptance.path`) and who takes each (acceptance's STEPS).
ACCEPTANCE_STEPS: dict[str, tuple[Role, str]] = {
    "trial_run": (Role.UNIT, "开始试运行"),
    "pre_acceptance_approval": (Role.DATA_BUREAU, "履约验收前置核准"),
    "performance_acceptance": (Role.UNIT, "组织履约验收"),
    "preliminary_acceptance": (Role.UNIT, "组织初验"),
    "final_acceptance_application": (Role.UNIT, "提交终验申请"),
    "final_acceptance": (Role.LEADING_OFFICE, "组织终验"),
    "acceptance_application": (Role.UNIT, "提交验收申请"),
    "acceptance_organised": (Role.DATA_BUREAU, "确认并组织验收小组"),
    "completion_acceptance": (Role.DATA_BUREAU, "竣工验收"),
    "secrecy_approval": (Role.CONFIDENTIALITY_OFFICE, "保密办审批"),
}
#: Approval authorities (pack rule `approval.authority`), as the 待办 names them.
LEADER_LABEL_ZH: dict[str, str] = {
    "vice_mayor_unit": "分管副市长审核立项",
    "vice_mayor_digital": "分管数字经济副市长审核立项",
    "vice_mayor_finance": "分管财政副市长审定立项",
    "mayor": "市长审定立项",
    "executive_meeting": "市政府常务会议审定立项",
    "standing_committee": "市委常委会审定立项",
    "finance_committee": "市委财经委员会审议立项",
    "data_bureau": "数据局审批立项",
    "drc": "发展改革委审批立项",
}
#: A drawn expert's to-do (one per expert, addressed by sign-in, not a stage's): by the draw's purpose.
EXPERT_LABEL_ZH: dict[str, str] = {
    "scheme_review": "参加项建方案评审并评分",
    "joint_review": "参加并联审核并出具意见",
    "acceptance": "参加验收评审",
}
EXPERT_DEFAULT_LABEL = "参加专家评审"
#: The joint review (并联审核): each party of the pack's panel gives its opinion, in any order; the leading
#: office concludes with the decision-consulting opinion (services/review/api.py `JointParties`,
#: `LeadingOffice`). The bureau organises (its label in REVIEW_STEPS); experts come by draw.
JOINT_OPINION_LABEL = "出具并联审核意见"
#: The joint review's to-dos share this action name; a party's own closes when its opinion is recorded
#: (`review.joint_opinion.recorded`), the leading office's when the conclusion moves the project on.
JOINT_REVIEW = "joint_review"
JOINT_CONCLUSION = (Role.LEADING_OFFICE, "汇总并联审核意见，出具决策咨询意见")
JOINT_PANEL_RULE = "review.joint_review_panel"
ORGANISER_RULE = "procurement.organiser"
TENDER_LABEL = "组织招标采购"


def expert_action(purpose: str, stage: Stage | str, review_path: list[str] | None = None) -> Action:
    """Acceptance draws through review's pool with review's default purpose: past contract it is acceptance.
    A draw with the default purpose for a path that has a joint review and no scheme review is for the joint
    review: the expert gives an opinion there (the same action as the other parties), not a score sheet."""
    if rank(stage) >= rank(Stage.CONTRACTED) and Stage(stage) != Stage.REJECTED:
        purpose = "acceptance"
    elif purpose == "scheme_review" and review_path and "joint_review" in review_path:
        purpose = "scheme_review" if "scheme_review" in review_path else "joint_review"
    action = "joint_review" if purpose == "joint_review" else "expert_review"
    return Action("review", action, Role.EXPERT.value, EXPERT_LABEL_ZH.get(purpose, EXPERT_DEFAULT_LABEL))


def joint_review_actions(pack: Pack) -> list[Action]:
    """The bureau organises; every other party of the panel (pack rule) gives its opinion; the leading office
    concludes. Experts are drawn, and addressed one by one (`expert_action`)."""
    role, label = REVIEW_STEPS[JOINT_REVIEW]
    out = [Action("review", JOINT_REVIEW, role.value, label)]
    if pack.has(JOINT_PANEL_RULE):
        for party in pack.rule(JOINT_PANEL_RULE).params.required:
            if party not in (role.value, Role.EXPERT.value):
                out.append(Action("review", JOINT_REVIEW, party, JOINT_OPINION_LABEL))
    out.append(Action("review", JOINT_REVIEW, JOINT_CONCLUSION[0].value, JOINT_CONCLUSION[1]))
    return out


def heard_in_joint_review(action: Action, heard: set[str]) -> bool:
    """A party's joint-review to-do that its recorded opinion already settled (the opinion was heard before
    the to-do would open: each service's topic keeps its own order). The leading office's never is."""
    return (
        action.service == "review"
        and action.action == JOINT_REVIEW
        and action.role != JOINT_CONCLUSION[0].value
        and action.role in heard
    )


def tender_organiser(pack: Pack, route: str | None) -> str:
    """The role that publishes and awards the tender on the plan's route (the route's last step)."""
    if route and pack.has(ORGANISER_RULE):
        params = pack.rule(ORGANISER_RULE).params
        for target in [case.target for case in params.cases] + [params.default]:
            if getattr(target, "path", None) == route and target.steps:
                return str(target.steps[-1])
    return Role.PROCUREMENT_CENTER.value


def expert_ref(subject: str) -> str:
    return f"expert:{subject}"[:80]


#: To-dos that do not come from a stage: a finding to rectify, a deadline another service announced overdue,
#: a system the bureau stopped (停用), which its unit retires (停用退出, filed with finance and the bureau) or
#: the bureau puts back to work.
RECTIFY = _a("catalog", "rectify_finding", Role.UNIT, "按期整改督查问题")
RETIRE_SUSPENDED = _a("catalog", "retirement", Role.UNIT, "系统已暂停运行：办理停用退出并报财政局、数据局备案")
CHASE_OVERDUE = _a("catalog", "chase_overdue", Role.DATA_BUREAU, "督办逾期事项")


def key_of(event_type: str, outcome: str | None = None) -> str:
    base = event_type.rsplit(".v", 1)[0]
    return f"{base}:{outcome}" if outcome else base


def review_steps(pack: Pack) -> list[str]:
    return list(pack.decide("review.path", {}).value["steps"])


def acceptance_steps(pack: Pack, *, secret: bool) -> list[str]:
    """The acceptance path as acceptance runs it: the trial run first unless the path places it."""
    try:
        steps = list(pack.decide("acceptance.path", {"secret": secret}).value["steps"])
    except PolicyError:
        return ["trial_run"]
    if "trial_run" not in steps and pack.has("acceptance.trial_run"):
        steps.insert(0, "trial_run")
    return steps


def approval_chain(pack: Pack, amount_fen: int) -> list[str]:
    """The authority steps for this amount; the collective route (finance committee) is not in the events,
    so a collectively reviewed project shows the amount's route until its approval arrives."""
    return list(pack.authority("approval.authority", amount_fen).value)


def _after(steps: list[str], done: str | None) -> str | None:
    if done is None:
        return steps[0] if steps else None
    if done not in steps:
        return steps[0] if steps else None
    index = steps.index(done)
    return steps[index + 1] if index + 1 < len(steps) else None


def leader_action(role: str) -> Action:
    return Action("review", "approval", role, LEADER_LABEL_ZH.get(role, "审批立项"))


def resolve(
    pending: Pending,
    pack: Pack,
    *,
    amount_fen: int,
    secret: bool,
    step_done: str | None = None,
    next_step: str | None = None,
) -> tuple[Action, ...]:
    """The concrete actions: `{review_step}` is the review path's next step after `step_done` (the
    approval step becomes the first leader of the authority chain); `{acceptance_step}` likewise, unless
    the event named the step waiting (`next_step`); `{approval_step}` is the leader named by the event."""
    out: list[Action] = []
    for action in pending.actions:
        if action.action == "{approval_step}":
            if next_step:
                out.append(leader_action(next_step))
        elif action.action == "{review_step}":
            step = _after(review_steps(pack), step_done)
            if step is None:
                continue
            if step == "approval":
                chain = approval_chain(pack, amount_fen)
                if chain:
                    out.append(leader_action(chain[0]))
                continue
            if step == "joint_review":
                out.extend(joint_review_actions(pack))
                continue
            role, label = REVIEW_STEPS.get(step, (Role.DATA_BUREAU, f"评审步骤：{step}"))
            out.append(Action("review", step, role.value, label))
        elif action.action == "{organiser}":
            out.append(Action("procurement", "tender", tender_organiser(pack, next_step), TENDER_LABEL))
        elif action.action == "{acceptance_step}":
            step = next_step or _after(acceptance_steps(pack, secret=secret), step_done)
            if step is None:
                continue
            role, label = ACCEPTANCE_STEPS.get(step, (Role.UNIT, f"验收步骤：{step}"))
            out.append(Action("acceptance", step, role.value, label))
        else:
            out.append(action)
    return tuple(out)


# --- the cockpit: variance and risk (docs/cockpit.md) ------------------------------------------------------

#: Local settings (本地设置): the cockpit's thresholds and the open-data switch are in each jurisdiction's
#: policy pack (`settings:`, each with `basis: local_setting` and its `why`; docs/cockpit.md). Read them from
#: the project's jurisdiction's pack in force on the day, never from a constant here.
THRESHOLDS = ("variance_amber_pct", "variance_red_pct", "deadline_amber_days", "notify_before_days")


def local_settings(jurisdiction: str | None = None, day: date | None = None) -> dict[str, int | bool]:
    """The settings of `jurisdiction`'s pack in force on `day` (default today); no or an unknown
    jurisdiction, or a day before its pack: the default pack's."""
    try:
        pack = packs.get(jurisdiction, at=day) if jurisdiction else packs.get(packs.default_id, at=day)
    except PolicyError:
        pack = packs.default
    return pack.settings.values()


def thresholds(jurisdiction: str | None = None, day: date | None = None) -> dict[str, int]:
    """The cockpit's thresholds only (the numbers, for the rating and the API's `settings`)."""
    values = local_settings(jurisdiction, day)
    return {name: int(values[name]) for name in THRESHOLDS}


#: Open data (公开数据, docs/open-data.md) is a local setting per jurisdiction, off unless the bureau switches
#: it on in its pack (`settings.open_data.value: true`). Operator override, for the demo and tests only: the
#: jurisdictions listed (comma-separated) in this environment variable publish whatever their pack says.
OPEN_DATA_ENV = "GOVPROJ_OPEN_DATA_JURISDICTIONS"


def open_data_jurisdictions(day: date | None = None) -> list[str]:
    """The jurisdictions whose pack (in force on `day`) switches open data on, plus the operator override."""
    on = {pid for pid in packs.ids() if local_settings(pid, day)["open_data"] is True}
    override = {j.strip() for j in os.environ.get(OPEN_DATA_ENV, "").split(",") if j.strip()}
    return sorted(on | override)


RISK_LABEL_ZH = {"low": "低风险", "medium": "中风险", "high": "高风险"}
#: a rating level (0, 1, 2) as the API names it
RISK_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class Variance:
    cost_variance_pct: float | None
    schedule_variance_pct: float | None
    schedule_slip_days: int | None
    risk: str
    risk_label_zh: str


def tenths(numerator: int, denominator: int) -> int:
    """`numerator / denominator` in tenths, rounded half away from zero, in integers: exact, and the same in
    SQL (queries/risk.py computes the cockpit's rating with it). A float's `round` would send a ratio of
    exactly x.x5 either way, as its binary value falls."""
    magnitude = (20 * abs(numerator) + abs(denominator)) // (2 * abs(denominator))
    return -magnitude if (numerator < 0) != (denominator < 0) else magnitude


def rating(pct_tenths: int | None, settings: Mapping[str, int]) -> int:
    """0, 1 or 2 for a variance in tenths of a per cent, as shown (one decimal). 以上 includes the number
    itself: a variance equal to a threshold takes that rating."""
    if pct_tenths is None:
        return 0
    magnitude = abs(pct_tenths)
    if magnitude >= settings["variance_red_pct"] * 10:
        return 2
    return 1 if magnitude >= settings["variance_amber_pct"] * 10 else 0


def variance(
    *,
    baseline_fen: int | None,
    estimate_fen: int | None,
    contracted_fen: int,
    contracted_on: date | None,
    planned_completion: date | None,
    finished_on: date | None,
    overdue_deadlines: int,
    today: date,
    settings: Mapping[str, int] | None = None,
) -> Variance:
    """Cost variance: (forecast − baseline) / baseline, the baseline the approved investment and the forecast
    the larger of the approved estimate and the contracted sum. Schedule variance: days the completion is
    (or will be, if still open past the plan) late over the planned duration. Risk: the worse of the two
    ratings (schedule: lateness only); an overdue deadline makes it at least medium, three or more high.
    `settings`: the project's jurisdiction's thresholds (`thresholds()`); None: the default pack's."""
    settings = settings if settings is not None else thresholds(day=today)
    cost = schedule = slip = None  # in tenths of a per cent
    forecast = max(estimate_fen or 0, contracted_fen)
    if baseline_fen and forecast:
        cost = tenths((forecast - baseline_fen) * 100, baseline_fen)
    if planned_completion is not None and contracted_on is not None:
        actual = finished_on if finished_on is not None else max(today, planned_completion)
        slip = (actual - planned_completion).days
        duration = max((planned_completion - contracted_on).days, 1)
        schedule = tenths(slip * 100, duration)
    # Finishing early is no schedule risk: only lateness rates; a cost variance rates either way (an
    # underrun that large says the baseline was wrong, as the IT Dashboard reads it).
    level = max(rating(cost, settings), rating(max(schedule, 0) if schedule is not None else None, settings))
    if overdue_deadlines:
        level = max(level, 2 if overdue_deadlines >= 3 else 1)
    risk = RISK_LEVELS[level]
    return Variance(
        None if cost is None else cost / 10,
        None if schedule is None else schedule / 10,
        slip,
        risk,
        RISK_LABEL_ZH[risk],
    )


def deadline_colour(due_on: date, status: str, today: date, amber_days: int | None = None) -> str:
    """red: overdue; amber: due within the local setting's days (`amber_days`, the project's jurisdiction's
    `deadline_amber_days`; None: the default pack's); green: later; met deadlines are not rated."""
    if status == "overdue" or due_on < today:
        return "red"
    if amber_days is None:
        amber_days = thresholds(day=today)["deadline_amber_days"]
    return "amber" if (due_on - today).days <= amber_days else "green"
