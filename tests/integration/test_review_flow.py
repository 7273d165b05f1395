"""Review on the real platform: an approval reaches budget through Kafka; Quzhou's parallel joint
review runs end to end; an expert draw is made over HTTP the way acceptance calls it."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaProducer

from shared import clock
from shared.bus.outbox import CLOUDEVENTS_CONTENT_TYPE
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from shared.settings import topic_for
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000


async def reached(api: Api, username: str, path: str) -> dict:
    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=30, message=f"GET {path}")


async def admitted(kafka_bootstrap: str, jurisdiction: str, unit: str, amount_fen: int) -> str:
    """Publish intake's admission event onto Kafka, as intake does: review's input is the event, so this
    test does not depend on intake's material checks."""
    project = f"P-review-{uuid.uuid4().hex[:10]}"
    payload = ApplicationAdmitted(
        project_id=project,
        admitted_by="bureau",
        project=ProjectSummary(
            unit=unit,
            jurisdiction=jurisdiction,
            title=f"{jurisdiction} 评审联调",
            total_investment_fen=amount_fen,
            plan_year=clock.today().year + 1,
        ),
    )
    event = payload.envelope()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            topic_for("govproj", "intake"),
            value=event.to_json().encode(),
            key=project.encode(),
            headers=[("content-type", CLOUDEVENTS_CONTENT_TYPE.encode()), ("ce_type", event.type.encode())],
        )
    finally:
        await producer.stop()
    return project


async def expert_user(api: Api) -> str:
    """The seeded sign-in `expert` linked to one expert of the pool (a sign-in links to one expert only; whoever
    registers it first — here or the browser's experts journey — gives it the software field the draws use)."""
    pool = ok(await api.get("bureau", "/api/review/experts", params={"limit": 200}))["items"]
    mine = next((e for e in pool if e["user_subject"] == "expert"), None)
    if mine is not None:
        return mine["id"]
    body = {"name": "评审专家 张工", "employer": "四川某大学", "fields": ["software"], "user_subject": "expert"}
    return ok(await api.post("bureau", "/api/review/experts", body), 201)["id"]


async def test_approval_reaches_budget_through_kafka(api: Api, kafka_bootstrap: str):
    project = await admitted(kafka_bootstrap, "dazhou", "达州市教育局", 150 * WAN)
    case = await reached(api, "bureau", f"/api/review/projects/{project}")
    assert case["path"] == "expert_review" and case["step"] == "scheme_review"

    # experts drawn over HTTP, as acceptance will call it; the applicant's own staff are never drawn
    linked = await expert_user(api)
    field = f"field-{project}"  # a field only this test's experts have, so the population is known
    expert_ids = []
    for i in range(4):
        body = {"name": f"专家{i}", "employer": f"四川某大学{i}", "fields": [field]}
        expert_ids.append(ok(await api.post("bureau", "/api/review/experts", body), 201)["id"])
    own = ok(
        await api.post(
            "bureau", "/api/review/experts", {"name": "本单位", "employer": "达州市教育局", "fields": [field]}
        ),
        201,
    )["id"]
    draw = ok(
        await api.post(
            "bureau",
            "/api/review/expert-draws",
            {
                "project_id": project,
                "unit": "达州市教育局",
                "vendors": [],
                "fields": [field],
                "count": 4,
                "purpose": "scheme_review",
            },
            headers={"Idempotency-Key": f"draw-{project}"},
        ),
        201,
    )
    drawn = [e["id"] for e in draw["experts"]]
    assert own not in drawn and sorted(drawn) == sorted(expert_ids) and draw["seed"] >= 0
    replay = ok(await api.get("bureau", f"/api/review/expert-draws/{draw['draw_id']}/replay"))
    assert replay["matches"]
    assert sorted(draw["candidates"]) == sorted(expert_ids) and own in [x["expert_id"] for x in draw["excluded"]]
    # an expert sees only the projects they are drawn for; others are not found (shared/scope.py)
    assert linked not in drawn and (await api.get("expert", f"/api/review/projects/{project}")).status_code == 404
    assert (await api.get("expert", f"/api/review/projects/{project}/history")).status_code == 404
    assert (await api.get("health", f"/api/review/projects/{project}/history")).status_code == 404

    ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    for user in ("vm_unit", "vm_digital", "vm_finance"):
        case = ok(await api.post(user, f"/api/review/projects/{project}/approval", {"approve": True}))
    assert case["stage"] == "approved"

    budget = await reached(api, "finance", f"/api/budget/projects/{project}")
    assert budget["approval_letter_no"] == case["approval_letter_no"]
    plan = ok(await api.get("bureau", f"/api/review/plans/{clock.today().year + 1}", params={"jurisdiction": "dazhou"}))
    assert project in [e["project_id"] for e in plan["items"]]


async def test_quzhou_parallel_joint_review_end_to_end(api: Api, kafka_bootstrap: str):
    project = await admitted(kafka_bootstrap, "quzhou", "达州市卫生健康委员会", 600 * WAN)
    case = await reached(api, "bureau", f"/api/review/projects/{project}")
    assert case["path"] == "parallel_joint_review" and case["step"] == "joint_review"
    base = f"/api/review/projects/{project}"
    linked = await expert_user(api)
    draw = ok(
        await api.post(
            "bureau", "/api/review/expert-draws", {"project_id": project, "fields": ["software"], "count": 1}
        ),
        201,
    )
    assert [e["id"] for e in draw["experts"]] == [linked]
    assert ok(await api.get("expert", f"/api/review/projects/{project}"))["step"] == "joint_review"
    for user in ("drc", "finance", "cyberspace", "health", "bureau", "expert"):
        ok(await api.post(user, f"{base}/joint-review/opinions", {"agrees": True}))
    case = ok(
        await api.post(
            "office",
            f"{base}/joint-review",
            {
                "fixed_estimate_fen": 580 * WAN,
                "consulting_opinion_no": "衢数决〔2026〕7号",
                "leading_group_decided": True,
            },
        )
    )
    assert [s["role"] for s in case["steps"]] == ["drc"]
    history = ok(await api.get("bureau", f"{base}/history"))
    assert history["deadlines"][0]["citation"] == "quzhou:三(二)2"
    case = ok(await api.post("drc", f"{base}/approval", {"approve": True}))
    assert case["stage"] == "approved"
    budget = await reached(api, "finance", f"/api/budget/projects/{project}")
    assert budget["approval_letter_no"] == case["approval_letter_no"]
