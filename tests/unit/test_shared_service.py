"""The shared service pieces: auth, problem responses, idempotency, settings, deadlines and the sweeper."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, StrictInt

from shared import clock, idempotency
from shared.auth import CurrentPrincipal, Principal, Role, issue_token, require, verify_token
from shared.bus import Subscriptions
from shared.db import ServiceSchema
from shared.errors import Problem, Violation, install_problem_handlers, rule_violations, wrong_stage
from shared.policy import packs
from shared.service import ServiceRuntime, sweep_deadlines
from shared.settings import DEV_JWT_SECRET, Settings
from tests.support.concurrency import fire_concurrently

SECRET = "unit-test-secret-of-at-least-32-bytes!"


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.set_offset(timedelta(0))


def test_a_token_round_trips_roles_unit_and_clearance():
    token = issue_token(SECRET, "edu", [Role.UNIT], unit="达州市教育局", cleared=True)
    principal = verify_token(token, SECRET)
    assert principal.roles == {Role.UNIT} and principal.unit == "达州市教育局" and principal.cleared
    assert principal.can_see_unit("达州市教育局") and not principal.can_see_unit("另一个单位")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-4] + "abcd",  # bad signature
        lambda token: issue_token("another-secret-of-at-least-32-bytes!!", "x", [Role.UNIT]),
        lambda token: "not-a-jwt",
    ],
)
def test_invalid_tokens_are_401_problems(mangle):
    with pytest.raises(Problem) as caught:
        verify_token(mangle(issue_token(SECRET, "x", [Role.UNIT])), SECRET)
    assert caught.value.status == 401


def test_tokens_expire_on_the_injected_clock():
    token = issue_token(SECRET, "x", [Role.UNIT], ttl=timedelta(hours=1))
    verify_token(token, SECRET)
    clock.advance(timedelta(hours=2))
    with pytest.raises(Problem, match="expired"):
        verify_token(token, SECRET)


def test_prod_refuses_the_dev_secret_and_the_admin_clock():
    with pytest.raises(ValueError, match="JWT_SECRET"):
        Settings(env="prod", jwt_secret=DEV_JWT_SECRET)
    with pytest.raises(ValueError, match="CLOCK_CONTROL"):
        Settings(env="prod", jwt_secret="real", clock_control=True)


class Body(BaseModel):
    amount_fen: StrictInt


def app_with_routes() -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(jwt_secret=SECRET)
    install_problem_handlers(app)

    @app.post("/money")
    async def money(body: Body, principal=require(Role.FINANCE)) -> dict:
        return {"ok": body.amount_fen}

    @app.get("/refuse")
    async def refuse(principal: CurrentPrincipal) -> dict:
        decision = packs.get("dazhou").decide("scope.min_investment", {"total_investment_fen": 100})
        raise rule_violations([Violation.from_decision(decision)])

    @app.get("/stage")
    async def stage() -> dict:
        raise wrong_stage("P-1", "draft", "submitted", "admit")

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("secret internals")

    return app


def bearer(*roles: Role) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(SECRET, 'someone', roles)}"}


def test_problem_responses_follow_rfc_9457():
    client = TestClient(app_with_routes(), raise_server_exceptions=False)
    missing = client.post("/money", json={"amount_fen": 1})
    assert missing.status_code == 401 and missing.headers["content-type"] == "application/problem+json"
    assert client.post("/money", json={"amount_fen": 1}, headers=bearer(Role.UNIT)).status_code == 403
    as_float = client.post("/money", json={"amount_fen": 1.5}, headers=bearer(Role.FINANCE))
    assert as_float.status_code == 422 and as_float.json()["errors"][0]["field"] == "amount_fen"
    malformed = client.post(
        "/money", content=b"{", headers={**bearer(Role.FINANCE), "content-type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["type"].endswith("/malformed-json")
    refused = client.get("/refuse", headers=bearer(Role.UNIT)).json()
    assert refused["status"] == 422 and refused["type"].endswith("/rule-violation")
    assert refused["violations"][0]["citation"] == "dazhou:第二条"
    assert refused["violations"][0]["field"] == "total_investment_fen"
    assert refused["violations"][0]["pack_version"] == packs.get("dazhou").version
    stage = client.get("/stage").json()
    assert stage["status"] == 409 and stage["stage"] == "draft" and stage["expected"] == ["submitted"]
    boom = client.get("/boom")
    assert boom.status_code == 500 and "secret internals" not in boom.text
    assert client.get("/nowhere").json()["type"].endswith("/not-found")


schema = ServiceSchema("sharedtest")


@pytest.fixture
async def runtime(tmp_path):
    settings = Settings(service="intake", database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    runtime = ServiceRuntime(settings, schema, Subscriptions())
    async with runtime.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    yield runtime
    await runtime.engine.dispose()


async def test_idempotency_replays_the_first_answer_and_refuses_a_different_body(runtime):
    async with runtime.unit_of_work() as uow:
        assert await idempotency.replay(uow, "k1", "edu", {"a": 1}) is None
        assert await idempotency.claim(uow, "k1", "edu", {"a": 1}) is None
        await idempotency.settle(uow, "k1", "edu", idempotency.Answer(201, {"id": "X"}))
    async with runtime.unit_of_work() as uow:
        replayed = await idempotency.replay(uow, "k1", "edu", {"a": 1})
        assert (replayed.status_code, json.loads(replayed.body)) == (201, {"id": "X"})
        assert replayed.headers[idempotency.REPLAYED_HEADER] == "true"
        assert await idempotency.replay(uow, "k1", "someone-else", {"a": 1}) is None
        with pytest.raises(Problem) as caught:
            await idempotency.replay(uow, "k1", "edu", {"a": 2})
        assert caught.value.status == 422
        with pytest.raises(Problem) as caught:
            await idempotency.claim(uow, "k1", "edu", {"a": 2})
        assert caught.value.status == 422 and caught.value.extensions["field"] == "Idempotency-Key"


EDU = Principal(subject="edu", roles=frozenset({Role.UNIT}), unit="达州市教育局")


async def audit_rows(runtime, subject: str) -> int:
    async with runtime.engine.connect() as conn:
        return await conn.scalar(sa.select(sa.func.count()).where(schema.audit.c.subject == subject))


async def test_racing_twins_with_one_key_act_once_and_all_get_the_first_answer(runtime):
    async def action(uow):
        await uow.audit(subject="S-1", action="made", actor=EDU)
        # a read between the claim and the answer, where a twin that did not wait would slip in
        count = await uow.session.scalar(sa.select(sa.func.count()).select_from(schema.audit))
        return {"id": "S-1", "seen": count}

    answers = await fire_concurrently(
        10, lambda: idempotency.run_once(runtime, "twin-key", EDU, {"make": "S-1"}, action)
    )
    assert await audit_rows(runtime, "S-1") == 1
    assert {(a.status_code, a.body) for a in answers} == {(201, answers[0].body)}
    assert sorted(a.headers.get(idempotency.REPLAYED_HEADER, "") for a in answers) == [""] + ["true"] * 9


async def test_a_refused_command_releases_its_key_for_the_retry(runtime):
    attempts = []

    async def action(uow):
        attempts.append(1)
        await uow.audit(subject="S-2", action="made", actor=EDU)
        if len(attempts) == 1:
            raise rule_violations([])
        return {"id": "S-2"}

    with pytest.raises(Problem):
        await idempotency.run_once(runtime, "retry-key", EDU, {"make": "S-2"}, action)
    assert await audit_rows(runtime, "S-2") == 0
    again = await idempotency.run_once(runtime, "retry-key", EDU, {"make": "S-2"}, action)
    assert again.status_code == 201 and idempotency.REPLAYED_HEADER not in again.headers
    assert await audit_rows(runtime, "S-2") == 1


async def test_a_deadline_goes_overdue_on_the_injected_clock_and_is_emitted_once(runtime):
    pack = packs.get("dazhou")
    start = clock.today()
    decision = pack.decide("budget.technical_plan_due", {"consultation_ended_on": start})
    due = pack.due("budget.technical_plan_due", start)
    async with runtime.unit_of_work() as uow:
        await uow.open_deadline(subject="P-1", decision=decision, due_on=due, description="技术方案")
    assert await sweep_deadlines(runtime) == 0
    clock.advance(timedelta(days=(due - start).days + 1))
    assert await sweep_deadlines(runtime) == 1
    assert await sweep_deadlines(runtime) == 0  # marked once
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(schema.deadlines))).one()
        events = (await conn.execute(sa.select(schema.outbox.c.type, schema.outbox.c.payload))).all()
    assert row.status == "overdue" and row.citation == decision.citation
    assert [e.type for e in events] == ["intake.deadline.overdue.v1"]
    assert decision.citation in events[0].payload


async def test_decisions_are_recorded_with_rule_citation_and_pack_version(runtime):
    decision = packs.get("dazhou").authority("approval.authority", 5_000_000_00)
    async with runtime.unit_of_work() as uow:
        await uow.record_decision(decision, subject="P-2", action="route", actor="bureau")
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(sa.select(schema.decisions))).one()
    # the band that decided is cited as the item, its article beside it (issue 19 §3)
    assert (row.rule_id, row.citation, row.value) == ("approval.authority", "dazhou:第十条(三)", ["executive_meeting"])
    assert decision.article == "dazhou:第十条"
    assert row.pack_version == packs.get("dazhou").version and row.actor == "bureau"


def _driver_error(asyncpg_error: Exception, kind=None):
    import sqlalchemy.exc as sa_exc

    translated = Exception(str(asyncpg_error))
    translated.__cause__ = asyncpg_error
    return (kind or sa_exc.DBAPIError)("INSERT ...", {}, translated)


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (
            lambda: _driver_error(__import__("asyncpg").exceptions.DataError("value out of int64 range")),
            422,
            "unstorable-value",
        ),
        (
            lambda: _driver_error(__import__("asyncpg").exceptions.CharacterNotInRepertoireError("0x00")),
            422,
            "unstorable-value",
        ),
        (lambda: OverflowError("Python int too large to convert to SQLite INTEGER"), 422, "unstorable-value"),
        (
            lambda: _driver_error(
                type("UniqueViolation", (Exception,), {"sqlstate": "23505"})(),
                __import__("sqlalchemy").exc.IntegrityError,
            ),
            409,
            "conflict",
        ),
        # A lost connection used to be a 500 here; issue 15 makes it a 503 (tested below).
        (
            lambda: _driver_error(
                type("SyntaxError", (Exception,), {"sqlstate": "42601"})(),
                __import__("sqlalchemy").exc.ProgrammingError,
            ),
            500,
            "internal",
        ),
    ],
)
def test_database_refusals_of_bad_values_are_problems_not_500s(error, status, kind):
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/store")
    async def store() -> dict:
        raise error()

    response = TestClient(app, raise_server_exceptions=False).get("/store")
    assert response.status_code == status and response.json()["type"].endswith("/" + kind)


def test_an_unknown_jurisdiction_in_a_request_is_a_422_naming_the_field():
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/pack")
    async def pack() -> dict:
        packs.get("atlantis")
        return {}

    body = TestClient(app).get("/pack").json()
    assert body["status"] == 422 and body["field"] == "jurisdiction" and "dazhou" in body["known"]
