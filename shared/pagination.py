"""Pagination cursors: the one place a cursor is made and read back, strictly, so a forged one is a 400
`invalid-cursor` problem naming `cursor` and never reaches a query."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.errors import Problem
from shared.limits import CURSOR_MAX, NAME_MAX

P = TypeVar("P", bound=BaseModel)

#: PostgreSQL's BIGINT, the widest integer id column.
_INT64_MAX = 2**63 - 1
#: What a last-id cursor may look like: the services' ids (`P2026-…`, `E-…`, uuids, a stock system's
#: external reference), printable and without spaces.
_ID = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\ud800-\udfff]+")


def invalid_cursor(detail: str) -> Problem:
    return Problem(
        400,
        "invalid-cursor",
        "分页游标无效 / Invalid pagination cursor",
        f"cursor: {detail}; pass back the next_cursor of the previous page, or none for the first page",
        field="cursor",
    )


class Position(BaseModel):
    """The base of a cursor's content: exactly the fields it declares, nothing else."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def encode_cursor(position: BaseModel) -> str:
    """An opaque cursor for `position` (URL-safe base64 of its JSON)."""
    data = position.model_dump_json().encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: type[P]) -> P | None:
    """`cursor` read back as `shape`, or None when absent; anything this API did not hand out is refused."""
    if not cursor:
        return None
    if len(cursor) > CURSOR_MAX:
        raise invalid_cursor(f"longer than {CURSOR_MAX} characters")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid_cursor("not URL-safe base64") from exc
    try:
        return shape.model_validate_json(raw, strict=True)
    except (ValidationError, ValueError) as exc:
        raise invalid_cursor("not a position this API returned") from exc


def decode_id_cursor(cursor: str | None) -> str | None:
    """A last-id cursor (`?cursor=<the last id of the previous page>`): a printable id or nothing."""
    if not cursor:
        return None
    if len(cursor) > NAME_MAX or not _ID.fullmatch(cursor):
        raise invalid_cursor("not an id this API returned")
    return cursor


def decode_int_cursor(cursor: str | None) -> int | None:
    """A last-id cursor over an integer key."""
    if not cursor:
        return None
    if len(cursor) > 19 or not cursor.isascii() or not cursor.isdigit() or int(cursor) > _INT64_MAX:
        raise invalid_cursor("not an id this API returned")
    return int(cursor)


async def _id_cursor(
    cursor: Annotated[
        str | None, Query(max_length=CURSOR_MAX, description="the last id of the previous page (next_cursor)")
    ] = None,
) -> str | None:
    return decode_id_cursor(cursor)


async def _int_cursor(
    cursor: Annotated[
        str | None, Query(max_length=CURSOR_MAX, description="the last id of the previous page (next_cursor)")
    ] = None,
) -> int | None:
    return decode_int_cursor(cursor)


async def _opaque_cursor(
    cursor: Annotated[str | None, Query(max_length=CURSOR_MAX, description="next_cursor of the previous page")] = None,
) -> str | None:
    return cursor


#: Route parameter aliases: `cursor: IdCursor` reads `?cursor=`, refusing a forged one with a 400.
IdCursor = Annotated[str | None, Depends(_id_cursor)]
IntCursor = Annotated[int | None, Depends(_int_cursor)]
#: An opaque cursor; the route decodes it with `decode_cursor(cursor, ItsPosition)`.
OpaqueCursor = Annotated[str | None, Depends(_opaque_cursor)]

__all__ = [
    "IdCursor",
    "IntCursor",
    "OpaqueCursor",
    "Position",
    "decode_cursor",
    "decode_id_cursor",
    "decode_int_cursor",
    "encode_cursor",
    "invalid_cursor",
]
