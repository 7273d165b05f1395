"""The periodic report as a spreadsheet (.xlsx, openpyxl): a summary sheet and one sheet per list."""

from __future__ import annotations

from io import BytesIO
from typing import Any

SUMMARY_SECTIONS = ("projects", "money", "systems", "overdue_deadlines", "sanctions", "evaluations", "findings")


def _scalar(value: Any) -> bool:
    return isinstance(value, int | str | float | bool) or value is None


def render(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # imported on the first download: ~29 MiB (numpy with it) catalog rarely needs

    # write-only: rows go out as they are appended, not kept as cell objects (a year's list of approved
    # projects is thousands of rows)
    book = Workbook(write_only=True)
    summary = book.create_sheet("summary 汇总")
    period = report["period"]
    summary.append(["period 期间", period["label"], period["kind"], period["start"], period["end"]])
    summary.append(["jurisdiction 辖区", report["jurisdiction"] or "all"])
    summary.append(["generated at 生成时间", report["generated_at"]])
    summary.append([])
    summary.append(["section", "measure", "value"])
    for section in SUMMARY_SECTIONS:
        for key, value in report[section].items():
            if _scalar(value):
                summary.append([section, key, value])
            elif isinstance(value, dict):
                for sub, count in value.items():
                    summary.append([section, f"{key}.{sub}", count])
    tables = {
        "approved projects": report["projects"]["approved_projects"],
        "overdue deadlines": report["overdue_deadlines"]["by_rule"],
        "sanctions": report["sanctions"]["by_rule"],
        "evaluations": report["evaluations"]["by_kind"],
    }
    for title, rows in tables.items():
        sheet = book.create_sheet(title)
        if not rows:
            sheet.append(["(none)"])
            continue
        columns = list(rows[0])
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
