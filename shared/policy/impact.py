"""Policy impact analysis (issue 19 §6): which in-flight projects a new pack version changes, and how.

A service keeps every decision it made with the facts the rule read (`decisions` table, shared/db.py). Impact
is those facts decided again: once under the version in force and once under the candidate. A rule whose
outcome, value (the approval steps, a due date) or citation differs is a change for that project. Pure: the
caller (shared/policy/impact_api.py, per service) reads the decisions; nothing is stored.

Why per service, on its own decisions, rather than on the catalog's portfolio read model: the facts a rule
read are only in the service that decided (the read model keeps stage and money, not `project_tags` or
`supplement_fen`), secret projects never leave their service, and each service already scopes its reads.
The bureau's page asks each service and merges the answers by project.

Versions: a decision keeps the version it was made under (`pack_version`). A change whose decision was made
before the new version's effective date stays under the old version; a decision made on or after that date
(or made again then, e.g. an approval still waiting for a step) follows the new one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from shared.clock import CHINA
from shared.policy.errors import InvalidFact, MissingFacts, PolicyError
from shared.policy.model import Decision
from shared.policy.pack import Pack, diff
from shared.policy.registry import PackRegistry

#: A pack file is a few tens of kilobytes; a candidate larger than this is refused (every input has a limit).
MAX_CANDIDATE_BYTES = 512 * 1024


@dataclass(frozen=True)
class StoredDecision:
    """One row of a service's decisions table (the part impact reads)."""

    subject: str
    rule_id: str
    outcome: str
    citation: str
    pack: str
    pack_version: str
    facts: Mapping[str, Any]
    decided_at: datetime | date
    value: Any = None
    action: str = ""


@dataclass
class Candidate:
    current: Pack
    candidate: Pack
    effective_from: date
    changes: dict[str, Any] = field(default_factory=dict)


def load_candidate(
    pack_id: str, text: str, *, registry: PackRegistry, today: date, effective_from: date | None = None
) -> Candidate:
    """Validate `text` as the new version of pack `pack_id` (every check of a real load, quotes included) and
    return it beside the version in force today. Raises PolicyError naming the file, rule and field."""
    if len(text.encode("utf-8")) > MAX_CANDIDATE_BYTES:
        raise PolicyError(f"the candidate pack is larger than {MAX_CANDIDATE_BYTES} bytes", field="candidate")
    current = registry.get(pack_id, at=today)
    with tempfile.TemporaryDirectory(prefix="pack-candidate-") as tmp:
        directory = Path(tmp)
        for path in registry.packs_dir.glob("*.yaml"):
            shutil.copy(path, directory / path.name)
        (directory / f"{pack_id}.yaml").write_text(text, encoding="utf-8")
        trial = PackRegistry(
            directory,
            registry.sources.directory,
            registry.default_id,
            verify_sources=registry.verify_sources,
        )
        trial.load_all()
        views = trial._views(pack_id)
    latest = views[-1]
    # a version loaded today cannot govern decisions already made: it applies from its own date, never earlier
    start = max(effective_from or latest.effective_from, today)
    candidate = trial.get(pack_id, at=start) if latest.effective_from <= start else latest
    return Candidate(current, candidate, start, diff(current, candidate).model_dump())


def _latest_per_rule(decisions: Iterable[StoredDecision]) -> dict[str, StoredDecision]:
    latest: dict[str, StoredDecision] = {}
    for row in decisions:  # rows come oldest first; the later decision by a rule replaces the earlier
        latest[row.rule_id] = row
    return latest


