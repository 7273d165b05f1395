"""Public data-operation services on Fengxian's pack: publication after approval, operators, tasks,
acceptance, third-party check, payment through budget exactly once, ratings at the next dispatch."""

from __future__ import annotations

import uuid

from shared import clock
from shared.auth import Role

BASE = "/api/catalog/data-operations"


def key() -> str:
    return uuid.uuid4().hex


async def published_service(hub, jurisdiction="fengxian") -> str:
    service = (await hub.post(f"{BASE}/services", {"jurisdiction": jurisdiction, "name": "数据治理"}, key=key())).json()
    early = await hub.post(f"{BASE}/services/{service['id']}/publish")
    if jurisdiction == "fengxian":
        assert early.status_code == 422
        assert early.json()["violations"][0]["citation"] == "fengxian:第三十六条"
    same = await hub.post(f"{BASE}/services/{service['id']}/approve")
    assert same.status_code == 403  # the drafter does not approve its own draft
    assert (await hub.post(f"{BASE}/services/{service['id']}/approve", subject="reviewer")).status_code == 200
    assert (await hub.post(f"{BASE}/services/{service['id']}/publish")).json()["status"] == "published"
    return service["id"]


async def registered_operator(hub) -> str:
    body = {
        "jurisdiction": "fengxian",
        "name": "奉贤数据运营公司",
        "recruitment_ref": "招募公告2026-1",
        "recruited_openly": True,
        "qualifications": ["DCMM3"],
        "qualifications_met": True,
    }
    response = await hub.post(f"{BASE}/operators", body, key=key())
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def dispatched(hub, service_id, operator_id, amount=50_000_00) -> dict:
    body = {
        "jurisdiction": "fengxian",
        "year": clock.today().year,
        "work_item": "年度公共数据归集任务",
        "service_id": service_id,
        "operator_id": operator_id,
        "title": "归集10个部门数据",
        "planned_amount_fen": amount,
    }
    response = await hub.post(f"{BASE}/tasks", body, key=key())
    assert response.status_code == 201, response.text
    return response.json()


async def test_operator_without_open_recruitment_is_refused(hub):
    body = {"jurisdiction": "fengxian", "name": "X", "qualifications_met": True}
    refused = await hub.post(f"{BASE}/operators", body, key=key())
    assert refused.status_code == 422
    assert {v["citation"] for v in refused.json()["violations"]} == {"fengxian:第三十六条"}


async def test_task_for_an_unregistered_operator_is_refused_with_citation(hub):
    service_id = await published_service(hub)
    body = {
        "jurisdiction": "fengxian",
        "year": 2026,
        "work_item": "年度任务",
        "service_id": service_id,
        "operator_id": "OP-unknown",
        "title": "t",
        "planned_amount_fen": 100,
    }
    refused = await hub.post(f"{BASE}/tasks", body, key=key())
    assert refused.status_code == 422
    violation = refused.json()["violations"][0]
    assert violation["rule_id"] == "catalog.data_operation.task_dispatch" and "operator_registered" in str(
        refused.json()
    )


async def test_indicator_needs_finance_review_of_its_target(hub):
    indicator = (
        await hub.post(
            f"{BASE}/indicators", {"jurisdiction": "fengxian", "year": 2026, "name": "数据归集率", "target": "≥95%"}
        )
    ).json()
    await hub.post(f"{BASE}/indicators/{indicator['id']}/approve", subject="reviewer")
    refused = await hub.post(f"{BASE}/indicators/{indicator['id']}/publish")
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "fengxian:第三十七条"
    assert (await hub.post(f"{BASE}/indicators/{indicator['id']}/target-review", role=Role.FINANCE)).status_code == 200
    assert (await hub.post(f"{BASE}/indicators/{indicator['id']}/publish")).json()["status"] == "published"


