"""Acceptance's business metrics."""

from prometheus_client import Counter

ACCEPTANCES = Counter("govproj_acceptance_acceptances_total", "Acceptances by path and outcome", ["path", "outcome"])