def _view(decision: Decision | StoredDecision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    out = {
        "outcome": decision.outcome,
        "value": decision.value,
        "citation": decision.citation,
        "pack_version": decision.pack_version,
    }
    if isinstance(decision, Decision):
        out |= {"message_zh": decision.message_zh, "article": decision.article}
    return out


def _essence(value: Any) -> Any:
    """A decision's value without its wording: a threshold's text names the old number even when the outcome
    stays the same, so only what was decided (holds, steps, dates, hits) is compared."""
    if isinstance(value, dict):
        return {k: _essence(v) for k, v in value.items() if k not in ("zh", "en")}
    if isinstance(value, list):
        return [_essence(v) for v in value]
    return value


def _same(a: Decision, b: Decision) -> bool:
    return (a.outcome, _essence(a.value), a.citation) == (b.outcome, _essence(b.value), b.citation)


def _day(moment: datetime | date) -> date:
    """The China date of a stored moment (rows are written in UTC; SQLite hands them back naive)."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(CHINA).date()
    return moment


def project_impact(subject: str, decisions: list[StoredDecision], cand: Candidate) -> dict[str, Any] | None:
    """The changes the candidate makes to one project, or None when it makes none."""
    current, candidate = cand.current, cand.candidate
    latest = _latest_per_rule(decisions)
    known: dict[str, Any] = {}
    for row in decisions:
        known.update(row.facts or {})
    changes: list[dict[str, Any]] = []
    for rule_id, stored in latest.items():
        facts = dict(stored.facts or {})
        try:
            before: Decision | None = current.decide(rule_id, facts) if current.has(rule_id) else None
        except (MissingFacts, InvalidFact):
            before = None
        if not candidate.has(rule_id):
            changes.append(_change(rule_id, "removed", stored, before, None, cand))
            continue
        try:
            after = candidate.decide(rule_id, facts)
        except MissingFacts as exc:
            change = _change(rule_id, "needs_facts", stored, before, None, cand)
            change["missing"] = exc.missing
            changes.append(change)
            continue
        except InvalidFact as exc:
            change = _change(rule_id, "needs_facts", stored, before, None, cand)
            change["missing"] = [exc.fact]
            changes.append(change)
            continue
        if before is not None and _same(before, after):
            continue
        changes.append(_change(rule_id, "changed", stored, before, after, cand))
    # a rule the candidate adds is tried on what the project's decisions already read (e.g. a new list item
    # over `project_tags`); without the facts it needs it cannot be judged yet and is not reported
    for rule in candidate.rules:
        if current.has(rule.id) or rule.id in latest:
            continue
        if not known:
            continue
        try:
            added = candidate.decide(rule.id, known)
        except (MissingFacts, InvalidFact):
            continue
        if added.outcome == "fail":
            changes.append(_change(rule.id, "added", None, None, added, cand))
    if not changes:
        return None
    stays = all(c["applies"] == "old" for c in changes)
    return {
        "project_id": subject,
        "changes": changes,
        "stays_under_old_version": stays,
        "moves_to_new_version_on": None if stays else cand.effective_from.isoformat(),
    }


def _change(
    rule_id: str,
    kind: str,
    stored: StoredDecision | None,
    before: Decision | None,
    after: Decision | None,
    cand: Candidate,
) -> dict[str, Any]:
    decided = _day(stored.decided_at) if stored else None
    # a decision made before the new version's date keeps the version it was made under; one made from that
    # date on (or not made yet) follows the new version
    applies = "old" if decided is not None and decided < cand.effective_from else "new"
    rule = cand.candidate.rule(rule_id) if cand.candidate.has(rule_id) else cand.current.rule(rule_id)
    return {
        "rule_id": rule_id,
        "title_zh": rule.title_zh,
        "kind": kind,
        "stored": _view(stored),
        "decided_on": decided.isoformat() if decided else None,
        "action": stored.action if stored else None,
        "old": _view(before),
        "new": _view(after),
        "applies": applies,
    }


def impact(cand: Candidate, decisions: Iterable[StoredDecision]) -> list[dict[str, Any]]:
    """Every affected project, by project id. `decisions`: the in-flight projects' rows under this pack."""
    by_subject: dict[str, list[StoredDecision]] = {}
    for row in decisions:
        if row.pack == cand.current.id:
            by_subject.setdefault(row.subject, []).append(row)
    out = []
    for subject in sorted(by_subject):
        found = project_impact(subject, by_subject[subject], cand)
        if found is not None:
            out.append(found)
    return out
