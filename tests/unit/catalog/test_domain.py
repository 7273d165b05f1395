"""Catalog decisions against the real packs: monitoring streaks, zombies, forced retirement, evaluation
windows, O&M and retirement requirements, stock-import rows."""

from __future__ import annotations

from datetime import date

import pytest

from services.catalog.domain import evaluations, monitoring, operations, stock
from services.catalog.domain.monitoring import Figure
from shared.policy import packs

TODAY = date(2026, 11, 24)


def pack(jurisdiction: str):
    return packs.get(jurisdiction, at=TODAY)


def figures(*usage: int, availability: int = 9900, last: str = "2026-10") -> list[Figure]:
    months = []
    month = last
    for _ in usage:
        months.append(month)
        month = monitoring.previous_month(month)
    return [Figure(m, u, availability) for m, u in zip(reversed(months), usage, strict=True)]


# --- months and streaks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "problem"),
    [
        ("2026-10", None),
        ("2026-11", "has not ended"),
        ("2026-12", "in the future"),
        ("2027-01", "in the future"),
        ("2026-13", "not YYYY-MM"),
        ("26-10", "not YYYY-MM"),
        ("2025-12", "before the system went live"),
    ],
)
def test_only_ended_months_after_going_live_are_taken(month, problem):
    found = monitoring.month_problem(month, TODAY, went_live_on=date(2026, 1, 15))
    assert (found is None) if problem is None else (problem in found)


def test_a_streak_counts_back_from_the_newest_month_and_a_gap_ends_it():
    assert monitoring.previous_month("2026-01") == "2025-12"
    zero = figures(5, 0, 0, 0)
    assert monitoring.streak(zero, lambda f: f.usage_count == 0) == 3
    gap = [Figure("2026-10", 0, 9900), Figure("2026-09", 0, 9900), Figure("2026-07", 0, 9900)]
    assert monitoring.streak(gap, lambda f: f.usage_count == 0) == 2
    assert monitoring.streak(figures(0, 0, 4), lambda f: f.usage_count == 0) == 0


# --- zombies (quzhou) -----------------------------------------------------------------------------


def test_three_months_of_zero_use_lists_a_zombie_in_quzhou_and_bars_the_unit_for_two_years():
    two = monitoring.assess(pack("quzhou"), figures(7, 0, 0), already_zombie=False, already_retired=False, today=TODAY)
    assert two.zombie is None
    three = monitoring.assess(
        pack("quzhou"), figures(0, 0, 0), already_zombie=False, already_retired=False, today=TODAY
    )
    assert three.zombie is not None
    assert three.zombie.citation == "quzhou:二(二)不予受理.9"
    assert three.zombie.value["bars"] == ["new_project_application"]
    assert three.zombie.value["until"] == "2028-11-24"
    again = monitoring.assess(pack("quzhou"), figures(0, 0, 0), already_zombie=True, already_retired=False, today=TODAY)
    assert again.zombie is None


def test_dazhou_has_no_zombie_or_monthly_rule_so_figures_decide_nothing():
    result = monitoring.assess(
        pack("dazhou"), figures(0, 0, 0, 0), already_zombie=False, already_retired=False, today=TODAY
    )
    assert result.decisions == [] and result.zombie is None and result.running_normally is None


# --- running normally and forced retirement (suqian) ----------------------------------------------


@pytest.mark.parametrize(
    ("usage", "availability", "normal"),
    [(1, 9000, True), (1, 8999, False), (0, 10000, False), (500, 10000, True)],
)
def test_suqian_reads_a_month_as_normal_with_some_use_and_90_percent_availability(usage, availability, normal):
    decision = pack("suqian").decide(
        "catalog.running_normally", {"usage_count": usage, "availability_bp": availability}
    )
    assert decision.passed is normal and decision.citation == "suqian:(二)"


def test_suqian_flags_an_abnormal_month_and_retires_after_three_in_a_row():
    flagged = monitoring.assess(
        pack("suqian"), figures(10, 10, 0), already_zombie=False, already_retired=False, today=TODAY
    )
    assert flagged.running_normally is False and flagged.retire is None
    retired = monitoring.assess(
        pack("suqian"), figures(10, 0, 0, 0), already_zombie=False, already_retired=False, today=TODAY
    )
    assert retired.retire is not None and retired.retire.rule_id == "catalog.forced_retirement"
    low = figures(10, 10, 10, availability=8000)
    assert monitoring.assess(pack("suqian"), low, already_zombie=False, already_retired=False, today=TODAY).retire
    # suqian has no zombie bar: its text retires systems, it does not bar units
    assert retired.zombie is None


