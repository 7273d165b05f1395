"""Oversight's metrics (`govproj_catalog_*`): open findings by area and step, overdue rectifications."""

from prometheus_client import Counter, Gauge

FINDINGS_RECORDED = Counter(
    "govproj_catalog_findings_recorded_total", "Supervision findings recorded", ["jurisdiction", "area"]
)
FINDINGS_ESCALATED = Counter(
    "govproj_catalog_findings_escalated_total", "Escalation steps applied to findings", ["jurisdiction", "step"]
)
FINDINGS_RESOLVED = Counter(
    "govproj_catalog_findings_resolved_total", "Findings resolved by an accepted rectification", ["jurisdiction"]
)
OPEN_FINDINGS = Gauge(
    "govproj_catalog_open_findings", "Open supervision findings by area and escalation step", ["area", "step"]
)
OVERDUE_RECTIFICATIONS = Gauge(
    "govproj_catalog_overdue_rectifications", "Open findings past their rectification deadline", ["jurisdiction"]
)
