"""Starts the seven service processes (uvicorn, one worker each) and waits until they are ready.

Used by `deploy/local/run.sh` for the local platform and by the integration tests, so both run
the platform the same way. Each process gets its own database URL and port through the
environment (`GOVPROJ_<SERVICE>_...`), exactly as a deployment would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from shared.settings import REPO_ROOT, SERVICE_PORTS, STAGE_SERVICES

ALL_SERVICES = (*STAGE_SERVICES, "gateway")
WORKER_SUFFIX = "-worker"


def service_of(name: str) -> str:
    """A process's service: `review`, `review-worker` (the split worker) and `review-2` (a second replica
    of the whole service; tests/integration/test_replicas.py runs `<service>-2` for every stage service)
    all run services.review."""
    return name.split("-", 1)[0]


@dataclass
class Platform:
    """The running processes; `urls` maps service → base URL."""

    database_urls: dict[str, str]
    kafka_bootstrap: str
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Services run as two processes (PostgreSQL only): `<service>` serves the API and
    #: `<service>-worker` (port `ports["<service>-worker"]`) runs the relay, consumer and sweeper.
    split: tuple[str, ...] = ()
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    #: uvicorn's logging options (the tests of the JSON logs turn the access log on).
    log_args: tuple[str, ...] = ("--no-access-log", "--log-level", "warning")
    #: The processes may import only what the production image installs (requirements/runtime.lock), not
    #: the virtualenv's test tools: the benchmarks measure memory as deployed (bench/runtime_only).
    runtime_only: bool = False

    @property
    def urls(self) -> dict[str, str]:
        return {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}

    def environment(self, name: str) -> dict[str, str]:
        service = service_of(name)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(REPO_ROOT / "bench" / "runtime_only"), str(REPO_ROOT)] if self.runtime_only else [str(REPO_ROOT)]
            ),
            "GOVPROJ_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "GOVPROJ_SERVICE_URLS": json.dumps(self.urls),
            **self.extra_env,
        }
        if service in self.database_urls:
            env[f"GOVPROJ_{service.upper()}_DATABASE_URL"] = self.database_urls[service]
        if service in self.split:
            env[f"GOVPROJ_{service.upper()}_PROCESS_ROLE"] = "worker" if name.endswith(WORKER_SUFFIX) else "api"
        return env

    def start(self, services: tuple[str, ...] = ALL_SERVICES) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for service in services:
            self.start_one(service)
            if service in self.split:
                self.start_one(service + WORKER_SUFFIX)

    def start_one(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                f"services.{service_of(name)}.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.ports[name]),
                # Longer than the clients' keep-alive, so a server never closes a connection a client
                # is about to reuse (that race shows up as 'server disconnected' errors under load).
                "--timeout-keep-alive",
                "75",
                *self.log_args,
            ],
            cwd=REPO_ROOT,
            env=self.environment(name),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self, service: str) -> bool:
        try:
            with urllib.request.urlopen(f"{self.urls[service]}/readyz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_ready(self, timeout: float = 120.0, services: tuple[str, ...] | None = None) -> None:
        pending = set(services or self.processes)
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for service in sorted(pending):
                process = self.processes[service]
                if process.poll() is not None:
                    raise RuntimeError(f"{service} exited with {process.returncode}:\n{self.log_tail(service)}")
                if self.ready(service):
                    pending.discard(service)
            if pending:
                time.sleep(0.2)  # polling interval of the readiness probe
        if pending:
            tails = "\n".join(f"--- {s}\n{self.log_tail(s)}" for s in sorted(pending))
            raise TimeoutError(f"not ready after {timeout}s: {sorted(pending)}\n{tails}")

    def log_tail(self, service: str, lines: int = 40) -> str:
        path = self.log_dir / f"{service}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop_one(self, service: str, timeout: float = 15.0) -> None:
        process = self.processes.pop(service, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill_one(self, service: str) -> None:
        """SIGKILL: a crash, with no clean shutdown (used by the crash-recovery test)."""
        process = self.processes.pop(service, None)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def stop(self) -> None:
        for service in list(self.processes):
            self.stop_one(service)