# --- evaluations ----------------------------------------------------------------------------------


def test_self_evaluation_window_is_12_to_24_months_after_going_live():
    owed = evaluations.after_going_live(pack("dazhou"), date(2026, 3, 31), TODAY)
    assert [(o.kind, o.earliest_on, o.due_on) for o in owed] == [
        ("self_evaluation", date(2027, 3, 31), date(2028, 3, 31))
    ]
    decision = owed[0].decision
    assert decision.citation == "dazhou:第五十二条"
    early = evaluations.timeliness(
        pack("dazhou"), "self_evaluation", {"went_live_on": date(2026, 3, 31)}, date(2027, 3, 30)
    )
    assert evaluations.too_early(early)
    on_day = evaluations.timeliness(
        pack("dazhou"), "self_evaluation", {"went_live_on": date(2026, 3, 31)}, date(2027, 3, 31)
    )
    assert on_day.passed and not evaluations.too_early(on_day)
    late = evaluations.timeliness(
        pack("dazhou"), "self_evaluation", {"went_live_on": date(2026, 3, 31)}, date(2028, 4, 1)
    )
    assert not late.passed and not evaluations.too_early(late)


def test_quzhou_adds_an_evaluation_one_year_after_final_acceptance():
    owed = {o.kind: o for o in evaluations.after_going_live(pack("quzhou"), date(2026, 6, 1), TODAY)}
    assert set(owed) == {"self_evaluation", "operation_evaluation"}
    assert owed["operation_evaluation"].due_on == date(2027, 6, 1)
    assert owed["operation_evaluation"].decision.citation == "quzhou:三(四)"


def test_a_stock_system_live_for_years_owes_no_self_evaluation_now():
    assert evaluations.after_going_live(pack("dazhou"), date(2015, 1, 1), TODAY) == []


def test_construction_report_is_due_by_year_end():
    owed = evaluations.construction_report_due(pack("dazhou"), 2026)
    assert owed.due_on == date(2026, 12, 31) and owed.decision.citation == "dazhou:第五十一条"


def test_fengxian_bars_related_upgrades_after_a_failed_evaluation_dazhou_does_not():
    assert not evaluations.failure_bar(pack("fengxian"), False).passed
    assert evaluations.failure_bar(pack("fengxian"), True).passed
    assert evaluations.failure_bar(pack("dazhou"), False) is None


# --- O&M, funding, retirement, resources ----------------------------------------------------------


def test_fengxian_om_needs_all_four_plans_and_a_known_service_kind():
    missing = operations.failures(
        operations.om_plan_decisions(pack("fengxian"), ["quality_plan", "operation_plan", "security_plan"], "daily")
    )
    assert [d.citation for d in missing] == ["fengxian:第二十八条"]
    assert missing[0].value["missing"] == ["emergency_measures"]
    complete = ["quality_plan", "operation_plan", "security_plan", "emergency_measures"]
    assert operations.failures(operations.om_plan_decisions(pack("fengxian"), complete, "key")) == []
    wrong_kind = operations.failures(operations.om_plan_decisions(pack("fengxian"), complete, "weekly"))
    assert [d.citation for d in wrong_kind] == ["fengxian:第三十条"]
    assert operations.om_plan_decisions(pack("dazhou"), [], "weekly") == []


@pytest.mark.parametrize(
    ("crypto", "security", "allowed"),
    [
        ("passed", "passed", True),
        ("unknown", "unknown", True),
        ("failed", "passed", False),
        ("passed", "failed", False),
        ("passed", "hazard", False),
    ],
)
def test_no_om_money_for_failing_crypto_or_security(crypto, security, allowed):
    for jurisdiction in ("dazhou", "quzhou", "suqian"):
        decisions = operations.om_funding_decisions(pack(jurisdiction), crypto, security)
        assert (operations.failures(decisions) == []) is allowed
        # quzhou's and suqian's texts have no such bar: there it is a marked local setting (default from
        # dazhou:第五十七条), never shown under dazhou's article (issue 19 §1)
        expected = "dazhou:第五十七条" if jurisdiction == "dazhou" else f"{jurisdiction}:本地设置（非条文规定）"
        assert decisions[0].citation == expected
        assert decisions[0].basis == ("own_text" if jurisdiction == "dazhou" else "local_setting")


