"""统一身份认证 in the browser (issue 15): Chromium signs in through Keycloak's own login form with the
authorization code and PKCE, lands on the 工作台, refreshes its token before expiry, is sent back to the
sign-in page with a Chinese message when its token is no longer accepted, and signs out of the provider too.

Keycloak comes from deploy/local/keycloak (the realm in realm-govproj.json; the loopback redirect
`http://127.0.0.1/auth/callback` matches any port, RFC 8252 §7.3). The gateway runs as production does
(GOVPROJ_ENV=prod: provider tokens only, no dev sign-in) in its own process, serving the built workbench;
the stage services are not started, so only the sign-in is under test here and their reads fail quietly.
`GOVPROJ_TEST_KEYCLOAK=<base url>` reuses a running Keycloak with these realms."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from services.gateway.webapp_serving import WORKBENCH_DIST
from shared.settings import STAGE_SERVICES
from tests.support import infra

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "govproj-test-password"  # the test realm's users (realm-govproj.json)
# The stage services are deliberately absent: the workbench's reads of them fail with 5xx (logged by
# Chromium as failed loads); a 401 is logged the same way when the test makes the token stale.
ABSENT_SERVICES = re.compile(r"Failed to load resource: the server responded with a status of (5\d\d|401)")


@pytest.fixture(scope="module")
def keycloak() -> Iterator[str]:
    reuse = os.environ.get("GOVPROJ_TEST_KEYCLOAK")
    if reuse:
        yield reuse.rstrip("/")
        return
    port = infra.free_port()
    base = infra.start_keycloak(port)
    try:
        yield base
    finally:
        infra.stop_keycloak(port)


@pytest.fixture(scope="module")
def gateway(keycloak: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not (WORKBENCH_DIST / "index.html").exists():
        pytest.fail("the workbench is not built: cd services/gateway/webapp && npm run build")
    port = infra.free_port()
    nowhere = {service: f"http://127.0.0.1:{infra.free_port()}" for service in STAGE_SERVICES}
    env = {
        **os.environ,
        "GOVPROJ_ENV": "prod",
        "GOVPROJ_JWT_SECRET": secrets.token_urlsafe(32),
        "GOVPROJ_OIDC_ISSUER": f"{keycloak}/realms/govproj",
        "GOVPROJ_SERVICE_URLS": json.dumps(nowhere),
    }
    log = open(tmp_path_factory.mktemp("gateway") / "gateway.log", "wb")  # closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.gateway.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode}: see {log.name}")
        try:
            return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        infra.wait_for_sync(healthy, timeout=120, message="the gateway's /healthz")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
async def browsing(browser: Browser) -> AsyncIterator[tuple[Page, list[str]]]:
    context = await browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not ABSENT_SERVICES.search(message.text)
            and errors.append(f"console: {message.text}")
        ),
    )
    try:
        yield page, errors
    finally:
        await context.close()
    assert not errors, errors


async def session_of(page: Page) -> dict:
    return json.loads(await page.evaluate("() => sessionStorage.getItem('govproj.session') || 'null'") or "null")


async def edit_session(page: Page, statement: str) -> None:
    """Change the stored session as time would (`s` is the session object)."""
    await page.evaluate(
        "() => { const s = JSON.parse(sessionStorage.getItem('govproj.session'));"
        f" {statement}; sessionStorage.setItem('govproj.session', JSON.stringify(s)); }}"
    )


async def sign_in_through_keycloak(page: Page, gateway: str, username: str) -> None:
    await page.goto(f"{gateway}/workbench")
    await expect(page).to_have_url(re.compile(r"/login$"))
    button = page.get_by_role("button", name="统一身份认证登录")
    await expect(button).to_be_visible()
    # production: the development users are not offered
    await expect(page.get_by_test_id("login-form")).to_have_count(0)
    await button.click()
    # Keycloak's own form, on Keycloak's origin
    await expect(page.locator("#kc-form-login")).to_be_visible(timeout=120_000)
    assert "code_challenge_method=S256" in page.url and "code_challenge=" in page.url
    await page.locator("#username").fill(username)
    await page.locator("#password").fill(PASSWORD)
    await page.locator("#kc-login").click()
    await expect(page).to_have_url(re.compile(r"/workbench$"), timeout=120_000)


async def test_a_person_signs_in_through_the_provider_and_lands_on_the_workbench(
    browsing, gateway, keycloak, screenshots
):
    page, _ = browsing
    await page.goto(f"{gateway}/login")
    await expect(page.get_by_role("button", name="统一身份认证登录")).to_be_visible()
    await page.screenshot(path=screenshots / "oidc-login-1440.png", full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=screenshots / "oidc-login-390.png", full_page=True)
    assert await page.evaluate("() => document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1440, "height": 900})

    await sign_in_through_keycloak(page, gateway, "edu")
    header = page.locator("header")
    await expect(header).to_contain_text("项目专员")  # the name from the token's claims
    await expect(page.get_by_role("heading", name=re.compile("项目专员"))).to_be_visible()  # the 工作台 greets them
    stored = await session_of(page)
    assert stored["user"]["roles"] == ["unit"] and stored["user"]["unit"] == "达州市教育局"
    assert stored["oidc"]["refreshToken"] and stored["oidc"]["idToken"]
    # the gateway accepts the provider's token for this person
    async with httpx.AsyncClient(timeout=30) as client:
        me = await client.get(f"{gateway}/api/me", headers={"authorization": f"Bearer {stored['token']}"})
    assert me.status_code == 200 and me.json()["unit"] == "达州市教育局"
    await page.screenshot(path=screenshots / "oidc-workbench-1440.png", full_page=True)

    # Shortly before expiry the page refreshes its token through the gateway (a new access token, same person).
    await edit_session(page, "s.oidc.expiresAt = Date.now() + 31000")
    await page.reload()  # the session is read afresh; the refresh timer is set from its expiry
    await page.wait_for_function(
        "old => JSON.parse(sessionStorage.getItem('govproj.session') || 'null')?.token !== old",
        arg=stored["token"],
        timeout=60_000,
    )
    assert (await session_of(page))["user"]["unit"] == "达州市教育局"
    await expect(header).to_contain_text("项目专员")

    # Signing out ends the provider's session as well and comes back to the sign-in page.
    await page.get_by_role("button", name="退出").click()
    await expect(page).to_have_url(re.compile(r"/login$"), timeout=60_000)
    await expect(page.get_by_test_id("sign-in-reason")).to_contain_text("您已安全退出")
    assert await session_of(page) is None
    await page.get_by_role("button", name="统一身份认证登录").click()
    await expect(page.locator("#kc-form-login")).to_be_visible(timeout=120_000)  # asked for the password again


async def test_a_token_the_gateway_no_longer_accepts_sends_the_person_back_with_a_chinese_message(
    browsing, gateway, screenshots
):
    page, _ = browsing
    await sign_in_through_keycloak(page, gateway, "edu")
    # What an expired or revoked token looks like to the page: the gateway answers 401.
    await edit_session(page, "s.token = 'expired.' + s.token.split('.')[1] + '.x'")
    await page.reload()
    await expect(page).to_have_url(re.compile(r"/login"), timeout=60_000)
    await expect(page.get_by_test_id("sign-in-reason")).to_contain_text("登录已过期，请重新登录")
    await page.screenshot(path=screenshots / "oidc-expired-1440.png", full_page=True)


async def test_a_refused_callback_goes_back_to_sign_in_saying_so(browsing, gateway):
    page, _ = browsing
    await page.goto(f"{gateway}/auth/callback?code=forged&state=forged")
    await expect(page).to_have_url(re.compile(r"/login$"))
    await expect(page.get_by_test_id("sign-in-reason")).to_contain_text("统一身份认证登录未成功")
