"""Acceptance's business metrics (bounded labels: paths and item kinds come from the packs)."""

from prometheus_client import Counter, Histogram

ACCEPTANCES = Counter("govproj_acceptance_acceptances_total", "Acceptances by path and outcome", ["path", "outcome"])
DAY = 86400  # Prometheus base unit is seconds; buckets are whole days

TRIAL_RUN_SECONDS = Histogram(
    "govproj_acceptance_trial_run_seconds",
    "Length of trial runs (试运行), by path",
    ["path"],
    buckets=tuple(days * DAY for days in (7, 14, 30, 31, 45, 60, 90, 120, 180, 365)),
)
APPLICATION_TO_ACCEPTANCE_SECONDS = Histogram(
    "govproj_acceptance_application_to_acceptance_seconds",
    "From the acceptance application to the acceptance result, by path",
    ["path"],
    buckets=tuple(days * DAY for days in (1, 7, 15, 30, 45, 60, 90, 180)),
)
DEADLINE_CHECKS = Counter(
    "govproj_acceptance_deadline_checks_total",
    "Acceptance steps measured against the pack's deadline (e.g. 30 calendar days), met or missed",
    ["path", "rule_id", "outcome"],
)
FAILED_ITEMS = Counter(
    "govproj_acceptance_failed_items_total",
    "Acceptance items that failed or were missing, by kind ('other' for kinds no pack names)",
    ["kind"],
)
ASSETS_REGISTERED = Counter(
    "govproj_acceptance_assets_registered_total", "State asset registrations after acceptance", ["jurisdiction"]
)
