"""A pack as in force during one period: its rules, its version, and the calls services make on it."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from shared.policy import evaluate as ev
from shared.policy.amounts import DEFAULT_SEMANTICS, Semantics
from shared.policy.errors import MissingFacts, PolicyError, UnknownRule
from shared.policy.model import Decision, Rule
from shared.policy.params import DeadlineParams
from shared.policy.schema import LOCAL_SETTING_ZH, STAGES, LocalSettings, RoleDef

SEMANTICS_RULE = "thresholds.semantics"

BASIS_ZH = {"own_text": "本辖区条文", "higher_document": "本辖区条文指向的上位文件", "local_setting": LOCAL_SETTING_ZH}


class Pack:
    """One jurisdiction's rules in force from `effective_from` until `effective_until` (None: open)."""

    def __init__(
        self,
        *,
        pack_id: str,
        title_zh: str,
        title_en: str | None,
        status: str,
        source: str,
        extends: str | None,
        roles: Mapping[str, RoleDef],
        rules: Iterable[Rule],
        effective_from: date,
        effective_until: date | None,
        at: Callable[[str, date], Pack] | None = None,
        file: str | None = None,
        settings: LocalSettings | None = None,
        expires_on: date | None = None,
        expiry_citation: str | None = None,
    ) -> None:
        self.id = pack_id
        self.title_zh = title_zh
        self.title_en = title_en
        self.status = status
        self.source = source
        self.extends = extends
        self.roles = dict(roles)
        self._rules: dict[str, Rule] = {rule.id: rule for rule in rules}
        self.effective_from = effective_from
        self.effective_until = effective_until
        #: the regulation's own end of validity (fengxian:第三十八条 有效期5年); `expired` marks a view asked for a
        #: day on or after it: its decisions still apply the last rules and say the regulation has expired
        self.expires_on = expires_on
        self.expiry_citation = expiry_citation
        self.expired = False
        self.file = file
        #: local settings (本地设置): thresholds and switches the text leaves to the bureau
        self.settings = settings or LocalSettings()
        self._at = at
        self.semantics = _semantics(self._rules.get(SEMANTICS_RULE))
        self.version = _hash(self.content())

    def __repr__(self) -> str:
        return f"<Pack {self.id}@{self.version} from {self.effective_from} rules={len(self._rules)}>"

    # --- reading ---------------------------------------------------------------------------------

    @property
    def rules(self) -> list[Rule]:
        return list(self._rules.values())

    def rule_ids(self) -> list[str]:
        return list(self._rules)

    def has(self, rule_id: str) -> bool:
        return rule_id in self._rules

    def rule(self, rule_id: str) -> Rule:
        try:
            return self._rules[rule_id]
        except KeyError:
            raise UnknownRule(self.id, rule_id) from None

    def rules_for(self, stage: str) -> list[Rule]:
        if stage not in STAGES:
            raise PolicyError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
        return [rule for rule in self._rules.values() if rule.stage == stage]

    def needs(self, rule_id: str) -> dict[str, list[str]]:
        """The facts a rule may read: {"required": [...], "optional": [...]}."""
        needed, optional = self.rule(rule_id).needs()
        return {"required": [f for f in needed if f not in optional], "optional": optional}

    def at(self, day: date | datetime) -> Pack:
        """The pack as in force on `day` (rules replaced later keep their old text for earlier dates)."""
        if self._at is None:
            raise PolicyError(f"pack {self.id} has no timeline")
        return self._at(self.id, ev.as_date(day))

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day < self.effective_until)

    def expired_on(self, day: date) -> bool:
        """The regulation's own validity has ended by `day` (its last rules still apply until a new version)."""
        return self.expires_on is not None and day >= self.expires_on

    def as_expired(self) -> Pack:
        """This view, marked expired: same rules and version; every decision says the regulation has expired."""
        clone = copy.copy(self)
        clone.expired = True
        return clone

    # --- deciding --------------------------------------------------------------------------------

    def decide(self, rule_id: str, facts: Mapping[str, Any]) -> Decision:
        """Apply one rule. Raises MissingFacts (naming the facts) or InvalidFact (e.g. a float amount)."""
        rule = self.rule(rule_id)
        result, used = ev.run(rule, facts, self.semantics)
        return self._decision(rule, result, used.used)

    def evaluate(
        self, stage: str | None, facts: Mapping[str, Any], rule_ids: Iterable[str] | None = None
    ) -> list[Decision]:
        """Every rule of `stage` (or the given `rule_ids`). Missing facts of all rules are reported together."""
        if rule_ids is not None:
            rules = [self.rule(rule_id) for rule_id in rule_ids]
            if stage is not None:
                wrong = [r.id for r in rules if r.stage != stage]
                if wrong:
                    raise PolicyError(f"rules {', '.join(wrong)} are not in stage {stage!r}")
        elif stage is None:
            raise PolicyError("give a stage or rule_ids")
        else:
            rules = self.rules_for(stage)
        decisions: list[Decision] = []
        missing: dict[str, list[str]] = {}
        for rule in rules:
            try:
                decisions.append(self.decide(rule.id, facts))
            except MissingFacts as exc:
                missing[rule.id] = exc.missing
        if missing:
            everything = sorted({fact for facts_ in missing.values() for fact in facts_})
            raise MissingFacts(None, everything, by_rule=missing)
        return decisions

    def window(self, rule_id: str, start: date | datetime) -> tuple[date | None, date | None]:
        """(earliest, due) of a deadline rule counted from `start` (annual rules: the next occurrence)."""
        rule = self.rule(rule_id)
        if not isinstance(rule.params, DeadlineParams):
            raise PolicyError(f"{rule_id} is a {rule.kind} rule, not a deadline", rule_id=rule_id)
        p = rule.params
        day = ev.as_date(start)
        if p.annual is not None:
            earliest, due = ev._annual_window(p, day.year)
            if due < day:
                earliest, due = ev._annual_window(p, day.year + 1)
            return earliest, due
        return ev.period_window(p, day)

    def due(self, rule_id: str, start: date | datetime) -> date:
        """The deadline date: the `within` end, or for a `not_before`-only rule the earliest allowed date."""
        earliest, due = self.window(rule_id, start)
        result = due or earliest
        assert result is not None
        return result

    def authority(self, rule_id: str, amount_fen: int, *, collective: bool = False) -> Decision:
        """Who approves `amount_fen` under an authority table: Decision.value is the ordered list of steps."""
        rule = self.rule(rule_id)
        if rule.kind != "authority_table":
            raise PolicyError(f"{rule_id} is a {rule.kind} rule, not an authority table", rule_id=rule_id)
        facts = {rule.params.amount_fact: amount_fen}
        result, used = ev.run(rule, facts, self.semantics, collective=collective)
        return self._decision(rule, result, used.used)

    def _decision(self, rule: Rule, result: ev.Result, used: Mapping[str, Any]) -> Decision:
        outcome_zh = {"pass": "符合", "fail": "不符合", "info": ""}[result.outcome]
        head_zh = f"{rule.title_zh}{'：' + outcome_zh if outcome_zh else ''}"
        head_en = f"{rule.title_en}{': ' + result.outcome if result.outcome != 'info' else ''}"
        # an item's own citation only where the rule is the jurisdiction's own text: a local setting or a borrowed
        # rule is never shown under another text's item (issue 19 §1), though the item's words stay visible
        item_citation = result.item_citation if rule.basis == "own_text" and not rule.inherited else None
        expiry_zh = expiry_en = ""
        if self.expired and self.expires_on:
            last_day = (self.expires_on - timedelta(days=1)).isoformat()
            expiry_zh = (
                f"（注意：{self.title_zh}有效期至{last_day}，已届满（{self.expiry_citation}）；"
                "本决定仍按其最后版本作出，待发布新版本）"
            )
            expiry_en = (
                f" (note: the regulation was valid until {last_day} ({self.expiry_citation}) and has expired; "
                "decided by its last version)"
            )
        message_zh = f"{head_zh}（{result.detail_zh}）" if result.detail_zh else head_zh
        message_en = f"{head_en} ({result.detail_en})" if result.detail_en else head_en
        return Decision(
            rule_id=rule.id,
            citation=item_citation or rule.citation,
            article=rule.citation,
            item_quote=result.item_quote,
            quote=rule.quote,
            kind=rule.kind,
            stage=rule.stage,
            pack=self.id,
            pack_version=self.version,
            outcome=result.outcome,
            value=result.value,
            message_zh=message_zh + expiry_zh,
            message_en=message_en + expiry_en,
            field=result.field,
            facts=dict(used),
            effect=rule.effect if result.outcome == "fail" else None,
            inherited=rule.inherited,
            basis=rule.basis,
            basis_zh=BASIS_ZH[rule.basis],
            basis_why=rule.basis_why,
            pack_expired_on=self.expires_on.isoformat() if self.expired and self.expires_on else None,
        )

    # --- describing ------------------------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        return {
            "pack": self.id,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status,
            "source": self.source,
            "extends": self.extends,
            "roles": {k: v.model_dump() for k, v in sorted(self.roles.items())},
            "rules": [rule.content() for rule in sorted(self._rules.values(), key=lambda r: r.id)],
            "settings": self.settings.model_dump(mode="json"),
        }

    def summary(self) -> dict[str, Any]:
        inherited = sum(1 for r in self._rules.values() if r.inherited)
        local = sum(1 for r in self._rules.values() if r.basis == "local_setting")
        higher = sum(1 for r in self._rules.values() if r.basis == "higher_document")
        return {
            "id": self.id,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "status": self.status,
            "version": self.version,
            "effective_from": self.effective_from.isoformat(),
            "effective_until": self.effective_until.isoformat() if self.effective_until else None,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "expiry_citation": self.expiry_citation,
            "expired": self.expired,
            "extends": self.extends,
            "source": self.source,
            "rules": len(self._rules),
            "own_rules": len(self._rules) - inherited,
            "inherited_rules": inherited,
            "local_settings": local,
            "higher_document_rules": higher,
        }

    def public(self) -> dict[str, Any]:
        data = self.summary()
        data["roles"] = {k: v.model_dump() for k, v in self.roles.items()}
        data["semantics"] = {"以上": self.semantics.symbol("以上"), "以下": self.semantics.symbol("以下")}
        data["rules"] = [rule.public() for rule in self._rules.values()]
        data["settings"] = self.settings.model_dump(mode="json")
        return data