def test_fengxian_retirement_is_filed_with_finance_and_the_bureau():
    def failing(jurisdiction, **filed):
        facts = {"filed_with_finance": False, "filed_with_bureau": False, **filed}
        return [
            d.citation
            for d in operations.failures(
                operations.retirement_decisions(pack(jurisdiction), mergeable=False, replaceable=False, **facts)
            )
        ]

    assert failing("fengxian") == ["fengxian:第三十三条"]
    assert failing("fengxian", filed_with_finance=True) == ["fengxian:第三十三条"]
    assert failing("fengxian", filed_with_finance=True, filed_with_bureau=True) == []
    assert failing("dazhou") == []
    stop = operations.retirement_decisions(
        pack("dazhou"), filed_with_finance=False, filed_with_bureau=False, mergeable=True, replaceable=False
    )
    assert stop[0].value == "stop_operation" and stop[0].citation == "dazhou:第二十条"


def test_a_resource_not_shared_needs_a_legal_basis():
    refused = operations.failures(operations.resource_decisions(pack("dazhou"), "not_shared", False))
    assert [d.citation for d in refused] == ["dazhou:第二十三条"]
    assert operations.failures(operations.resource_decisions(pack("dazhou"), "not_shared", True)) == []
    assert operations.failures(operations.resource_decisions(pack("dazhou"), "conditional", False)) == []


# --- stock import rows ----------------------------------------------------------------------------


def csv_file(*rows: str) -> bytes:
    return ("external_ref,unit,jurisdiction,name,went_live_on,crypto_status\n" + "\n".join(rows)).encode()


def test_every_bad_row_is_reported_with_its_reasons_and_good_rows_are_kept():
    rows = stock.read_file(
        csv_file(
            "A1,宿迁市数据局,suqian,政务服务平台,2019-05-01,passed",
            "A2,宿迁市数据局,suqian,,2019-05-01,passed",  # no name
            "A3,宿迁市数据局,nowhere,X,2019-05-01,passed",  # no such pack
            "A4,宿迁市数据局,suqian,Y,2019-02-30,passed",  # no such date
            "A1,宿迁市数据局,suqian,twin,2019-05-01,passed",  # same system twice
            "A5,宿迁市数据局,suqian,Z,2027-01-01,maybe",  # future and bad status
        ),
        "text/csv",
        100,
    )
    checked = stock.check_rows(rows, set(packs.ids()), TODAY)
    assert [index for index, _ in checked.good] == [1]
    bad = {error.row: error for error in checked.bad}
    assert sorted(bad) == [2, 3, 4, 5, 6]
    assert bad[2].errors[0]["field"] == "name"
    assert bad[3].errors[0]["field"] == "jurisdiction"
    assert bad[4].errors[0]["field"] == "went_live_on"
    assert "row 1" in bad[5].errors[0]["message"]
    assert {e["field"] for e in bad[6].errors} == {"crypto_status"}


@pytest.mark.parametrize(
    ("content", "media_type", "message"),
    [
        (b"", "text/csv", "empty"),
        (b"\xff\xfe\x00", "text/csv", "UTF-8"),
        (b"name,unit\nx,y", "text/csv", "missing"),
        (b"external_ref,unit,jurisdiction,name,went_live_on,colour\n", "text/csv", "unknown: colour"),
        (b"external_ref,unit,jurisdiction,name,went_live_on\n", "text/csv", "no rows"),
        (b"[{", "application/json", "not valid JSON"),
        (b'{"rows": []}', "application/json", "list of systems"),
        (b"<xml/>", "application/xml", "send text/csv"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(content, media_type, message):
    with pytest.raises(stock.UnreadableFile, match=message):
        stock.read_file(content, media_type, 100)


def test_a_file_over_the_row_limit_is_refused_whole():
    rows = [f"R{n},U,dazhou,N,2020-01-01,passed" for n in range(11)]
    with pytest.raises(stock.UnreadableFile, match="at most 10"):
        stock.read_file(csv_file(*rows), "text/csv", 10)
