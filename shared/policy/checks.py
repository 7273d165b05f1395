"""A pack's rules checked as it loads: own-text citations and quotes against the sources, pointers to higher
documents, parameters against roles and semantics, and versions of one rule that overlap in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.policy.amounts import Band, check_bands
from shared.policy.errors import PolicyError
from shared.policy.model import Rule
from shared.policy.pack import _semantics
from shared.policy.params import AuthorityParams, ListParams, RequirementParams, RouteParams
from shared.policy.schema import RoleDef
from shared.policy.sources import CitationError, SourceLibrary


@dataclass(frozen=True)
class RuleChecks:
    """The checks of one load: `sources` are the jurisdictions' texts; `verify_sources` off skips the quotes."""

    sources: SourceLibrary
    verify_sources: bool

    def pointer(self, file: str, own: str, rule_id: str, citation: str | None, pointer: str | None) -> None:
        """A higher_document basis holds only if the pack's own text names the document (verbatim)."""
        assert citation is not None and pointer is not None
        if not citation.startswith(f"{own}:"):
            raise PolicyError(
                f"the pointer to a higher document must cite the pack's own text ({own})",
                file=file,
                rule_id=rule_id,
                field="pointer_citation",
            )
        try:
            self.sources.check_quote(citation, pointer)
        except CitationError as exc:
            raise PolicyError(str(exc), file=file, rule_id=rule_id, field="pointer") from None

    def rule(self, file: str, rule: Rule, roles: dict[str, RoleDef], semantics_rules: list[Rule], *, own: str) -> None:
        """`own`: the name of the pack's own text (its source file), which own_text rules must cite."""
        params = rule.params
        cited = rule.origin_citation or rule.citation
        if rule.basis == "own_text" and not cited.startswith(f"{own}:"):
            raise PolicyError(
                "an own_text rule must cite its own jurisdiction's text (else declare basis: "
                "higher_document or local_setting)",
                file=file,
                rule_id=rule.id,
                field="citation",
            )
        if rule.basis == "higher_document" and self.verify_sources:
            self.pointer(file, own, rule.id, rule.basis_pointer_citation, rule.basis_pointer)
        if isinstance(params, AuthorityParams):
            steps = [s for band in params.bands for s in band.steps]
            if params.collective:
                steps += params.collective.steps
            unknown = sorted({s for s in steps if s not in roles})
            if unknown:
                raise PolicyError(
                    f"approval step(s) {unknown} are not declared under `roles`",
                    file=file,
                    rule_id=rule.id,
                    field="params.bands",
                )
            candidates: list[Rule | None] = [r for r in semantics_rules if _overlaps(r, rule)] or [None]
            for sem_rule in candidates:
                problem = check_bands([Band(b.lower, b.upper) for b in params.bands], _semantics(sem_rule))
                if problem:
                    raise PolicyError(problem, file=file, rule_id=rule.id, field="params.bands")
        if not self.verify_sources:
            return
        # (field of the citation, field of the quote, citation, quote or None)
        checks: list[tuple[str, str, str, str | None]] = [("citation", "quote", cited, q) for q in rule.quotes]
        if isinstance(params, ListParams):
            for index, list_item in enumerate(params.items):
                at = f"params.items[{index}]"
                citation = list_item.citation or cited
                if list_item.citation or list_item.quote:
                    checks.append((f"{at}.citation", f"{at}.quote", citation, list_item.quote))
        if isinstance(params, RequirementParams):
            for fact, options in (params.choices or {}).items():
                for index, choice in enumerate(options):
                    if choice.quote:
                        checks.append(("citation", f"params.choices.{fact}[{index}].quote", cited, choice.quote))
        if isinstance(params, AuthorityParams):
            for index, band in enumerate(params.bands):
                if band.citation:
                    checks.append(
                        (f"params.bands[{index}].citation", f"params.bands[{index}].quote", band.citation, band.quote)
                    )
            if params.collective and params.collective.citation:
                checks.append(
                    (
                        "params.collective.citation",
                        "params.collective.quote",
                        params.collective.citation,
                        params.collective.quote,
                    )
                )
        if isinstance(params, RouteParams):
            for index, case in enumerate(params.cases):
                if case.citation or case.quote:
                    at = f"params.cases[{index}]"
                    checks.append((f"{at}.citation", f"{at}.quote", case.citation or cited, case.quote))
            if params.default_citation or params.default_quote:
                checks.append(
                    (
                        "params.default_citation",
                        "params.default_quote",
                        params.default_citation or cited,
                        params.default_quote,
                    )
                )
        for citation_field, quote_field, citation, quote in checks:
            try:
                if quote is None:
                    self.sources.check_citation(citation)
                else:
                    self.sources.check_quote(citation, quote)
            except CitationError as exc:
                where = quote_field if str(exc).startswith("quote") else citation_field
                raise PolicyError(str(exc), file=file, rule_id=rule.id, field=where) from None


def uses_yishang_yixia(rule: Rule) -> bool:
    if isinstance(rule.params, AuthorityParams):
        return True
    dumped = rule.params.model_dump(mode="json", by_alias=True)
    return any(op in str(dumped) for op in ("'以上'", "'以下'"))


def _overlaps(a: Rule, b: Rule) -> bool:
    a_end = a.effective_until or date.max
    b_end = b.effective_until or date.max
    return (a.effective_from or date.min) < b_end and (b.effective_from or date.min) < a_end


def check_overlaps(file: str, versions: list[Rule]) -> None:
    by_id: dict[str, list[Rule]] = {}
    for rule in versions:
        by_id.setdefault(rule.id, []).append(rule)
    for rule_id, group in by_id.items():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if _overlaps(a, b):
                    raise PolicyError(
                        f"two versions in force at once ({a.effective_from}–{a.effective_until} and "
                        f"{b.effective_from}–{b.effective_until})",
                        file=file,
                        rule_id=rule_id,
                        field="effective_until",
                    )
