"""Budget's business metrics (amounts in yuan for dashboards; the data itself stays in fen)."""

from prometheus_client import Counter

ESTIMATES_YUAN = Counter("govproj_budget_estimates_approved_yuan_total", "Approved estimates", ["jurisdiction"])
RELEASED_YUAN = Counter("govproj_budget_funds_released_yuan_total", "Released funds", ["jurisdiction"])
REFUSED_RELEASES = Counter("govproj_budget_refused_releases_total", "Refused fund releases by rule", ["rule_id"])
