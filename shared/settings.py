"""Settings every service reads from the environment (pydantic-settings), one class per process."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_JWT_SECRET = "govproj-dev-secret-change-me-in-production"

#: The default local ports; `deploy/local/run.sh` and the tests use these names.
SERVICE_PORTS = {
    "gateway": 8000,
    "intake": 8001,
    "review": 8002,
    "budget": 8003,
    "procurement": 8004,
    "acceptance": 8005,
    "catalog": 8006,
}
STAGE_SERVICES = ("intake", "review", "budget", "procurement", "acceptance", "catalog")


class Environment(StrEnum):
    """Where a process runs. Exact values only: a guard that matched `prod` and let `production`,
    `PROD` or `"prod "` through with the dev secret failed open (issue 15, defect 5)."""

    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class Settings(BaseSettings):
    """Common settings. `GOVPROJ_DATABASE_URL` etc.; a service may be given its own
    `GOVPROJ_<SERVICE>_DATABASE_URL`, which wins (see `for_service`)."""

    model_config = SettingsConfigDict(env_prefix="GOVPROJ_", extra="ignore")

    service: str = "gateway"
    env: Environment = Environment.DEV
    database_url: str | None = None
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = "govproj"
    topic_partitions: int = 6
    # Topics the service creates when missing (Strimzi's KafkaTopics create them first in production):
    # one broker locally; 3 and 2 on a cluster, so acks=all survives one broker down.
    topic_replication_factor: int = 1
    topic_min_insync_replicas: int | None = None  # None: the broker's default
    # How the clients reach the broker (aiokafka's names). SSL verifies the brokers against ssl_cafile
    # (Strimzi's cluster CA); SASL_* add a SCRAM or PLAIN login.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_ssl_cafile: Path | None = None
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    jwt_secret: str = DEV_JWT_SECRET
    jwt_issuer: str = "govproj-gateway"
    var_dir: Path = REPO_ROOT / "var"
    # Where the other services answer, for the few HTTP reads (gateway timeline, expert draws).
    service_urls: dict[str, str] = {name: f"http://127.0.0.1:{port}" for name, port in SERVICE_PORTS.items()}
    outbox_poll_seconds: float = 0.5
    # What this process runs. `all`: HTTP, outbox relay, consumer and sweeper in one event loop (the
    # embedded SQLite run, the tests). On PostgreSQL a service can run as an `api` process (HTTP
    # only) beside a `worker` process (relay, consumer, sweeper, and /metrics): event hops then stay
    # fast while HTTP load queues in the API's loop, and each side scales on its own.
    process_role: Literal["all", "api", "worker"] = "all"
    sweep_seconds: float = 30.0
    consumer_max_attempts: int = 5
    default_pack: str = "dazhou"
    # Lets tests and demos move time forward through POST /_admin/clock. Never in prod.
    clock_control: bool = False
    # OpenID Connect (docs/security.md). Set the issuer and every service verifies the provider's tokens
    # against its JWKS; prod refuses to start without it. Per service: GOVPROJ_<SERVICE>_OIDC_AUDIENCE.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None  # default govproj-<service>
    oidc_algorithms: list[str] = ["RS256", "ES256"]
    oidc_leeway_seconds: float = 30.0  # clock skew allowed on exp/nbf/iat
    oidc_jwks_min_refresh_seconds: float = 30.0  # an unknown kid refetches the keys at most this often
    oidc_jwks_max_age_seconds: float = 3600.0
    oidc_roles_claims: list[str] = ["govproj_roles", "realm_access.roles"]  # dotted paths, first present wins
    oidc_unit_claim: str = "govproj_unit"
    oidc_cleared_claim: str = "govproj_cleared"
    # This service's own client (client credentials) for the calls it makes to another service.
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    # The browser's public client (authorization code + PKCE), announced by the gateway's /api/auth/oidc.
    oidc_web_client_id: str = "govproj-web"
    oidc_web_scope: str = "openid profile"
    # Limits that keep one request from stopping a service (issue 15). A request body over
    # max_request_bytes is refused with 413 before it is read; an event over max_event_bytes refuses
    # its command, since the broker (max.message.bytes, 1 MiB by default) would never take it.
    max_request_bytes: int = 1024 * 1024
    max_event_bytes: int = 900 * 1024
    # Attachments (附件) on an application, kept in intake's database: the cap on one file (the intake
    # and gateway body limits of the upload route follow it), how many per application, the name's length.
    attachment_max_bytes: int = 20 * 1024 * 1024
    attachment_max_count: int = 30
    # An outbox row the broker refuses this many times (or at once, for a record too large) is
    # marked failed and the relay moves on; an unreachable broker is not counted against a row.
    outbox_max_attempts: int = 5
    # /readyz says not ready when the oldest unpublished outbox row is older than this, or the
    # consumer is this many records behind the end of its topics.
    relay_stall_seconds: float = 60.0
    consumer_max_lag: int = 10_000
    # Retry-After (seconds) on the 503 answered while the database is unreachable.
    database_retry_after_seconds: int = 5
    # The read pool (GET handlers), apart from the write pool, and how long one read statement may run on
    # PostgreSQL before it is cancelled (a 503): a little above the gateway's upstream timeout, so a read
    # the gateway gave up on stops soon after, and the yearly report (target 5 s) still fits.
    read_pool_size: int = Field(default=5, ge=1)
    read_statement_timeout_ms: int = Field(default=8000, ge=100)
    # The catalog's cockpit (驾驶舱) is one snapshot per scope and filter, served while younger than this
    # (its figures aggregate the whole portfolio: a few hundred ms at 100,000 projects); 0 computes every
    # request. Leaders read a cockpit seconds old without harm (docs/cockpit.md).
    cockpit_max_age_seconds: float = Field(default=10.0, ge=0)
    # The gateway's admission: requests in flight per upstream service (beyond it: 503 + Retry-After at
    # once), how long it waits for an upstream (below a client's usual 5 s, so it gives up first and
    # never works for a caller who left), and rate limits in `limits` notation ("5/minute").
    upstream_concurrency: int = Field(default=16, ge=1)
    # Timelines in flight (each holds a slot in all six upstreams): latency is in-flight over
    # throughput, so this is set to what the platform answers in about a second, not what it queues.
    timeline_concurrency: int = Field(default=8, ge=1)
    # Requests that asked to wait (`Prefer: wait=N`) cost an upstream nothing while they wait; they get
    # their own bound so long polls never take the slots of requests that work.
    waiting_concurrency: int = Field(default=200, ge=1)
    upstream_timeout_seconds: float = Field(default=4.0, gt=0)
    failed_sign_in_per_address: str = "30/minute"
    failed_sign_in_per_user: str = "5/minute"
    writes_per_principal: str = "600/minute"
    # Where the gateway's rate-limit windows live: this process (memory://) or a Redis every gateway
    # replica shares (redis://host:6379/0), so N replicas do not allow N times the limit.
    rate_limit_storage: str = Field(default="memory://", pattern=r"^(memory://|(async\+)?(redis|rediss|valkey|valkeys)://\S+)$")
    # The gateway's seeded-user sign-in (services/gateway/users.py). Unset: on in dev and test, off in
    # prod; set on in prod it refuses to start.
    dev_sign_in: bool | None = None

    @field_validator("env", mode="before")
    @classmethod
    def _exact_environment(cls, value: object) -> object:
        if isinstance(value, str) and value not in {e.value for e in Environment}:
            known = ", ".join(e.value for e in Environment)
            raise ValueError(f"GOVPROJ_ENV must be exactly one of {known}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _refuse_dev_secret_in_prod(self) -> Settings:
        if self.env is Environment.PROD and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("GOVPROJ_JWT_SECRET must be set to a real secret when GOVPROJ_ENV=prod")
        if self.env is Environment.PROD and self.clock_control:
            raise ValueError("GOVPROJ_CLOCK_CONTROL must be off when GOVPROJ_ENV=prod")
        if self.env is Environment.PROD and self.dev_sign_in:
            raise ValueError(
                "GOVPROJ_DEV_SIGN_IN must be off when GOVPROJ_ENV=prod: people sign in through the identity provider"
            )
        if self.process_role != "all" and self.db_url.startswith("sqlite"):
            raise ValueError("GOVPROJ_PROCESS_ROLE=api/worker needs PostgreSQL: one process owns a SQLite file")
        return self

    @model_validator(mode="after")
    def _kafka_settings_hold_together(self) -> Settings:
        if self.topic_min_insync_replicas is not None and not (
            1 <= self.topic_min_insync_replicas <= self.topic_replication_factor
        ):
            raise ValueError("GOVPROJ_TOPIC_MIN_INSYNC_REPLICAS must be between 1 and GOVPROJ_TOPIC_REPLICATION_FACTOR")
        if self.kafka_security_protocol.startswith("SASL_") and not (
            self.kafka_sasl_mechanism and self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                "GOVPROJ_KAFKA_SECURITY_PROTOCOL=SASL_* needs GOVPROJ_KAFKA_SASL_MECHANISM, _USERNAME and _PASSWORD"
            )
        return self

    @property
    def kafka_client_options(self) -> dict[str, object]:
        """Keyword arguments every aiokafka client of this process takes (producer, consumer, admin)."""
        options: dict[str, object] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_security_protocol in ("SSL", "SASL_SSL"):
            from aiokafka.helpers import create_ssl_context

            cafile = str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None  # None: the system's trust store
            options["ssl_context"] = create_ssl_context(cafile=cafile)
        if self.kafka_security_protocol.startswith("SASL_"):
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = self.kafka_sasl_password
        return options

    @model_validator(mode="after")
    def _prod_signs_in_through_the_provider(self) -> Settings:
        from shared.oidc import asymmetric

        asymmetric(self.oidc_algorithms)
        if _env_name(self.env) == "prod" and not self.oidc_issuer:
            raise ValueError("GOVPROJ_OIDC_ISSUER must name the identity provider when GOVPROJ_ENV=prod")
        if bool(self.oidc_client_id) != bool(self.oidc_client_secret):
            raise ValueError("GOVPROJ_OIDC_CLIENT_ID and GOVPROJ_OIDC_CLIENT_SECRET go together")
        return self

    @property
    def dev_tokens_allowed(self) -> bool:
        """The HS256 dev tokens (gateway sign-in with seeded users) are for local runs and tests only."""
        return _env_name(self.env) in ("dev", "test")

    @property
    def dev_sign_in_enabled(self) -> bool:
        return self.env is not Environment.PROD if self.dev_sign_in is None else self.dev_sign_in

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / 'db' / f'{self.service}.sqlite'}"

    @property
    def topic(self) -> str:
        """The one topic this service owns and publishes to."""
        return topic_for(self.topic_prefix, self.service)


def topic_for(prefix: str, service: str) -> str:
    return f"{prefix}.{service}"


def load_settings(service: str) -> Settings:
    """Settings for one service: `GOVPROJ_<SERVICE>_X` overrides `GOVPROJ_X`."""
    import os

    specific = f"GOVPROJ_{service.upper()}_"
    # Raw environment strings: pydantic coerces them to each field's type.
    overrides: dict[str, Any] = {
        key[len(specific) :].lower(): value for key, value in os.environ.items() if key.startswith(specific)
    }
    try:
        return Settings(service=service, **overrides)
    except ValidationError as exc:
        # A process must not start on settings it cannot trust; say why in one line per field.
        reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        raise SystemExit(f"govproj {service}: refusing to start: {reasons}") from None


def _env_name(env: object) -> str:
    """GOVPROJ_ENV as text, whether the field holds a string or an enum member."""
    return str(getattr(env, "value", env))
