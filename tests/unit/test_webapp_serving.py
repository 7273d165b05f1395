"""The gateway's front-end serving: the workbench's files at /, index.html for its page paths (deep links
and reloads), never for an API path or a missing file; the classic UI at /classic/; the classic UI at /
when no build exists."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.gateway.webapp_serving import mount_front_ends
from shared.errors import install_problem_handlers


@pytest.fixture
def front_ends(tmp_path: Path) -> tuple[Path, Path]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<div id=root>workbench</div>", encoding="utf-8")
    (dist / "assets" / "index-abc123.js").write_text("console.log(1)", encoding="utf-8")
    classic = tmp_path / "web"
    classic.mkdir()
    (classic / "index.html").write_text("<main id=app>classic</main>", encoding="utf-8")
    return dist, classic


def app_with(dist: Path, classic: Path) -> tuple[TestClient, str]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/api/known")
    async def known() -> dict[str, str]:
        return {"ok": "yes"}

    answer = mount_front_ends(app, dist=dist, classic=classic)
    return TestClient(app), answer


def test_the_workbench_answers_its_page_paths_with_index_html(front_ends):
    client, serving = app_with(*front_ends)
    assert serving == "workbench"
    for path in (
        "/",
        "/workbench",
        "/projects/P-2026-0001",
        "/approvals?project=P-1",
        "/policy/dazhou/intake.materials",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "workbench" in response.text, path
        assert response.headers["cache-control"] == "no-cache", path
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    assert client.get("/api/known").json() == {"ok": "yes"}


def test_api_paths_and_missing_files_stay_404_problems(front_ends):
    client, _ = app_with(*front_ends)
    for path in ("/api/unknown", "/api/intake/nothing", "/assets/missing.js", "/logo.png", "/metrics/x"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json"), path
    assert client.post("/somewhere").status_code in (404, 405)


def test_the_classic_ui_moves_to_classic(front_ends):
    client, _ = app_with(*front_ends)
    response = client.get("/classic/")
    assert response.status_code == 200
    assert "classic" in response.text


def test_without_a_build_the_classic_ui_answers_at_the_root(front_ends, tmp_path):
    _, classic = front_ends
    client, serving = app_with(tmp_path / "no-build", classic)
    assert serving == "classic"
    assert "classic" in client.get("/").text
    assert "classic" in client.get("/classic/").text
