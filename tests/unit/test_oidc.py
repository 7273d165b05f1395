"""Bearer tokens as an attacker sends them: the provider's tokens verified against its JWKS (a provider
served by httpx.MockTransport with real RSA/EC keys), dev tokens only in dev/test, and every malformed
token a 401 problem with `WWW-Authenticate: Bearer error="invalid_token"`. Keycloak itself is in
tests/integration/test_oidc_keycloak.py."""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.gateway.main import create_app
from shared import oidc
from shared.auth import Role, authenticate, issue_token, outbound_authorization
from shared.errors import Problem
from shared.settings import Settings
from tests.support.infra import free_port

ISSUER = "https://idp.test/realms/govproj"
SECRET = "oidc-unit-test-secret-32-bytes-long!"


class FakeProvider:
    """Discovery, JWKS and token endpoints of an issuer whose keys the test holds and rotates."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.published: list[str] = []
        self.jwks_fetches = 0
        self.token_requests = 0
        self.down = False
        self.rotate()

    def rotate(self, kind: str = "rsa") -> str:
        kid = f"key-{len(self.keys) + 1}"
        if kind == "rsa":
            self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            self.keys[kid] = ec.generate_private_key(ec.SECP256R1())
        self.published.append(kid)
        return kid

    def jwks(self) -> dict[str, Any]:
        found = []
        for kid in self.published:
            key = self.keys[kid]
            algorithm = (
                jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
            )
            jwk = json.loads(algorithm.to_jwk(key.public_key()))
            found.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": found}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("refused", request=request)
        if request.url.path.endswith("/.well-known/openid-configuration"):
            return httpx.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "jwks_uri": f"{ISSUER}/certs",
                    "token_endpoint": f"{ISSUER}/token",
                    "authorization_endpoint": f"{ISSUER}/auth",
                },
            )
        if request.url.path.endswith("/certs"):
            self.jwks_fetches += 1
            return httpx.Response(200, json=self.jwks())
        if request.url.path.endswith("/token"):
            self.token_requests += 1
            assert request.headers["authorization"].startswith("Basic ")
            token = self.token(
                govproj_roles=["platform"], govproj_unit=None, aud=["govproj-review", "govproj-budget"], sub="svc"
            )
            return httpx.Response(200, json={"access_token": token, "expires_in": 300, "token_type": "Bearer"})
        return httpx.Response(404)

    def token(self, kid: str | None = None, *, algorithm: str | None = None, **claims: Any) -> str:
        kid = kid or self.published[-1]
        key = self.keys[kid]
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": "govproj-intake",
            "sub": "user-1",
            "iat": now,
            "exp": now + 300,
            "govproj_roles": ["unit", "offline_access"],
            "govproj_unit": "达州市教育局",
            "govproj_cleared": False,
            "name": "教育局 项目专员",
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        algorithm = algorithm or ("RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256")
        return jwt.encode(body, key, algorithm=algorithm, headers={"kid": kid})


@pytest.fixture
def provider() -> FakeProvider:
    return FakeProvider()


def verifier_for(provider: FakeProvider, **kw: Any) -> oidc.Verifier:
    source = oidc.Provider(
        ISSUER, min_refresh_seconds=kw.pop("min_refresh", 0.0), transport=httpx.MockTransport(provider.handle)
    )
    return oidc.Verifier(source, audience=kw.pop("audience", "govproj-intake"), **kw)


async def test_a_provider_token_becomes_a_principal_with_roles_unit_and_clearance(provider):
    verifier = verifier_for(provider)
    principal = await verifier.verify(provider.token())
    assert principal.subject == "user-1" and principal.unit == "达州市教育局" and principal.name == "教育局 项目专员"
    assert principal.roles == {Role.UNIT}  # offline_access is the provider's, not ours: ignored
    assert not principal.cleared
    cleared = await verifier.verify(
        provider.token(govproj_roles=None, realm_access={"roles": ["data_bureau"]}, govproj_cleared="true")
    )
    assert cleared.roles == {Role.DATA_BUREAU} and cleared.cleared  # the Keycloak-native roles claim as fallback


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "govproj-review"}, "Audience"),
        ({"iss": "https://idp.test/realms/elsewhere"}, "issuer"),
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"exp": "9999999999"}, "exp"),
        ({"iat": None}, "iat"),
        ({"sub": None}, "sub"),
        ({"govproj_roles": "unit", "realm_access": None}, None),  # a space-separated string is read as a list
        ({"govproj_roles": [1, 2]}, "roles"),
        ({"govproj_unit": {"nested": True}}, "govproj_unit"),
    ],
)
async def test_claims_the_service_must_not_accept(provider, claims, reason):
    verifier = verifier_for(provider)
    if reason is None:
        assert (await verifier.verify(provider.token(**claims))).roles == {Role.UNIT}
        return
    with pytest.raises(oidc.InvalidToken, match=reason):
        await verifier.verify(provider.token(**claims))


async def test_clock_skew_within_the_leeway_is_accepted(provider):
    verifier = verifier_for(provider, leeway_seconds=60)
    assert await verifier.verify(provider.token(exp=int(time.time()) - 30))
    with pytest.raises(oidc.InvalidToken, match="expired"):
        await verifier.verify(provider.token(exp=int(time.time()) - 90))


async def test_algorithm_confusion_and_unsigned_tokens_are_refused(provider):
    verifier = verifier_for(provider)
    public_pem = (
        provider.keys[provider.published[0]]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    # HS256 keyed with the public key an attacker can download: the classic confusion attack.
    forged = jwt.encode(
        {"sub": "x", "aud": "govproj-intake", "iss": ISSUER}, public_pem.decode()[:64], algorithm="HS256"
    )
    unsigned = jwt.encode({"sub": "x", "aud": "govproj-intake", "iss": ISSUER}, None, algorithm="none")
    for token in (forged, unsigned):
        with pytest.raises(oidc.InvalidToken, match="not accepted"):
            await verifier.verify(token)
    # An RS256 signature relabelled as another accepted algorithm does not borrow the RSA key.
    _, rest = provider.token().split(".", 1)
    relabelled = jwt.utils.base64url_encode(json.dumps({"alg": "ES256", "kid": "key-1"}).encode()).decode()
    with pytest.raises(oidc.InvalidToken, match="does not match"):
        await verifier.verify(f"{relabelled}.{rest}")
    with pytest.raises(ValueError, match="asymmetric"):
        oidc.Verifier(verifier.provider, audience="a", algorithms=("RS256", "HS256"))


async def test_a_token_signed_by_a_key_the_provider_does_not_publish_is_refused(provider):
    verifier = verifier_for(provider)
    stranger = FakeProvider()
    stranger.published = ["key-1"]  # same kid, another private key
    with pytest.raises(oidc.InvalidToken, match="Signature"):
        await verifier.verify(stranger.token())


async def test_keys_are_cached_and_a_rotation_is_picked_up_on_the_unknown_kid(provider):
    verifier = verifier_for(provider, min_refresh=0.0)
    for _ in range(5):
        await verifier.verify(provider.token())
    assert provider.jwks_fetches == 1
    new_kid = provider.rotate("ec")  # the provider rotates to an ES256 key
    principal = await verifier.verify(provider.token(new_kid))
    assert principal.roles == {Role.UNIT} and provider.jwks_fetches == 2


async def test_forged_kids_refetch_the_keys_at_most_once_per_interval(provider):
    verifier = verifier_for(provider, min_refresh=60.0)
    await verifier.verify(provider.token())
    token = provider.token()
    _, rest = token.split(".", 1)
    for n in range(20):
        forged_header = jwt.utils.base64url_encode(json.dumps({"alg": "RS256", "kid": f"forged-{n}"}).encode()).decode()
        with pytest.raises(oidc.InvalidToken, match="no signing key"):
            await verifier.verify(f"{forged_header}.{rest}")
    assert provider.jwks_fetches == 1  # the first fetch only: 20 forged kids inside the interval cost nothing


async def test_a_provider_that_is_down_is_a_503_not_a_401(provider):
    provider.down = True
    verifier = verifier_for(provider)
    with pytest.raises(Problem) as caught:
        await verifier.verify(provider.token())
    assert caught.value.status == 503 and caught.value.headers["Retry-After"]
    provider.down = False
    assert await verifier.verify(provider.token())  # and it recovers without a restart


async def test_client_credentials_tokens_are_cached_until_near_expiry(provider):
    source = oidc.Provider(ISSUER, transport=httpx.MockTransport(provider.handle))
    credentials = oidc.ClientCredentials(source, "govproj-service", "s3cret")
    first = await credentials.token()
    assert await credentials.token() == first and provider.token_requests == 1
    claims = jwt.decode(first, options={"verify_signature": False})
    assert claims["govproj_roles"] == ["platform"] and "govproj-review" in claims["aud"]


# ------------------------------------------------------------------------------- through an application


def gateway(provider: FakeProvider | None, **settings: Any) -> TestClient:
    down = {
        name: f"http://127.0.0.1:{free_port()}"
        for name in ("gateway", "intake", "review", "budget", "procurement", "acceptance", "catalog")
    }
    config = Settings(service="gateway", jwt_secret=SECRET, service_urls=down, **settings)
    app = create_app(config)
    if provider is not None:
        app.state.identity = oidc.Identity.from_settings(config, transport=httpx.MockTransport(provider.handle))
    return TestClient(app)


def hostile_headers() -> dict[str, str]:
    dev = issue_token(SECRET, "edu", [Role.UNIT], unit="达州市教育局")
    now = int(time.time())

    def signed(**claims: Any) -> str:
        body = {"sub": "edu", "roles": ["unit"], "iss": "govproj-gateway", "exp": now + 60, **claims}
        return "Bearer " + jwt.encode(body, SECRET, algorithm="HS256")

    return {
        "empty bearer": "Bearer ",
        "bearer alone": "Bearer",
        "basic": "Basic ZWR1OmdvdnByb2o=",
        "garbage": "Bearer not-a-jwt",
        "three dots": "Bearer a.b.c",
        "control characters": "Bearer " + dev[:20] + "\x01" + dev[20:],
        "oversized": "Bearer " + "a" * 20_000,
        "exp as string": signed(exp=str(now + 60)),
        "exp as bool": signed(exp=True),
        "roles not a list": signed(roles="unit"),
        "roles of numbers": signed(roles=[1]),
        "unknown role": signed(roles=["emperor"]),
        "unit not a string": signed(unit=["a", "b"]),
        "sub empty": signed(sub=""),
        "expired": signed(exp=now - 10),
        "wrong secret": "Bearer "
        + jwt.encode({"sub": "x", "roles": [], "exp": now + 60, "iss": "govproj-gateway"}, "x" * 32),
        "payload not an object": "Bearer " + jwt.api_jws.encode(b"[1,2]", SECRET, algorithm="HS256"),
    }


@pytest.mark.parametrize("case", list(hostile_headers()))
def test_every_malformed_token_is_a_401_problem_with_a_bearer_challenge(case):
    with gateway(None) as client:
        response = client.get("/api/me", headers={"authorization": hostile_headers()[case]})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert response.headers["www-authenticate"].startswith("Bearer ")


def test_no_token_is_a_401_with_a_bare_bearer_challenge():
    with gateway(None) as client:
        response = client.get("/api/me")
    assert response.status_code == 401 and response.headers["www-authenticate"] == 'Bearer realm="govproj"'


def test_an_empty_bearer_through_the_proxy_is_a_401_not_a_503():
    with gateway(None) as client:
        for header in ("Bearer ", "Bearer", "Bearer \x7f"):
            response = client.get("/api/intake/applications", headers={"authorization": header})
            assert response.status_code == 401, (header, response.text)


def test_provider_tokens_are_accepted_and_dev_tokens_refused_in_prod(provider):
    dev = issue_token(SECRET, "edu", [Role.UNIT], unit="达州市教育局")
    with gateway(provider, env="prod", oidc_issuer=ISSUER) as client:
        me = client.get("/api/me", headers={"authorization": f"Bearer {provider.token(aud='govproj-gateway')}"})
        assert me.status_code == 200 and me.json()["roles"] == ["unit"] and me.json()["unit"] == "达州市教育局"
        refused = client.get("/api/me", headers={"authorization": f"Bearer {dev}"})
        assert refused.status_code == 401 and "HS256" in refused.json()["detail"]
        other_service = client.get("/api/me", headers={"authorization": f"Bearer {provider.token()}"})
        assert other_service.status_code == 401 and "audience" in other_service.json()["detail"].lower()
        sign_in = client.get("/api/auth/oidc").json()
        assert sign_in["authorization_endpoint"] == f"{ISSUER}/auth" and sign_in["code_challenge_method"] == "S256"
        assert sign_in["client_id"] == "govproj-web" and sign_in["dev_sign_in"] is False


def test_local_runs_accept_both_dev_and_provider_tokens(provider):
    dev = issue_token(SECRET, "edu", [Role.UNIT], unit="达州市教育局")
    with gateway(provider, env="dev", oidc_issuer=ISSUER) as client:
        for token in (dev, provider.token(aud="govproj-gateway")):
            assert client.get("/api/me", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_without_a_provider_the_sign_in_parameters_are_404():
    with gateway(None) as client:
        assert client.get("/api/auth/oidc").status_code == 404


def test_prod_refuses_to_start_without_an_identity_provider():
    with pytest.raises(ValidationError, match="GOVPROJ_OIDC_ISSUER"):
        Settings(env="prod", jwt_secret=SECRET)
    with pytest.raises(ValidationError, match="asymmetric"):
        Settings(oidc_issuer=ISSUER, oidc_algorithms=["HS256"])
    with pytest.raises(ValidationError, match="go together"):
        Settings(oidc_issuer=ISSUER, oidc_client_id="govproj-service")
    assert Settings(env="prod", jwt_secret=SECRET, oidc_issuer=ISSUER).oidc_issuer == ISSUER


async def test_services_call_each_other_with_their_own_client_credentials_token(provider):
    transport = httpx.MockTransport(provider.handle)
    settings = Settings(
        service="acceptance", oidc_issuer=ISSUER, oidc_client_id="govproj-service", oidc_client_secret="s"
    )
    acceptance = SimpleNamespace(
        state=SimpleNamespace(settings=settings, identity=oidc.Identity.from_settings(settings, transport))
    )
    request = SimpleNamespace(app=acceptance, headers={"authorization": "Bearer the-callers-token"})
    authorization = await outbound_authorization(request)  # type: ignore[arg-type]
    assert authorization != request.headers["authorization"]

    review_settings = Settings(service="review", oidc_issuer=ISSUER)
    review = SimpleNamespace(
        state=SimpleNamespace(
            settings=review_settings, identity=oidc.Identity.from_settings(review_settings, transport)
        )
    )
    principal = await authenticate(review, authorization)
    assert principal.roles == {Role.PLATFORM} and principal.subject == "svc"


async def test_without_a_client_a_local_run_forwards_the_callers_token():
    settings = Settings(service="acceptance")
    request = SimpleNamespace(
        app=SimpleNamespace(state=SimpleNamespace(settings=settings)), headers={"authorization": "Bearer dev"}
    )
    assert await outbound_authorization(request) == "Bearer dev"  # type: ignore[arg-type]
