"""Seed shared/data/official_calendar.json from the chinesecalendar library for the years it carries.

Run once per library upgrade; the bureau adds a year the State Council has published (holidays and 调休
make-up working days) by editing the JSON file directly — a year already in the file is kept as it is.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import chinese_calendar.constants as official

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.calendar import SCHEDULE_FILE  # noqa: E402


def main() -> None:
    data = json.loads(SCHEDULE_FILE.read_text(encoding="utf-8")) if SCHEDULE_FILE.exists() else {"years": {}}
    source = f"chinesecalendar {version('chinesecalendar')}"
    years = sorted({day.year for day in official.holidays} | {day.year for day in official.workdays})
    for year in years:
        key = str(year)
        if key in data["years"]:
            continue
        data["years"][key] = {
            "source": source,
            "holidays": {d.isoformat(): name for d, name in sorted(official.holidays.items()) if d.year == year},
            "workdays": {d.isoformat(): name for d, name in sorted(official.workdays.items()) if d.year == year},
        }
    data["years"] = dict(sorted(data["years"].items()))
    SCHEDULE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{SCHEDULE_FILE}: {len(data['years'])} years")


if __name__ == "__main__":
    main()
