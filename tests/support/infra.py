"""Real infrastructure for integration tests: a local Kafka 4.x broker and throwaway PostgreSQL servers.

Both are started by the shell scripts in ``deploy/local`` (which can also be used by hand), so tests and
developers run exactly the same thing. Typical session fixtures::

    @pytest.fixture(scope="session")
    def kafka_bootstrap():
        port = infra.free_port()
        bootstrap = infra.start_kafka(port)
        yield bootstrap
        infra.stop_kafka(port, remove_data=True)

    @pytest.fixture(scope="session")
    def pg_urls():
        pg_dir = infra.new_pg_dir()
        urls = infra.start_postgres(pg_dir, infra.free_port(), ["projects", "contracts"])
        yield urls
        infra.stop_postgres(pg_dir, remove=True)

Tests never sleep for a fixed time: they poll with :func:`wait_for`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO_ROOT / "deploy" / "local" / "kafka" / "kafka.sh"
PG_SH = REPO_ROOT / "deploy" / "local" / "postgres" / "pg.sh"

# First start may have to download the Kafka jars with Maven (~45 MB).
KAFKA_START_TIMEOUT_S = 300
PG_START_TIMEOUT_S = 300  # may apt-get install postgresql on a fresh machine

T = TypeVar("T")


class InfraError(RuntimeError):
    """A helper script failed; the message carries its output."""


def _run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float) -> str:
    try:
        proc = subprocess.run(
            cmd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise InfraError(f"{' '.join(cmd)} timed out after {timeout}s\n{exc.stderr or ''}") from exc
    if proc.returncode != 0:
        raise InfraError(
            f"{' '.join(cmd)} failed with exit code {proc.returncode}\n"
            f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc.stdout


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------------ Kafka


def kafka_var_dir(port: int) -> Path:
    """Where kafka.sh keeps the broker on ``port`` (config, data, logs under ``logs/server.log``)."""
    return Path(os.environ.get("GOVPROJ_VAR") or REPO_ROOT / "var") / f"kafka-{port}"


def _kafka_env(port: int, controller_port: int | None = None, extra_properties: Path | None = None) -> dict[str, str]:
    env = {"KAFKA_PORT": str(port)}
    if controller_port is not None:
        env["KAFKA_CONTROLLER_PORT"] = str(controller_port)
    if extra_properties is not None:
        env["KAFKA_EXTRA_PROPERTIES"] = str(extra_properties)
    return env


def start_kafka(port: int, controller_port: int | None = None, extra_properties: Path | None = None) -> str:
    """Start (or reuse) the single-node KRaft broker on 127.0.0.1:``port``; return the bootstrap address.

    Blocks until the broker answers metadata requests. Restarting on the same ``port`` keeps the data.
    ``controller_port`` defaults to the one the data dir was formatted for, else (for ports other than
    the developer default 9092, where kafka.sh uses 9093) a free port, since port+1 may be taken.
    ``extra_properties``: a file appended to the broker's server.properties (another listener, say).
    """
    if controller_port is None:
        stamp = kafka_var_dir(port) / "formatted-for"
        if stamp.is_file() and stamp.read_text().strip().isdigit():
            controller_port = int(stamp.read_text().strip())
        elif port != 9092:
            controller_port = free_port()
            while controller_port == port:
                controller_port = free_port()
    env = _kafka_env(port, controller_port, extra_properties)
    out = _run(["bash", str(KAFKA_SH), "start"], env=env, timeout=KAFKA_START_TIMEOUT_S)
    return out.strip().splitlines()[-1]


def stop_kafka(port: int, *, remove_data: bool = False) -> None:
    """Stop the broker on ``port`` (SIGTERM, then SIGKILL). ``remove_data`` deletes its var dir too."""
    _run(["bash", str(KAFKA_SH), "stop"], env=_kafka_env(port), timeout=120)
    if remove_data:
        shutil.rmtree(kafka_var_dir(port), ignore_errors=True)


async def create_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 6,
    replication_factor: int = 1,
    timeout: float = 30.0,  # noqa: ASYNC109 -- bounds several awaits, not one
) -> None:
    """Create topics (existing ones are fine) and wait until every partition has a leader."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError, for_code

    names = list(dict.fromkeys(names))
    if not names:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    await asyncio.wait_for(admin.start(), timeout)
    try:
        resp = await admin.create_topics(
            [NewTopic(name=n, num_partitions=partitions, replication_factor=replication_factor) for n in names],
            timeout_ms=int(timeout * 1000),
        )
        for topic, code, *rest in resp.topic_errors:
            if code == 0:
                continue
            err = for_code(code)
            if err is TopicAlreadyExistsError:
                continue
            raise err(f"create topic {topic!r}: {rest[0] if rest else ''}")

        async def all_have_leaders() -> bool:
            described = await admin.describe_topics(names)
            return len(described) == len(names) and all(
                t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
                for t in described
            )

        await wait_for(all_have_leaders, timeout, interval=0.05, message=f"topics {names} have no leaders")
    finally:
        await admin.close()


