"""One evaluator per rule kind (threshold, deadline, list, authority, requirement, sanction, route) and
`run`, which applies a rule to the facts given."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from shared import calendar as work_calendar
from shared.policy import params as s
from shared.policy.amounts import Band, Semantics, format_fen
from shared.policy.errors import MissingFacts
from shared.policy.evaluate.conditions import Undecided, _settle, all_of, any_of, compare
from shared.policy.evaluate.facts import _ABSENT, Facts, Result, _join_citations, as_date
from shared.policy.model import Rule

# --- kinds -----------------------------------------------------------------------------------------


def threshold(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.ThresholdParams = rule.params
    if p.semantics is not None:
        value = {"以上": semantics.symbol("以上"), "以下": semantics.symbol("以下")}
        return Result(
            "info",
            value,
            f"以上{value['以上']}本数，以下{value['以下']}本数",
            f"以上 (at least) means {value['以上']}, 以下 (below) means {value['以下']}",
            None,
        )
    checks = [compare(c, facts, semantics) for c in p.checks]
    holds = _settle(all_of([c[0] for c in checks]) if p.mode == "all" else any_of([c[0] for c in checks]))
    failing = [c for (ok, _, _), c in zip(checks, p.checks, strict=True) if ok is False]
    shown = [(zh, en) for ok, zh, en in checks if ok is (True if holds else False)]
    return Result(
        "pass" if holds else "fail",
        {"checks": [{"holds": ok, "zh": zh, "en": en} for ok, zh, en in checks]},
        "；".join(zh for zh, _ in shown),
        "; ".join(en for _, en in shown),
        None if holds else failing[0].facts[0],
    )


def add_period(start: date, amount: int, unit: str) -> date:
    """Chinese civil-law counting (民法典 第二百零一、二百零二条): the start day is not counted; a month or
    year period ends on the corresponding day, or the month's last day when there is none."""
    if unit == "calendar_days":
        return start + timedelta(days=amount)
    if unit == "working_days":
        return work_calendar.add_working_days(start, amount)
    if unit == "months":
        return start + relativedelta(months=amount)
    if unit == "years":
        return start + relativedelta(years=amount)
    raise ValueError(f"unknown unit {unit}")


UNIT_ZH = {"calendar_days": "日", "working_days": "个工作日", "months": "个月", "years": "年"}
UNIT_EN = {"calendar_days": "calendar days", "working_days": "working days", "months": "months", "years": "years"}


def _annual_window(p: s.DeadlineParams, year: int) -> tuple[date | None, date]:
    assert p.annual is not None
    last = month_calendar.monthrange(year, p.annual.month)[1]
    if p.annual.day is None:
        return date(year, p.annual.month, 1), date(year, p.annual.month, last)
    day = last if p.annual.day == "end" else min(p.annual.day, last)
    return None, date(year, p.annual.month, day)


def period_window(p: s.DeadlineParams, start: date) -> tuple[date | None, date | None]:
    """(earliest, due) for a period deadline counted from `start`."""
    earliest = add_period(start, p.not_before, p.unit) if p.not_before is not None and p.unit else None
    due = add_period(start, p.within, p.unit) if p.within is not None and p.unit else None
    if due is not None and p.roll_to_working_day:
        due = work_calendar.next_working_day(due)
    return earliest, due


