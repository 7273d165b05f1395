"""How the gateway serves the front ends: the built workbench (webapp/dist) at `/` with an SPA fallback, the
classic no-build UI at `/classic/`.

Kept out of main.py so the gateway's routes and its static files change independently."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

GATEWAY_ROOT = Path(__file__).parent
CLASSIC_ROOT = GATEWAY_ROOT / "web"
WORKBENCH_DIST = GATEWAY_ROOT / "webapp" / "dist"
# Paths that are never the single-page app's: an unknown API or metrics path must stay a 404, not
# answer 200 with index.html (a client would then try to parse HTML as JSON).
NOT_SPA_PREFIXES = ("/api/", "/metrics", "/healthz", "/readyz", "/classic/", "/assets/")
STATIC_SUFFIXES = {
    ".js",
    ".mjs",
    ".css",
    ".map",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".ico",
    ".webp",
    ".woff",
    ".woff2",
    ".ttf",
    ".json",
    ".txt",
    ".xml",
    ".html",
    ".webmanifest",
}


class SinglePageApp(StaticFiles):
    """Static files, and index.html for any other browser path, so a deep link (`/projects/P-1`) or a
    reload on one opens the app at that page. Hashed bundles are cached for good; index.html is not,
    so a new build is picked up on the next load."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            if exc.status_code != 404 or not self._is_app_path(scope):
                raise
            response = await super().get_response("index.html", scope)
        if response.status_code == 404 and self._is_app_path(scope):
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/") and response.status_code == 200:
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        else:
            response.headers["cache-control"] = "no-cache"
        return response

    @staticmethod
    def _is_app_path(scope: Scope) -> bool:
        if scope.get("method", "GET") not in ("GET", "HEAD"):
            return False
        request_path: str = scope.get("path", "/")
        if any(request_path.startswith(prefix) for prefix in NOT_SPA_PREFIXES):
            return False
        # A missing file (`/logo.png`) is a 404; a page path is the app, dots and all (`/policy/dazhou/intake.x`).
        return Path(request_path).suffix.lower() not in STATIC_SUFFIXES


def mount_front_ends(app: FastAPI, dist: Path = WORKBENCH_DIST, classic: Path = CLASSIC_ROOT) -> str:
    """Mount the classic UI at /classic/ and the workbench at /. Without a build (no Node on this
    machine) the classic UI is served at / as well, so the platform still has a face. Returns which
    front end answers at `/` ("workbench" or "classic")."""
    if classic.is_dir():
        app.mount("/classic", StaticFiles(directory=classic, html=True), name="classic")
    if (dist / "index.html").is_file():
        app.mount("/", SinglePageApp(directory=dist, html=True), name="web")
        return "workbench"
    if classic.is_dir():
        app.mount("/", StaticFiles(directory=classic, html=True), name="web")
    return "classic"


__all__ = ["SinglePageApp", "mount_front_ends"]
