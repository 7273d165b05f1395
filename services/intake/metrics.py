"""Intake's business metrics."""

from prometheus_client import Counter

APPLICATIONS = Counter("govproj_intake_applications_total", "Application status changes", ["jurisdiction", "status"])
REFUSALS = Counter("govproj_intake_refusals_total", "Refused submissions by rule", ["rule_id"])
