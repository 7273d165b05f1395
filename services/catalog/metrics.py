"""Catalog's business metrics."""

from prometheus_client import Counter

SYSTEMS_REGISTERED = Counter(
    "govproj_catalog_systems_registered_total", "Systems registered", ["jurisdiction", "origin"]
)
