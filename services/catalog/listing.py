"""The catalog's lists (系统目录, supervision findings, data operations): one way to order, page, count and
export them. Each list keeps its own filters in its queries module and hands the filtered SELECT here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi.responses import Response

from shared import memory
from shared.uow import UnitOfWork

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows a download holds at most; a larger query is cut there and the note sheet says so.
ROW_CAP = 10_000
#: The deepest row a page may start at (past it, narrow the query); keeps OFFSET bounded.
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class Order:
    """A list's order: the chosen column, then the row's id so that equal values keep a stable order."""

    column: Any
    key: Any
    descending: bool = False

    def clauses(self) -> tuple[Any, ...]:
        # no NULLS FIRST/LAST: either would keep the (column, id) index from serving a descending page
        if self.column is self.key:
            return (self.key.desc(),) if self.descending else (self.key.asc(),)
        if self.descending:
            return self.column.desc(), self.key.desc()
        return self.column.asc(), self.key.asc()


def year_range(column: Any, year: int | None) -> Any:
    """`column` (a date) within the calendar year: a range, so an index on the column serves it."""
    if year is None:
        return sa.true()
    return sa.and_(column >= date(year, 1, 1), column < date(year + 1, 1, 1))


async def count(uow: UnitOfWork, query: sa.Select[Any]) -> int:
    """Rows of the whole filtered query (every page together), not of one page."""
    counted = query.order_by(None).limit(None).offset(None)
    return int(await uow.session.scalar(counted.with_only_columns(sa.func.count(), maintain_column_froms=True)) or 0)


async def page(
    uow: UnitOfWork, query: sa.Select[Any], order: Order, *, limit: int, offset: int = 0, after: Any = None
) -> list[Any]:
    """Up to `limit + 1` rows of `query` in `order` from `offset` (the extra row says a next page exists).
    `after` is a keyset cursor (the last id of the previous page) for the list's plain id order."""
    if after is not None:
        query = query.where(order.key < after if order.descending else order.key > after)
    return list(await uow.session.scalars(query.order_by(*order.clauses()).offset(offset).limit(limit + 1)))


Column = tuple[str, Callable[[Any], Any]]


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def spreadsheet(title: str, columns: Sequence[Column], rows: Sequence[Any], total: int) -> bytes:
    """The rows as a .xlsx (openpyxl, write-only so rows stream): Chinese headers, then a 说明 sheet with the
    query's full count and whether the file was cut at ROW_CAP. A column titled …（元） is formatted as money."""
    from openpyxl import Workbook  # imported on the first download: ~29 MiB (numpy with it) catalog rarely needs
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append([name for name, _ in columns])
    money = {index for index, (name, _) in enumerate(columns) if name.endswith("（元）")}
    for row in rows:
        cells = []
        for index, (_, value_of) in enumerate(columns):
            value = value_of(row)
            if index in money and value is not None:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "#,##0.00"
                value = cell
            cells.append(value)
        sheet.append(cells)
    note = book.create_sheet("说明")
    note.append(["符合条件的条数", total])
    note.append(["本表行数", len(rows)])
    note.append(["行数上限", ROW_CAP])
    if total > len(rows):
        note.append(["提示", f"结果超过 {ROW_CAP} 行，仅导出前 {ROW_CAP} 行；请缩小筛选范围。"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(content: bytes, filename: str, filename_zh: str, total: int) -> Response:
    """The file with its names (an ASCII one, and the Chinese one as RFC 6266 filename*) and the counts; the
    memory the spreadsheet took is given back once it is sent."""
    response = Response(
        content,
        media_type=XLSX,
        headers={
            "content-disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename_zh)}",
            "x-total-count": str(total),
            "x-row-cap": str(ROW_CAP),
        },
    )
    return memory.after(response)