# ------------------------------------------------------------------------------------------- PostgreSQL


def new_pg_dir(prefix: str = "govproj-pg-") -> Path:
    """A fresh short directory under the system temp dir for :func:`start_postgres`.

    Not pytest's ``tmp_path``: as root, PostgreSQL runs as user ``pgtest``, which cannot enter pytest's
    0700 ``/tmp/pytest-of-root``; and the unix socket path must stay under 107 bytes.
    """
    return Path(tempfile.mkdtemp(prefix=prefix))


def start_postgres(data_dir: str | os.PathLike[str], port: int, dbs: Iterable[str]) -> dict[str, str]:
    """Start (initdb if needed) PostgreSQL in ``data_dir`` on 127.0.0.1:``port`` and create ``dbs``.

    Returns ``{db: "postgresql+asyncpg://postgres@127.0.0.1:PORT/db"}`` (trust auth, no password).
    """
    dbs = list(dict.fromkeys(dbs))
    _run(["bash", str(PG_SH), "start", str(data_dir), str(port), *dbs], timeout=PG_START_TIMEOUT_S)
    return {db: f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{db}" for db in dbs}


def stop_postgres(data_dir: str | os.PathLike[str], *, remove: bool = False) -> None:
    """Stop the server in ``data_dir`` (fast mode). ``remove`` deletes the directory afterwards."""
    _run(["bash", str(PG_SH), "stop", str(data_dir)], timeout=120)
    if remove:
        shutil.rmtree(data_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- polling


async def wait_for(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float,  # noqa: ASYNC109 -- the polling deadline is the point of this helper
    interval: float = 0.05,
    *,
    message: str | None = None,
    ignore: tuple[type[BaseException], ...] = (),
) -> T:
    """Poll ``predicate`` (sync or async) until it returns something truthy; return that value.

    Raises ``TimeoutError`` after ``timeout`` seconds, naming the condition and its last result.
    Exceptions of the types in ``ignore`` count as "not yet" (the last one is chained); others propagate.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    last_exc: BaseException | None = None
    while True:
        try:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            last, last_exc = result, None
            if result:
                return result
        except ignore as exc:
            last_exc = exc
        remaining = deadline - loop.time()
        if remaining <= 0:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            detail = f"last exception {last_exc!r}" if last_exc is not None else f"last result {last!r}"
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; {detail}") from last_exc
        await asyncio.sleep(min(interval, remaining))


def wait_for_sync(predicate: Callable[[], T], timeout: float, interval: float = 0.05, message: str | None = None) -> T:
    """Blocking variant of :func:`wait_for` for sync fixtures (no event loop)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            what = message or getattr(predicate, "__qualname__", repr(predicate))
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}; last result {result!r}")
        time.sleep(interval)


# --------------------------------------------------------------------------------------------- Keycloak

KEYCLOAK_SH = REPO_ROOT / "deploy" / "local" / "keycloak" / "keycloak.sh"
# The first start may download (~170 MB) and pre-build the server; a loaded 2-core machine takes minutes.
KEYCLOAK_START_TIMEOUT_S = 1200


def start_keycloak(port: int) -> str:
    """Start Keycloak on 127.0.0.1:``port`` with the govproj realms imported; return its base URL
    (the issuer is ``<base>/realms/govproj``). Blocks until the realm's discovery document answers."""
    out = _run(
        ["bash", str(KEYCLOAK_SH), "start"],
        env={"KEYCLOAK_PORT": str(port), "KEYCLOAK_START_TIMEOUT": str(KEYCLOAK_START_TIMEOUT_S - 60)},
        timeout=KEYCLOAK_START_TIMEOUT_S,
    )
    return out.strip().splitlines()[-1]


def stop_keycloak(port: int) -> None:
    _run(["bash", str(KEYCLOAK_SH), "stop"], env={"KEYCLOAK_PORT": str(port)}, timeout=120)
    shutil.rmtree(Path(os.environ.get("GOVPROJ_VAR") or REPO_ROOT / "var") / f"keycloak-{port}", ignore_errors=True)