def _semantics(rule: Rule | None) -> Semantics:
    if rule is None or getattr(rule.params, "semantics", None) is None:
        return DEFAULT_SEMANTICS
    sem = rule.params.semantics
    return Semantics(yishang_includes=sem.yishang == "includes", yixia_includes=sem.yixia == "includes")


def _hash(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


# --- diff ------------------------------------------------------------------------------------------


class RuleChange(BaseModel):
    rule_id: str
    changes: dict[str, dict[str, Any]] = Field(description="dotted field path → {old, new}")


class PackDiff(BaseModel):
    pack: str
    old_version: str
    new_version: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[RuleChange] = Field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        out = {}
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{index}]"))
        return out or {prefix: []}
    return {prefix: value}


_NOT_COMPARED = {"effective_from", "effective_until"}


def diff(old: Pack, new: Pack) -> PackDiff:
    """What changed from `old` to `new`: rules added, removed, and changed fields (params flattened)."""
    old_ids, new_ids = set(old.rule_ids()), set(new.rule_ids())
    changed: list[RuleChange] = []
    for rule_id in sorted(old_ids & new_ids):
        before = {k: v for k, v in _flatten(old.rule(rule_id).content()).items() if k not in _NOT_COMPARED}
        after = {k: v for k, v in _flatten(new.rule(rule_id).content()).items() if k not in _NOT_COMPARED}
        fields = {
            key: {"old": before.get(key), "new": after.get(key)}
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
        }
        if fields:
            changed.append(RuleChange(rule_id=rule_id, changes=fields))
    return PackDiff(
        pack=new.id,
        old_version=old.version,
        new_version=new.version,
        added=sorted(new_ids - old_ids),
        removed=sorted(old_ids - new_ids),
        changed=changed,
    )
