"""Issue 19 §2: quzhou's "3天" and dazhou 第三十七条's "在10内" say which kind of day they count, and why."""

from __future__ import annotations

from datetime import date

from shared.policy import packs


def test_dazhou_article_37_counts_ten_working_days_and_says_why() -> None:
    # submitted Friday 2026-09-25: the National Day week (10-01..10-08) is not counted, 10-10 is a make-up day
    decision = packs.get("dazhou").decide(
        "budget.technical_review_due", {"technical_plan_submitted_on": date(2026, 9, 25)}
    )
    assert decision.value["unit"] == "working_days" and "第三十八条" in decision.value["unit_why"]
    assert date.fromisoformat(decision.value["due"]) > date(2026, 10, 9)  # ten calendar days would end 10-05


def test_quzhou_three_days_are_calendar_days_and_say_why() -> None:
    decision = packs.get("quzhou").decide("review.design_approval_due", {"received_on": date(2026, 3, 2)})
    assert decision.value["unit"] == "calendar_days" and decision.value["due"] == "2026-03-05"
    assert "工作日" in decision.value["unit_why"] and "民法典" in decision.value["unit_why"]
