"""Intake's business metrics (bounded labels: jurisdiction, status, rule id)."""

from prometheus_client import Counter, Gauge, Histogram

APPLICATIONS = Counter("govproj_intake_applications_total", "Application status changes", ["jurisdiction", "status"])
REFUSALS = Counter("govproj_intake_refusals_total", "Refused submissions by rule", ["rule_id"])
OUT_OF_SCOPE = Counter(
    "govproj_intake_out_of_scope_total", "Submissions refused as not a managed project, by rule", ["rule_id"]
)
ADMISSION_LEAD_TIME = Histogram(
    "govproj_intake_admission_lead_time_seconds",
    "Time from submission to the bureau's library decision",
    ["jurisdiction"],
    buckets=(3600, 86400, 3 * 86400, 7 * 86400, 14 * 86400, 30 * 86400, 60 * 86400, 120 * 86400),
)
BARS = Counter("govproj_intake_unit_bars_total", "Bars placed on units in the eligibility view", ["rule_id"])
NEEDS = Counter("govproj_intake_needs_total", "Needs pool (需求库) status changes", ["jurisdiction", "status"])
APPLICATIONS_BY_STATUS = Gauge(
    "govproj_intake_applications_current",
    "Applications by jurisdiction and status (set by the sweeper)",
    ["jurisdiction", "status"],
)
