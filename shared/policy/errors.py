"""The policy engine's exceptions: broken packs, unknown ids, missing or malformed facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


class PolicyError(Exception):
    """A pack could not be loaded or a rule could not be evaluated.

    `file`, `rule_id` and `field` locate the problem in a pack file when it comes from one.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        rule_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.rule_id = rule_id
        self.field = field
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"rule {rule_id}" if rule_id else "",
                f"field {field}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class UnknownPack(PolicyError, LookupError):
    def __init__(self, pack_id: str, known: Sequence[str] = ()) -> None:
        self.pack_id = pack_id
        self.known = list(known)
        super().__init__(f"unknown policy pack {pack_id!r}; known packs: {', '.join(self.known) or 'none'}")


class UnknownRule(PolicyError, LookupError):
    def __init__(self, pack_id: str, rule_id: str) -> None:
        self.pack_id = pack_id
        super().__init__(f"pack {pack_id!r} has no rule {rule_id!r}", rule_id=rule_id)


class MissingFacts(PolicyError):
    """Facts a rule needs were not given. `by_rule` maps each rule id to the facts it still needs."""

    def __init__(
        self,
        rule_id: str | None,
        missing: Sequence[str],
        *,
        by_rule: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.missing = sorted(set(missing))
        pairs: Iterable[tuple[str | None, Sequence[str]]] = by_rule.items() if by_rule else [(rule_id, missing)]
        self.by_rule = {k: sorted(set(v)) for k, v in pairs if k}
        detail = "; ".join(f"{rid} needs {', '.join(facts)}" for rid, facts in self.by_rule.items())
        super().__init__(f"missing facts: {detail or ', '.join(self.missing)}", rule_id=rule_id)


class InvalidFact(PolicyError):
    """A fact has the wrong type or shape (e.g. a float amount: money is integer fen)."""

    def __init__(self, rule_id: str | None, fact: str, reason: str) -> None:
        self.fact = fact
        self.reason = reason
        super().__init__(f"fact {fact!r}: {reason}", rule_id=rule_id, field=fact)
