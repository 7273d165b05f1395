"""dazhou:第五十六条¶1: "在项目报批阶段,要对产品的安全可靠情况进行说明" — the application the bureau puts up for
approval carries the statement on its products' security and reliability; without it the application is not
admitted, with the rule and the article named. Other jurisdictions' texts do not ask for it."""

from __future__ import annotations

from shared.policy import packs

from .conftest import DAZHOU_MATERIALS

RULE = "intake.secure_products_statement"
STATEMENT = "secure_products_statement"


async def test_an_application_without_the_statement_is_refused_naming_the_article(intake):
    project = await intake.draft(materials=[m for m in DAZHOU_MATERIALS if m != STATEMENT])
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert (violation["rule_id"], violation["citation"], violation["field"]) == (RULE, "dazhou:第五十六条", "materials")
    assert "软硬件产品安全可靠情况说明" in violation["message_zh"]
    assert (await intake.get(f"/api/intake/applications/{project}")).json()["status"] == "draft"
    # filing the statement is enough: the same application then goes through
    attached = await intake.post(
        f"/api/intake/applications/{project}/materials", {"kind": STATEMENT, "name": "安全可靠情况说明.pdf"}
    )
    assert attached.status_code == 201, attached.text
    submitted = await intake.post(f"/api/intake/applications/{project}/submit")
    assert submitted.status_code == 200, submitted.text
    history = (await intake.get(f"/api/intake/projects/{project}/history")).json()
    assert any(d["rule_id"] == RULE and d["outcome"] == "pass" for d in history["decisions"])


def test_only_dazhou_asks_for_the_statement_at_approval() -> None:
    assert packs.get("dazhou").rule(RULE).quotes == [
        "项目应采用安全可靠软硬件产品。在项目报批阶段,要对产品的安全可靠情况进行说明。"
    ]
    assert not any(packs.get(other).has(RULE) for other in ("fengxian", "jiyuan", "quzhou", "suqian"))
