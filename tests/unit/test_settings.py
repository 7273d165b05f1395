"""GOVPROJ_ENV is one of three exact values, and prod refuses what only dev and test may use."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import ValidationError

from shared.settings import DEV_JWT_SECRET, REPO_ROOT, Environment, Settings, load_settings

REAL_SECRET = "a-production-secret-of-at-least-32-bytes"
ISSUER = "https://id.example.gov.cn/realms/govproj"  # prod signs in through the provider


@pytest.mark.parametrize("value", ["production", "PROD", "prod ", "Prod", "", "staging", "dev\n"])
def test_an_environment_that_is_not_exactly_dev_test_or_prod_is_refused(value):
    with pytest.raises(ValidationError, match="GOVPROJ_ENV must be exactly one of dev, test, prod"):
        Settings(env=value, jwt_secret=REAL_SECRET)


def test_prod_refuses_the_dev_secret_the_admin_clock_and_the_dev_sign_in():
    with pytest.raises(ValidationError, match="GOVPROJ_JWT_SECRET"):
        Settings(env="prod")
    with pytest.raises(ValidationError, match="GOVPROJ_JWT_SECRET"):
        Settings(env="prod", jwt_secret=DEV_JWT_SECRET)
    with pytest.raises(ValidationError, match="GOVPROJ_CLOCK_CONTROL"):
        Settings(env="prod", jwt_secret=REAL_SECRET, clock_control=True)
    with pytest.raises(ValidationError, match="GOVPROJ_DEV_SIGN_IN"):
        Settings(env="prod", jwt_secret=REAL_SECRET, dev_sign_in=True)


def test_the_dev_sign_in_is_on_in_dev_and_test_and_off_in_prod():
    assert Settings(env="dev").dev_sign_in_enabled and Settings(env="test").dev_sign_in_enabled
    prod = Settings(env="prod", jwt_secret=REAL_SECRET, oidc_issuer=ISSUER)
    assert prod.env is Environment.PROD and not prod.dev_sign_in_enabled
    assert not Settings(env="test", dev_sign_in=False).dev_sign_in_enabled


def test_load_settings_stops_the_process_with_one_line_per_reason(monkeypatch):
    monkeypatch.setenv("GOVPROJ_ENV", "production")
    with pytest.raises(SystemExit) as stopped:
        load_settings("intake")
    assert "refusing to start" in str(stopped.value) and "'production'" in str(stopped.value)


@pytest.mark.parametrize(
    ("module", "env"),
    [
        ("services.gateway.main", {"GOVPROJ_ENV": "production"}),
        ("services.intake.main", {"GOVPROJ_ENV": "PROD", "GOVPROJ_JWT_SECRET": REAL_SECRET}),
        ("services.gateway.main", {"GOVPROJ_ENV": "prod", "GOVPROJ_OIDC_ISSUER": ISSUER}),  # with the dev secret
        (
            "services.gateway.main",
            {
                "GOVPROJ_ENV": "prod",
                "GOVPROJ_JWT_SECRET": REAL_SECRET,
                "GOVPROJ_DEV_SIGN_IN": "1",
                "GOVPROJ_OIDC_ISSUER": ISSUER,
            },
        ),
    ],
)
def test_a_process_started_with_untrustworthy_settings_exits_non_zero_and_says_why(module, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVPROJ_")}
    started = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        env={**clean, **env, "PYTHONPATH": str(REPO_ROOT)},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "refusing to start" in started.stderr, started.stderr[-2000:]


def test_a_process_with_production_settings_that_are_sound_starts():
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GOVPROJ_")}
    started = subprocess.run(
        [sys.executable, "-c", "import services.gateway.main as m; print(m.app.state.settings.env)"],
        env={
            **clean,
            "GOVPROJ_ENV": "prod",
            "GOVPROJ_JWT_SECRET": REAL_SECRET,
            "GOVPROJ_OIDC_ISSUER": ISSUER,
            "PYTHONPATH": str(REPO_ROOT),
        },
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.strip() == "prod"