async def test_paid_once_only_after_acceptance_and_the_third_party_check(hub):
    service_id = await published_service(hub)
    operator_id = await registered_operator(hub)
    task = await dispatched(hub, service_id, operator_id)
    assert task["operator_ratings"] == {"count": 0, "mean": None, "last": None}
    pay = f"{BASE}/tasks/{task['id']}/payment"

    unaccepted = await hub.post(pay, {"amount_fen": 40_000_00}, key=key())
    assert unaccepted.status_code == 422
    assert unaccepted.json()["violations"][0]["citation"] == "fengxian:第三十六条"
    assert (await hub.post(pay, {"amount_fen": 40_000_00})).status_code == 400  # no Idempotency-Key

    # the operator reports progress; acceptance needs delivery and a quality check
    other = await hub.post(
        f"{BASE}/tasks/{task['id']}/progress", {"progress_pct": 50}, Role.DATA_OPERATOR, unit="OP-other"
    )
    assert other.status_code == 403
    progress = f"{BASE}/tasks/{task['id']}/progress"
    await hub.post(progress, {"progress_pct": 100}, Role.DATA_OPERATOR, unit=operator_id)
    early = await hub.post(f"{BASE}/tasks/{task['id']}/accept")
    assert early.status_code == 422 and "quality_checked" in early.text
    await hub.post(f"{BASE}/tasks/{task['id']}/quality-check", {"passed": True})
    assert (await hub.post(f"{BASE}/tasks/{task['id']}/accept")).json()["status"] == "accepted"

    unchecked = await hub.post(pay, {"amount_fen": 40_000_00}, key=key())
    assert unchecked.status_code == 422 and "third_party_confirmed" in unchecked.text
    check = {"reviewer": "某评审机构", "reference": "PS-1", "checked_on": clock.today().isoformat()}
    await hub.post(f"{BASE}/tasks/{task['id']}/third-party-check", {**check, "confirmed_amount_fen": 40_000_00})

    over = await hub.post(pay, {"amount_fen": 40_000_01}, key=key())  # budget: more than confirmed
    assert over.status_code == 422 and "fengxian:第三十五条" in over.text

    first_key = key()
    paid = await hub.post(pay, {"amount_fen": 40_000_00}, key=first_key)
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["paid_amount_fen"] == 40_000_00
    replay = await hub.post(pay, {"amount_fen": 40_000_00}, key=first_key)
    assert replay.status_code == 201 and replay.json()["payment_id"] == paid.json()["payment_id"]
    again = await hub.post(pay, {"amount_fen": 40_000_00}, key=key())
    assert again.status_code == 409
    budget_view = await hub.budget.get(f"/api/budget/data-operation-payments/{task['id']}", headers=hub.headers())
    assert budget_view.json()["amount_fen"] == 40_000_00

    # rated after acceptance; the next dispatch to the same operator shows it
    assert (await hub.post(f"{BASE}/tasks/{task['id']}/rating", {"score": 88})).status_code == 201
    assert (await hub.post(f"{BASE}/tasks/{task['id']}/rating", {"score": 90})).status_code == 409
    following = await dispatched(hub, service_id, operator_id)
    assert following["operator_ratings"] == {"count": 1, "mean": 88.0, "last": 88}


async def test_budget_down_is_a_503(hub, monkeypatch):
    import httpx

    from services.catalog.data_operations import budget

    def broken(request):
        raise httpx.ConnectError("refused")

    service_id = await published_service(hub)
    operator_id = await registered_operator(hub)
    task = await dispatched(hub, service_id, operator_id)
    await hub.post(f"{BASE}/tasks/{task['id']}/progress", {"progress_pct": 100})
    await hub.post(f"{BASE}/tasks/{task['id']}/quality-check", {"passed": True})
    await hub.post(f"{BASE}/tasks/{task['id']}/accept")
    check = {"reviewer": "r", "reference": "x", "checked_on": clock.today().isoformat(), "confirmed_amount_fen": 100}
    await hub.post(f"{BASE}/tasks/{task['id']}/third-party-check", check)
    monkeypatch.setattr(budget, "TRANSPORT", httpx.MockTransport(broken))
    down = await hub.post(f"{BASE}/tasks/{task['id']}/payment", {"amount_fen": 100}, key=key())
    assert down.status_code == 503 and down.json()["upstream"] == "budget"


async def test_dazhou_operator_needs_the_governments_authorisation(hub):
    refused = await hub.post(f"{BASE}/operators", {"jurisdiction": "dazhou", "name": "X公司"}, key=key())
    assert refused.status_code == 422 and refused.json()["violations"][0]["citation"] == "dazhou:第六十一条"
    body = {
        "jurisdiction": "dazhou",
        "name": "达州大数据公司",
        "government_authorised": True,
        "state_owned_company": True,
    }
    assert (await hub.post(f"{BASE}/operators", body, key=key())).status_code == 201
