"""Run the whole platform locally: the Kafka broker, the six services on SQLite files under var/,
and the gateway with the web front end. Ctrl-C stops everything.

    bash deploy/local/run.sh          (installs what is needed, then runs this)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from deploy.local.launcher import STAGE_SERVICES, Platform
from shared.settings import REPO_ROOT


def main() -> int:
    var = REPO_ROOT / "var"
    port = os.environ.get("KAFKA_PORT", "9092")
    kafka = REPO_ROOT / "deploy" / "local" / "kafka" / "kafka.sh"
    subprocess.run(["bash", str(kafka), "start"], check=True, env={**os.environ, "KAFKA_PORT": port})
    databases = {service: f"sqlite+aiosqlite:///{var / 'db' / f'{service}.sqlite'}" for service in STAGE_SERVICES}
    platform = Platform(
        database_urls=databases,
        kafka_bootstrap=f"127.0.0.1:{port}",
        log_dir=var / "log",
        extra_env={"GOVPROJ_ENV": "dev", "GOVPROJ_CLOCK_CONTROL": "true", **_passthrough()},
    )
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        platform.start()
        platform.wait_ready(timeout=180)
        if "--demo" in sys.argv:
            subprocess.run([sys.executable, "-m", "deploy.local.demo", platform.urls["gateway"]], check=True)
        print(f"\ngovproj is running. 平台已启动: {platform.urls['gateway']}/", flush=True)
        print("  sign in as e.g. 'edu' (a unit) or 'bureau' (data bureau), password 'govproj'", flush=True)
        print(f"  API docs: {platform.urls['gateway']}/docs   logs: {var / 'log'}   Ctrl-C stops it", flush=True)
        while not stopping:
            for service, process in platform.processes.items():
                if process.poll() is not None:
                    print(f"{service} exited ({process.returncode}); see {var / 'log' / (service + '.log')}")
                    return 1
            time.sleep(1)  # supervision loop period
        return 0
    finally:
        platform.stop()
        if os.environ.get("GOVPROJ_KEEP_KAFKA") != "1":
            subprocess.run(["bash", str(kafka), "stop"], check=False, env={**os.environ, "KAFKA_PORT": port})


def _passthrough() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("GOVPROJ_")}


if __name__ == "__main__":
    sys.exit(main())
