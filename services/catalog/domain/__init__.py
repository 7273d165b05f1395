"""Catalog's decisions, pure: facts and the policy pack in, decisions out; no I/O, no clock."""

from __future__ import annotations

import hashlib

#: States of a system in the catalog (系统状态).
STATES = ("running", "trial", "suspended", "retired")
LIVE_STATES = ("running", "trial", "suspended")


def system_id_for(project_id: str) -> str:
    """A project's system keeps a stable id derived from the project (one system per accepted project)."""
    return f"S-{project_id}"


def stock_system_id(jurisdiction: str, unit: str, external_ref: str) -> str:
    """A stock system's id is derived from who reported it and their own reference, so a re-import
    of the same row finds the same system instead of creating a twin."""
    digest = hashlib.sha256(f"{jurisdiction}\x1f{unit}\x1f{external_ref}".encode()).hexdigest()[:16]
    return f"SS-{digest}"


def subject_of(system_id: str, project_id: str | None) -> str:
    """What decisions, deadlines and events of a system are keyed by: its project, else itself."""
    return project_id or system_id
