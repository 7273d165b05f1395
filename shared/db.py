"""Each service's own database: its SQLModel base, the infrastructure tables every service has
(outbox, inbox, idempotency keys, decisions, deadlines, audit), the async engine and migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import registry
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

if TYPE_CHECKING:
    from alembic.config import Config

#: JSON that is JSONB on PostgreSQL and TEXT-backed JSON on SQLite.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(sa.types.TypeDecorator):
    """An aware timestamp on every database: stored in UTC, and read back aware even from SQLite
    (which keeps no offset), so times compare and serialise the same locally and in production."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTCDateTime(), nullable=nullable)


class ServiceSchema:
    """One service's metadata: its own SQLModel base plus the shared infrastructure tables.

    Services never share tables; giving each its own registry keeps their metadata apart even
    when several services are imported into one test process.
    """

    def __init__(self, service: str) -> None:
        self.service = service
        self.metadata = sa.MetaData()
        base_registry = registry(metadata=self.metadata)
        self.Base: type[SQLModel] = type(f"{service.title()}Model", (SQLModel,), {}, registry=base_registry)

        # Transactional outbox (Debezium's shape): written in the same transaction as the change.
        self.outbox = sa.Table(
            "outbox",
            self.metadata,
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("id", sa.String(36), nullable=False, unique=True),
            sa.Column("topic", sa.String(120), nullable=False),
            sa.Column("key", sa.String(120), nullable=False),
            sa.Column("type", sa.String(120), nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            _timestamp("created_at"),
            _timestamp("published_at", nullable=True),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_error", sa.Text, nullable=True),
            # Set when the broker refuses the row for good (too large, or refused outbox_max_attempts
            # times): the row is `failed`, the relay passes over it and an operator decides.
            _timestamp("failed_at", nullable=True),
            sa.Index("ix_outbox_unpublished", "published_at", "seq"),
            sa.Index("ix_outbox_failed", "failed_at"),
        )
        # Inbox: one row per consumed event id, so a redelivered event takes effect once.
        self.inbox = sa.Table(
            "inbox",
            self.metadata,
            sa.Column("event_id", sa.String(64), primary_key=True),
            sa.Column("type", sa.String(120), nullable=False),
            sa.Column("source", sa.String(120), nullable=False),
            _timestamp("event_time"),
            _timestamp("handled_at"),
        )
        # Events that failed N times, kept beside the dead-letter topic for operators.
        self.dead_letters = sa.Table(
            "dead_letters",
            self.metadata,
            sa.Column("event_id", sa.String(64), primary_key=True),
            sa.Column("type", sa.String(120), nullable=False),
            sa.Column("payload", sa.Text, nullable=False),
            sa.Column("error", sa.Text, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            _timestamp("failed_at"),
        )
        # Idempotency-Key on creating POSTs: the first answer is replayed for a retried request.
        self.idempotency_keys = sa.Table(
            "idempotency_keys",
            self.metadata,
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("principal", sa.String(120), primary_key=True),
            sa.Column("request_hash", sa.String(64), nullable=False),
            sa.Column("status_code", sa.Integer, nullable=False),
            sa.Column("response", sa.Text, nullable=False),
            _timestamp("created_at"),
        )
        # Every decision by a rule: why a project was refused, routed or given a deadline.
        self.decisions = sa.Table(
            "decisions",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("subject", sa.String(64), nullable=False, index=True),
            sa.Column("action", sa.String(80), nullable=False),
            sa.Column("rule_id", sa.String(120), nullable=False, index=True),
            sa.Column("citation", sa.String(120), nullable=False),
            sa.Column("pack", sa.String(40), nullable=False),
            sa.Column("pack_version", sa.String(40), nullable=False),
            sa.Column("outcome", sa.String(20), nullable=False),
            sa.Column("value", JSONType, nullable=True),
            sa.Column("message_zh", sa.Text, nullable=False, server_default=""),
            sa.Column("message_en", sa.Text, nullable=False, server_default=""),
            sa.Column("facts", JSONType, nullable=True),
            sa.Column("actor", sa.String(120), nullable=False),
            _timestamp("decided_at"),
        )
        # Deadlines from the pack (due date + citation); a sweeper marks overdue ones.
        self.deadlines = sa.Table(
            "deadlines",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("subject", sa.String(64), nullable=False, index=True),
            sa.Column("rule_id", sa.String(120), nullable=False),
            sa.Column("citation", sa.String(120), nullable=False),
            sa.Column("pack", sa.String(40), nullable=False),
            sa.Column("pack_version", sa.String(40), nullable=False),
            sa.Column("description", sa.Text, nullable=False, server_default=""),
            sa.Column("due_on", sa.Date, nullable=False, index=True),
            sa.Column("status", sa.String(20), nullable=False, server_default="open"),  # open|met|overdue|cancelled
            _timestamp("created_at"),
            _timestamp("closed_at", nullable=True),
            sa.UniqueConstraint("subject", "rule_id", name="uq_deadline_subject_rule"),
        )
        # Audit trail: who did what to which record, and when.
        self.audit = sa.Table(
            "audit_log",
            self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("subject", sa.String(64), nullable=False, index=True),
            sa.Column("action", sa.String(80), nullable=False),
            sa.Column("actor", sa.String(120), nullable=False),
            sa.Column("roles", sa.String(400), nullable=False, server_default=""),
            sa.Column("detail", JSONType, nullable=True),
            _timestamp("at"),
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, *, null_pool: bool = False, pool_size: int = 10) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if null_pool:
        return create_async_engine(url, poolclass=NullPool)
    # No pre-ping (it costs a round trip per transaction); connections are recycled instead, and a
    # connection that died is discarded on its first error (the caller's unit of work fails and retries).
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def make_read_engine(write_engine: AsyncEngine, *, pool_size: int = 5, statement_timeout_ms: int = 5000) -> AsyncEngine:
    """The pool GET handlers read on, apart from the write pool: a slow report or a burst of list pages
    cannot take the connections a state change needs. On PostgreSQL every statement on it is cut off
    after `statement_timeout_ms` (a read the gateway abandoned stops with it instead of holding a core),
    and nothing runs in a transaction (AUTOCOMMIT: each statement sees committed data, no BEGIN/COMMIT
    round trips). SQLite has one file and no pool to split: the write engine's settings apply."""
    url = write_engine.url.render_as_string(hide_password=False)
    if write_engine.dialect.name != "postgresql":
        return write_engine.execution_options(isolation_level="AUTOCOMMIT")
    connect_args: dict[str, Any] = {}
    if write_engine.dialect.driver == "asyncpg":
        connect_args["server_settings"] = {"statement_timeout": str(statement_timeout_ms)}
    # At most 2 × pool_size connections as before, but all kept open: an overflow connection was closed
    # as soon as it came back, so a burst of more than pool_size concurrent reads opened and closed a
    # PostgreSQL connection (a backend, TLS negotiation, asyncpg's set-up queries, its prepared
    # statements lost) every few requests (docs/benchmarks.md, "perf-reads").
    engine = create_async_engine(
        url,
        pool_size=2 * pool_size,
        max_overflow=0,
        pool_recycle=1800,
        connect_args=connect_args,
        isolation_level="AUTOCOMMIT",
    )
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# --- migrations -------------------------------------------------------------------------------


def alembic_config(service: str, url: str) -> Config:
    from alembic.config import Config

    from shared.settings import REPO_ROOT

    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "services" / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["service"] = service
    return config


#: Key of the transaction-level advisory lock that serialises start-up migrations on PostgreSQL.
MIGRATION_LOCK_KEY = 0x6770_6D69  # "gpmi"


async def upgrade_to_head(engine: AsyncEngine, service: str) -> None:
    """Run the service's alembic migrations on start-up (the 'prestart' step). On PostgreSQL an
    advisory lock lets several processes of one service (API and worker, replicas) start at once:
    the first migrates, the others wait and find the schema at head."""
    from alembic import command

    config = alembic_config(service, str(engine.url.render_as_string(hide_password=False)))

    def _run(connection: sa.Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
        await conn.run_sync(_run)


# --- outbox notifications (PostgreSQL) --------------------------------------------------------

#: The channel an outbox insert notifies, so that a relay in another process (the service's worker)
#: wakes at the commit instead of at its next poll. NOTIFY is delivered on commit only.
OUTBOX_CHANNEL = "govproj_outbox"


def create_outbox_notify_trigger(op: Any) -> None:
    """For a migration: a statement-level trigger on `outbox` that notifies OUTBOX_CHANNEL. Server
    side, so it costs the writer no round trip. Nothing on SQLite (one process owns the file)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION govproj_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{OUTBOX_CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION govproj_outbox_notify()"
    )


def drop_outbox_notify_trigger(op: Any) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS govproj_outbox_notify()")


def run_migrations_in_env(target_metadata: sa.MetaData) -> None:
    """Body of every service's `migrations/env.py`: online migrations on the given connection,
    or on a fresh async engine when alembic runs from the command line."""
    import asyncio

    from alembic import context

    config = context.config
    render_as_batch = True  # SQLite needs batch mode for ALTER; harmless on PostgreSQL

    def _do(connection: sa.Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=render_as_batch,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    connection = config.attributes.get("connection")
    if connection is not None:
        _do(connection)
        return

    async def _online() -> None:
        url = config.get_main_option("sqlalchemy.url")
        if url is None:
            raise RuntimeError("the Alembic config names no sqlalchemy.url")
        engine = make_engine(url, null_pool=True)
        async with engine.begin() as conn:
            await conn.run_sync(_do)
        await engine.dispose()

    asyncio.run(_online())


def add_outbox_failed_state(op: Any) -> None:
    """For a migration: the outbox's terminal `failed` state (see ServiceSchema.outbox)."""
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("failed_at", UTCDateTime(), nullable=True))
        batch_op.create_index("ix_outbox_failed", ["failed_at"], unique=False)


def drop_outbox_failed_state(op: Any) -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_failed")
        batch_op.drop_column("failed_at")


# --- database unavailable -----------------------------------------------------------------------

#: SQLSTATEs that mean the server is going away or cannot take a connection, not that a statement
#: was wrong: class 08 (connection exception), admin/crash shutdown, starting up, too many clients.
#: 57014 (query_canceled) is a read cut off by the read pool's statement_timeout: the server is too busy
#: to answer in time, so the caller is told to come back (503 + Retry-After), not that it erred.
_UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03", "53300", "57014")


def is_database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached (down, restarting, connection lost, pool exhausted), as
    opposed to refusing a statement: the caller should wait and retry, and the answer is a 503."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sa.exc.TimeoutError | sa.exc.DisconnectionError | ConnectionError | TimeoutError):
            return True
        sqlstate = str(getattr(current, "sqlstate", "") or "")
        if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
            return True
        if type(current).__name__ == "ConnectionDoesNotExistError":  # asyncpg: the server closed it
            return True
        if isinstance(current, sa.exc.InterfaceError) and "connection is closed" in str(current):
            return True  # asyncpg: a pooled connection the server dropped while it sat idle
        if type(current).__name__ == "OperationalError" and "database is locked" in str(current):
            return True  # SQLite: another writer holds the file past busy_timeout
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


# --- read-side indexes (migrations) -------------------------------------------------------------


def create_trigram_index(op: Any, name: str, table: str, column: str) -> None:
    """For a migration: a name-search index. On PostgreSQL a pg_trgm GIN index, which serves
    `ILIKE '%…%'` of three characters or more (CJK too, the database's ctype being C.UTF-8); elsewhere
    a plain index on the column, so the schema is the same on both and the models compare equal."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
        if available:
            savepoint = bind.begin_nested()
            try:
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            except sa.exc.DBAPIError:  # no privilege to create it: a plain index, and search scans
                savepoint.rollback()
            else:
                savepoint.commit()
                op.create_index(
                    name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
                )
                return
    op.create_index(name, table, [column])
