"""Catalog's start-up does not load what only downloads need (issue 21, memory): openpyxl and the numpy it
pulls in cost ~29 MiB of RSS in every catalog process, and only a spreadsheet download uses them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_starting_catalog_imports_no_spreadsheet_library():
    probe = "import sys, services.catalog.main; print(sorted({'openpyxl', 'numpy'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    assert loaded.stdout.strip() == "[]"
