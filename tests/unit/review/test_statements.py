"""An approval's statements (issue 21, bench/statements.py): the steps it decides on are read once, and the
answer shows them as decided without reading them again."""

from __future__ import annotations

from tests.support.statements import counted, of
from tests.unit.review.conftest import WAN


async def test_an_approval_reads_its_steps_once_and_answers_with_them_decided(review):
    project = await review.admit("dazhou", 350 * WAN)
    base = f"/api/review/projects/{project}"
    case = (await review.post(f"{base}/scheme-review", {"passed": True})).json()
    roles = [s["role"] for s in case["steps"]]
    assert case["stage"] == "awaiting_approval" and len(roles) >= 2
    assert all(s["status"] == "pending" for s in case["steps"])

    with counted(review.runtime.engine) as statements:
        response = await review.post(f"{base}/approval", {"approve": True}, roles[0])
    assert response.status_code == 200, response.text
    answered = response.json()["steps"]
    assert [s["status"] for s in answered] == ["approved"] + ["pending"] * (len(roles) - 1)
    assert answered[0]["decided_by"] == roles[0]
    assert len(of(statements, "SELECT", "approval_steps")) == 1
    assert len(of(statements, "UPDATE", "approval_steps")) == 1
    assert of(statements, "SELECT", "joint_opinions") == []  # dazhou's path has no joint review: no opinions
    assert len(statements) <= 8, statements  # lock and case, steps, records; the writes at commit

    # out of turn is still refused, and the next leader's step then reads fresh steps in its own transaction
    wrong = await review.post(f"{base}/approval", {"approve": True}, roles[-1])
    assert wrong.status_code == 403
    for role in roles[1:]:
        response = await review.post(f"{base}/approval", {"approve": True}, role)
        assert response.status_code == 200, response.text
    final = (await review.get(base)).json()
    assert final["stage"] == "approved" and {s["status"] for s in final["steps"]} == {"approved"}
