"""Budget's business metrics (amounts in yuan for dashboards; the data itself stays in fen). Labels are bounded:
jurisdictions, budget stages, rule ids, routes."""

from prometheus_client import Counter, Gauge

ESTIMATES_YUAN = Counter("govproj_budget_estimates_approved_yuan_total", "Approved estimates", ["jurisdiction"])
RELEASED_YUAN = Counter("govproj_budget_funds_released_yuan_total", "Released funds", ["jurisdiction"])
REFUSED_RELEASES = Counter("govproj_budget_refused_releases_total", "Refused fund releases by rule", ["rule_id"])
PROJECT_AMOUNTS_YUAN = Gauge(
    "govproj_budget_project_amounts_yuan",
    "Approved estimates and released funds of the projects now at each budget stage",
    ["jurisdiction", "stage", "measure"],  # measure: estimate | released
)
DEADLINES_OVERDUE = Gauge("govproj_budget_deadlines_overdue", "Budget deadlines past due, by rule", ["rule_id"])
ADJUSTMENTS = Counter("govproj_budget_adjustments_total", "Adjustments by route (filing, approval)", ["route"])
OM_APPROVED_YUAN = Counter("govproj_budget_om_approved_yuan_total", "O&M budgets approved", ["jurisdiction"])
DATA_OPERATION_PAID_YUAN = Counter(
    "govproj_budget_data_operation_paid_yuan_total", "Public data-operation service fees paid", ["jurisdiction"]
)