def deadline(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.DeadlineParams = rule.params
    earliest: date | None
    due: date | None
    if p.annual is not None:
        if p.year_from:
            raw = facts.get(p.year_from)
            if raw is _ABSENT:
                raise Undecided
            if isinstance(raw, int) and not isinstance(raw, bool):
                year = raw
            else:
                try:
                    year = as_date(raw).year
                except ValueError as exc:
                    raise facts.invalid(p.year_from, f"expected a year or a date: {exc}") from None
        else:
            reference = facts.day(p.event, optional=True) if p.event else _ABSENT
            if reference is _ABSENT:
                reference = facts.day("as_of", optional=True)
            if reference is _ABSENT:
                facts.missing.append(p.event or "as_of")
                raise Undecided
            year = reference.year
        if not 1900 <= year + p.year_offset <= 9998:
            raise facts.invalid(p.year_from or p.event or "as_of", f"year {year} is out of range")
        earliest, due = _annual_window(p, year + p.year_offset)
        start: date | None = None
    else:
        assert p.counts_from is not None, "the schema requires `counts_from` for a period deadline"
        counted = facts.day(p.counts_from)
        if counted is _ABSENT:
            raise Undecided
        start = counted
        try:
            earliest, due = period_window(p, start)
        except (OverflowError, ValueError):
            raise facts.invalid(p.counts_from or "", "the date is out of range") from None
    value: dict[str, Any] = {
        "start": start.isoformat() if isinstance(start, date) else None,
        "earliest": earliest.isoformat() if earliest else None,
        "due": due.isoformat() if due else None,
        "unit": p.unit,
    }
    if p.unit_why:
        value["unit_why"] = p.unit_why
    if p.unit == "working_days" and start is not None and due is not None:
        # a count through a year the State Council has not published yet is Monday–Friday and only provisional:
        # the service recomputes it once the year's schedule is loaded (shared/data/official_calendar.json)
        value["provisional"] = work_calendar.provisional(start, due)
        value["official_calendar"] = not value["provisional"]
    window_zh = "".join(
        [f"不早于{earliest.isoformat()}" if earliest else "", f"，不晚于{due.isoformat()}" if due else ""]
    ).lstrip("，")
    window_en = " and ".join(
        part
        for part in (f"not before {earliest.isoformat()}" if earliest else "", f"by {due.isoformat()}" if due else "")
        if part
    )
    happened = facts.day(p.event, optional=True) if p.event else _ABSENT
    if happened is not _ABSENT:
        ok = (earliest is None or happened >= earliest) and (due is None or happened <= due)
        value["happened"] = happened.isoformat()
        return Result(
            "pass" if ok else "fail",
            value,
            f"{p.event}={happened}，应{window_zh}",
            f"{p.event}={happened}, must be {window_en}",
            p.event,
        )
    as_of = facts.day("as_of", optional=True)
    if as_of is not _ABSENT and due is not None and as_of > due:
        value["overdue_since"] = (due + timedelta(days=1)).isoformat()
        return Result("fail", value, f"已逾期：应{window_zh}", f"overdue: due {due.isoformat()}", p.event)
    return Result("info", value, f"应{window_zh}", f"must be {window_en}", p.event or p.counts_from)


def list_rule(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.ListParams = rule.params
    tags = facts.tags(p.fact)
    if tags is _ABSENT:
        raise Undecided
    by_tag = {tag: item for item in p.items for tag in item.tags()}
    if p.mode == "allowed":
        outside = [tag for tag in tags if tag not in by_tag]
        hits: list[dict[str, Any]] = [{"tag": tag, "item": None} for tag in outside]
        if outside:
            return Result(
                "fail",
                hits,
                f"不在允许范围内：{'、'.join(outside)}",
                f"outside the allowed items: {', '.join(outside)}",
                p.fact,
            )
        return Result("pass", [], "均在允许范围内", "all within the allowed items", p.fact)
    hits = []
    for tag in tags:
        item = by_tag.get(tag)
        if item is not None:
            hits.append(
                {
                    "tag": tag,
                    "item": item.id,
                    "zh": item.zh,
                    "en": item.en,
                    "citation": item.citation or rule.citation,
                    "quote": item.quote,
                }
            )
    item_citation = _join_citations([h["citation"] for h in hits])
    item_quote = " … ".join(dict.fromkeys(h["quote"] for h in hits if h["quote"])) or None
    if p.mode == "flag":
        zh = "；".join(h["zh"] for h in hits) or "无"
        en = "; ".join(h["en"] for h in hits) or "none"
        return Result("info", hits, f"命中：{zh}", f"matches: {en}", p.fact, item_citation, item_quote)
    if hits:
        return Result(
            "fail",
            hits,
            "；".join(f"{h['zh']}（{h['citation']}）" for h in hits),
            "; ".join(f"{h['en']} ({h['citation']})" for h in hits),
            p.fact,
            item_citation,
            item_quote,
        )
    return Result("pass", [], "未命中禁止情形", "no forbidden item", p.fact)


def authority(rule: Rule, facts: Facts, semantics: Semantics, *, collective: bool | None = None) -> Result:
    p: s.AuthorityParams = rule.params
    amount = facts.fen(p.amount_fact)
    if p.collective is not None:
        if collective is None:
            collective = bool(facts.boolean(p.collective.when, optional=True))
        elif collective:
            facts.used[p.collective.when] = True
        if collective:
            return Result(
                "info",
                list(p.collective.steps),
                "集体审议：" + " → ".join(p.collective.steps),
                "collective review: " + " → ".join(p.collective.steps),
                p.collective.when,
                p.collective.citation,
                p.collective.quote,
            )
    if amount is _ABSENT:
        raise Undecided
    for band_def in p.bands:
        band = Band(band_def.lower, band_def.upper)
        if band.contains(amount, semantics):
            return Result(
                "info",
                list(band_def.steps),
                f"{p.amount_fact}={format_fen(amount)}（{band.describe(semantics)}）：" + " → ".join(band_def.steps),
                f"{p.amount_fact}={format_fen(amount)}: " + " → ".join(band_def.steps),
                p.amount_fact,
                band_def.citation,
                band_def.quote,
            )
    raise AssertionError("bands are checked at load to cover every amount")


def requirement(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.RequirementParams = rule.params
    needed = list(p.required)
    states = []
    for case in p.cases:
        holds, _, _ = compare(case.when, facts, semantics)
        states.append(holds)
        if holds:
            needed.extend(item for item in case.require if item not in needed)
    if any(state is None for state in states):
        # still read the supplied list so every missing fact is reported at once
        if p.supplied_fact:
            facts.tags(p.supplied_fact)
        raise Undecided
    if p.supplied_fact:
        supplied = facts.tags(p.supplied_fact)
        if supplied is _ABSENT:
            raise Undecided
        lacking = [item for item in needed if item not in supplied]
    else:
        values = {item: facts.boolean(item) for item in needed}
        if any(v is _ABSENT for v in values.values()):
            raise Undecided
        lacking = [item for item, v in values.items() if not v]
    label = {k: v for k, v in p.labels.items()}
    zh = "、".join(label[i].zh if i in label else i for i in lacking)
    en = ", ".join(label[i].en if i in label else i for i in lacking)
    if lacking:
        return Result(
            "fail",
            {"missing": lacking, "required": needed},
            f"缺少：{zh}",
            f"missing: {en}",
            p.supplied_fact or lacking[0],
        )
    return Result(
        "pass", {"missing": [], "required": needed}, "要件齐全", "all required items present", p.supplied_fact
    )


def sanction(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.SanctionParams = rule.params
    checks = [compare(c, facts, semantics) for c in p.when]
    combine = all_of if p.mode == "all" else any_of
    triggered = _settle(combine([c[0] for c in checks]))
    zh = "；".join(c[1] for c in checks)
    en = "; ".join(c[2] for c in checks)
    if not triggered:
        return Result("pass", {"bars": [], "triggered": False}, f"未触发：{zh}", f"not triggered: {en}", None)
    value: dict[str, Any] = {"bars": list(p.bars), "triggered": True, "until": None}
    if p.duration and p.since_fact:
        since = facts.day(p.since_fact)
        if since is not _ABSENT:
            try:
                value["until"] = add_period(since, p.duration.value, p.duration.unit).isoformat()
            except (OverflowError, ValueError):
                raise facts.invalid(p.since_fact, "the date is out of range") from None
    if p.duration:
        value["duration"] = {"value": p.duration.value, "unit": p.duration.unit}
    if p.ladder:
        current = facts.get(p.ladder_fact, optional=True) if p.ladder_fact else _ABSENT
        if current is _ABSENT:
            value["next_step"] = p.ladder[0]
        else:
            if current not in p.ladder:
                raise facts.invalid(p.ladder_fact or "", f"expected one of {p.ladder}")
            index = p.ladder.index(current)
            value["next_step"] = p.ladder[min(index + 1, len(p.ladder) - 1)]
        value["ladder"] = list(p.ladder)
    bars_zh = "、".join(p.bars) if p.bars else value.get("next_step", "")
    return Result(
        "fail", value, f"{zh} → {bars_zh}", f"{en} → {', '.join(p.bars) or value.get('next_step')}", p.when[0].facts[0]
    )


def _target(target: Any) -> Any:
    if isinstance(target, s.PathTarget):
        return {"path": target.path, "steps": list(target.steps)}
    return target


def route(rule: Rule, facts: Facts, semantics: Semantics) -> Result:
    p: s.RouteParams = rule.params
    for case in p.cases:
        results_all = [compare(c, facts, semantics) for c in case.when]
        results_any = [compare(c, facts, semantics) for c in case.when_any]
        holds = all_of(
            [all_of([r[0] for r in results_all])] + ([any_of([r[0] for r in results_any])] if results_any else [])
        )
        if holds is None:
            raise Undecided
        if holds:
            parts = [r for r in results_all + results_any if r[0]]
            target = _target(case.target)
            name = target["path"] if isinstance(target, dict) else target
            return Result(
                "info",
                target,
                f"{'；'.join(r[1] for r in parts)} → {name}",
                f"{'; '.join(r[2] for r in parts)} → {name}",
                (case.when + case.when_any)[0].facts[0],
                case.citation,
                case.quote,
            )
    if p.default is None:
        return Result("info", None, "无适用情形", "no case applies", None)
    target = _target(p.default)
    name = target["path"] if isinstance(target, dict) else target
    return Result("info", target, f"→ {name}", f"→ {name}", None, p.default_citation, p.default_quote)


EVALUATORS: dict[str, Callable[[Rule, Facts, Semantics], Result]] = {
    "threshold": threshold,
    "deadline": deadline,
    "list": list_rule,
    "authority_table": authority,
    "requirement": requirement,
    "sanction": sanction,
    "route": route,
}


def run(rule: Rule, given: Mapping[str, Any], semantics: Semantics, **options: Any) -> tuple[Result, Facts]:
    facts = Facts(rule, given)
    evaluator = EVALUATORS[rule.kind]
    if rule.applies_when:
        conditions = [compare(c, facts, semantics) for c in rule.applies_when]
        applies = all_of([c[0] for c in conditions])
        if applies is None:
            raise MissingFacts(rule.id, facts.missing)
        if not applies:
            failing = [c for c in conditions if c[0] is False]
            return (
                Result(
                    "info",
                    {"applicable": False},
                    "不适用：" + "；".join(c[1] for c in failing),
                    "not applicable: " + "; ".join(c[2] for c in failing),
                    None,
                ),
                facts,
            )
    try:
        result = evaluator(rule, facts, semantics, **options) if options else evaluator(rule, facts, semantics)
    except Undecided:
        raise MissingFacts(rule.id, facts.missing or list(rule.needs()[0])) from None
    return result, facts
