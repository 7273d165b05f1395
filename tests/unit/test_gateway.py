"""The gateway alone: dev sign-in, a service that is down, and the timeline of an unknown project."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.gateway.main import create_app
from shared.auth import Role, verify_token
from shared.settings import Settings
from tests.support.infra import free_port

SECRET = "gateway-unit-test-secret-32-bytes-long"


@pytest.fixture
def client():
    down = {
        name: f"http://127.0.0.1:{free_port()}"
        for name in ("gateway", "intake", "review", "budget", "procurement", "acceptance", "catalog")
    }
    settings = Settings(service="gateway", jwt_secret=SECRET, service_urls=down)
    with TestClient(create_app(settings)) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = "govproj"):
    return client.post("/api/auth/token", json={"username": username, "password": password})


def test_seeded_users_sign_in_with_their_role_and_unit(client):
    body = sign_in(client, "edu").json()
    principal = verify_token(body["access_token"], SECRET)
    assert principal.roles == {Role.UNIT} and principal.unit == "达州市教育局"
    assert verify_token(sign_in(client, "bureau_secret").json()["access_token"], SECRET).cleared
    users = client.get("/api/auth/users").json()
    assert {"unit", "data_bureau", "finance", "mayor", "standing_committee", "expert"} <= {
        role for user in users for role in user["roles"]
    }


def test_wrong_password_or_user_is_a_401_problem(client):
    for username, password in (("edu", "nope"), ("nobody", "govproj")):
        response = sign_in(client, username, password)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"


def test_the_dev_issuer_is_off_in_production():
    settings = Settings(service="gateway", env="prod", jwt_secret=SECRET, oidc_issuer="https://idp.test/realms/govproj")
    with TestClient(create_app(settings)) as client:
        assert sign_in(client, "edu").status_code == 404


def test_a_service_that_is_down_is_a_503_problem_not_a_500(client):
    token = sign_in(client, "bureau").json()["access_token"]
    response = client.get("/api/review/projects/P-1", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.json()["type"].endswith("/service-unavailable")
    timeline = client.get("/api/projects/P-1/timeline", headers={"authorization": f"Bearer {token}"})
    assert timeline.status_code == 200 and set(timeline.json()["unavailable"]) == {
        "intake",
        "review",
        "budget",
        "procurement",
        "acceptance",
        "catalog",
    }
    assert client.get("/readyz").status_code == 503


def test_the_timeline_needs_a_token(client):
    assert client.get("/api/projects/P-1/timeline").status_code == 401


def test_the_proxy_waits_as_long_as_the_client_asked_a_service_to_wait():
    from starlette.requests import Request

    from services.gateway.main import upstream_timeout

    def request(*headers: tuple[bytes, bytes]) -> Request:
        return Request({"type": "http", "headers": list(headers)})

    settings = Settings(service="gateway", jwt_secret=SECRET, upstream_timeout_seconds=4.0)
    assert upstream_timeout(request(), settings).read == 4.0
    assert upstream_timeout(request((b"prefer", b"wait=20")), settings).read == 4.0 + 20


def test_without_sniffio_the_gateway_records_its_absence_once(monkeypatch):
    """httpcore imports sniffio for every lock it sets up; where it is not installed (the runtime image)
    the gateway records the absence, so the import fails at once instead of searching sys.path again."""
    import importlib
    import sys

    from httpcore._synchronization import current_async_library

    from services.gateway.main import remember_sniffio_absent

    monkeypatch.setitem(sys.modules, "sniffio", sys.modules.get("sniffio"))  # restored afterwards
    monkeypatch.delitem(sys.modules, "sniffio")
    real_import = importlib.import_module

    def without_sniffio(name: str, package: str | None = None):
        if name == "sniffio":
            raise ModuleNotFoundError("No module named 'sniffio'")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without_sniffio)
    remember_sniffio_absent()
    assert sys.modules["sniffio"] is None
    with pytest.raises(ImportError):
        import sniffio  # noqa: F401
    assert current_async_library() == "asyncio"  # httpcore's choice without sniffio, as before


def test_an_installed_sniffio_is_left_alone(monkeypatch):
    import sys
    import types

    from services.gateway.main import remember_sniffio_absent

    installed = types.ModuleType("sniffio")
    monkeypatch.setitem(sys.modules, "sniffio", installed)
    remember_sniffio_absent()
    assert sys.modules["sniffio"] is installed
