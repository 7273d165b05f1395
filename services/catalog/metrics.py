"""Catalog's business metrics (`govproj_catalog_*`); gauges are refreshed by the catalog's sweeper."""

from prometheus_client import Counter, Gauge

SYSTEMS_REGISTERED = Counter(
    "govproj_catalog_systems_registered_total", "Systems registered", ["jurisdiction", "origin"]
)
SYSTEMS_RETIRED = Counter("govproj_catalog_systems_retired_total", "Systems retired", ["jurisdiction", "reason"])
SYSTEMS_FLAGGED = Counter(
    "govproj_catalog_systems_flagged_total", "Systems flagged as not running normally", ["jurisdiction"]
)
IMPORT_ROWS = Counter("govproj_catalog_import_rows_total", "Stock-system import rows by outcome", ["outcome"])
FIGURES = Counter("govproj_catalog_monitoring_figures_total", "Monthly figures received by outcome", ["outcome"])
SANCTIONS = Counter(
    "govproj_catalog_sanctions_total", "Unit sanctions imposed or cleared", ["jurisdiction", "rule_id", "action"]
)
EVALUATIONS_COMPLETED = Counter(
    "govproj_catalog_evaluations_completed_total", "Evaluations filed", ["jurisdiction", "kind", "result"]
)

SYSTEMS = Gauge("govproj_catalog_systems", "Systems in the catalog", ["jurisdiction", "state"])
ZOMBIES = Gauge("govproj_catalog_zombie_systems", "Systems listed as zombie systems (僵尸系统)", ["jurisdiction"])
ABNORMAL = Gauge("govproj_catalog_abnormal_systems", "Live systems flagged as not running normally", ["jurisdiction"])
UNITS_SANCTIONED = Gauge("govproj_catalog_units_sanctioned", "Units under an active sanction", ["rule_id"])
EVALUATIONS = Gauge("govproj_catalog_evaluations", "Evaluations due or overdue", ["kind", "status"])
MONITORING_COVERAGE = Gauge(
    "govproj_catalog_monitoring_coverage_ratio",
    "Share of running systems with figures for the last ended month",
    ["jurisdiction"],
)

#: Named as issue 21 asks (no `catalog_`: the cockpit is the workbench's, whichever service answers it).
COCKPIT_ANSWERS = Counter(
    "govproj_cockpit_answers_total",
    "Cockpit answers by where their figures came from: a kept snapshot, or a computation the request waited for",
    ["source"],
)
