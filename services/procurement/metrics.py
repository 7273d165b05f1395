"""Procurement's business metrics."""

from prometheus_client import Counter

CONTRACTS = Counter("govproj_procurement_contracts_total", "Contracts by outcome", ["jurisdiction", "outcome"])
