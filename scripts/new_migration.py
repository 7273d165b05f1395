"""Autogenerate the next alembic migration of one service from its tables.

    .venv/bin/python scripts/new_migration.py intake "add needs pool"

It upgrades a scratch SQLite database to the current head, then lets alembic compare the
service's metadata with it, so the new revision holds exactly the difference."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from alembic import command

from shared.db import alembic_config, make_engine, upgrade_to_head


def main(service: str, message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.sqlite'}"
        engine = make_engine(url)

        async def upgrade() -> None:
            await upgrade_to_head(engine, service)
            await engine.dispose()

        asyncio.run(upgrade())
        config = alembic_config(service, url)
        versions = Path(config.get_main_option("script_location")) / "versions"
        number = len(list(versions.glob("*.py"))) + 1
        script = command.revision(config, message=message, autogenerate=True, rev_id=f"{number:04d}")
        # alembic renders JSONB's text type unqualified; the migration imports sqlalchemy as `sa`.
        path = Path(script.path)
        path.write_text(path.read_text().replace("astext_type=Text()", "astext_type=sa.Text()"))
        # The house style applies to generated files too (unused imports, formatting).
        ruff = Path(sys.executable).parent / "ruff"
        subprocess.run([str(ruff), "check", "--fix", "-q", str(path)], check=False)
        subprocess.run([str(ruff), "format", "-q", str(path)], check=False)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
