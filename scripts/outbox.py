"""List or retry a service's outbox rows in the failed state (docs/runbook.md#outbox-failed).

    .venv/bin/python scripts/outbox.py intake failed           # what failed, and why
    .venv/bin/python scripts/outbox.py intake retry            # every failed row back in line
    .venv/bin/python scripts/outbox.py intake retry EVENT_ID…  # only these

It reads the service's database URL the way the service does (GOVPROJ_<SERVICE>_DATABASE_URL,
GOVPROJ_DATABASE_URL, else the local SQLite file); the running relay publishes retried rows."""

from __future__ import annotations

import asyncio
import json
import sys

from shared.bus.link import KafkaLink
from shared.bus.outbox import OutboxRelay
from shared.db import ServiceSchema, make_engine
from shared.settings import load_settings


async def main(service: str, command: str, ids: list[str]) -> None:
    settings = load_settings(service)
    engine = make_engine(settings.db_url, null_pool=True)
    link = KafkaLink(settings.kafka_bootstrap, service, [], client_options=settings.kafka_client_options)
    relay = OutboxRelay(ServiceSchema(service), engine, link)
    try:
        if command == "failed":
            for row in await relay.failed_rows():
                print(json.dumps(row, default=str, ensure_ascii=False))
        elif command == "retry":
            print(f"{await relay.retry_failed(ids or None)} row(s) back in line for the relay")
        else:
            sys.exit(__doc__)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
