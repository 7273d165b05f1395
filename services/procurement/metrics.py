"""Procurement's business metrics (bounded labels: jurisdictions, roles, outcomes — never ids)."""

from prometheus_client import Counter, Gauge, Histogram

CONTRACTS = Counter(
    "govproj_procurement_contracts_total",
    "Contracts by how they were procured and outcome (signed, refused)",
    ["jurisdiction", "outcome"],
)
CONTRACTS_BY_ROUTE = Counter(
    "govproj_procurement_contracts_by_route_total",
    "Signed contracts by procurement route (platform_tender, outside_platform)",
    ["jurisdiction", "procured_via"],
)
TENDERS = Counter(
    "govproj_procurement_tenders_total", "Tenders by outcome (published, refused)", ["jurisdiction", "outcome"]
)
SUPPLEMENTS = Counter(
    "govproj_procurement_supplements_total",
    "Supplementary contracts by deciding authority (the last step's role) and outcome "
    "(requested, approved, rejected, cap_exceeded)",
    ["jurisdiction", "authority", "outcome"],
)
SUPPLEMENT_RATIO = Histogram(
    "govproj_procurement_supplement_ratio",
    "Cumulative supplements over the original contract, per request",
    ["jurisdiction"],
    buckets=(0.01, 0.02, 0.03, 0.05, 0.07, 0.09, 0.1, 0.15, 0.2, 0.5, 1.0),
)
PROJECT_EVENTS = Counter(
    "govproj_procurement_project_events_total",
    "Delays reported, suspensions, resumptions and terminations",
    ["jurisdiction", "event", "cause"],
)
PAST_CONSTRUCTION_DEADLINE = Gauge(
    "govproj_procurement_projects_past_construction_deadline",
    "Projects whose construction period (dazhou:第四十二条) has passed without completion",
    ["jurisdiction"],
)
