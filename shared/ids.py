"""Minting the ids of the rows a service creates: one helper, so every id has the same shape."""

from __future__ import annotations

import uuid


def new_id(prefix: str, *, length: int = 16) -> str:
    """`<prefix>-<length random hex digits>` (e.g. `PP-3f2a…`): unique without a database round trip, and the
    prefix tells a reader what the id names. `length` is kept per kind of row so stored ids keep their form."""
    return f"{prefix}-{uuid.uuid4().hex[:length]}"
