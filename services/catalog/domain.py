"""Catalog's decisions, pure."""

from __future__ import annotations


def system_id_for(project_id: str) -> str:
    """A project's system keeps a stable id derived from the project (one system per accepted project)."""
    return f"S-{project_id}"
