"""HTTP read and dry-run API over the policy packs (`/api/policy/...`), served through the gateway.

Errors are RFC 9457 problems (shared.errors.Problem): unknown pack or rule → 404, missing or malformed
facts → 422 naming the facts each rule needs. An evaluation never answers 500.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Problem
from shared.policy.errors import InvalidFact, MissingFacts, PolicyError, UnknownPack, UnknownRule
from shared.policy.pack import Pack
from shared.policy.registry import PackRegistry, packs

log = logging.getLogger(__name__)


class EvaluateRequest(BaseModel):
    """A dry run: which decisions the pack would make on these facts. Nothing is stored."""

    model_config = ConfigDict(extra="forbid")

    stage: str | None = Field(
        default=None, description="intake, review, budget, procurement, acceptance, catalog, general"
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="amounts in integer fen, dates as YYYY-MM-DD")
    rule_ids: list[str] | None = Field(default=None, description="only these rules (all of the stage when omitted)")
    at: date | None = Field(default=None, description="evaluate under the pack in force on this date (default today)")


def _problem(exc: PolicyError, pack_id: str) -> Problem:
    if isinstance(exc, UnknownPack):
        return Problem(
            404, "unknown-pack", "未知的政策包 / Unknown policy pack", str(exc), pack=pack_id, known=exc.known
        )
    if isinstance(exc, UnknownRule):
        return Problem(404, "unknown-rule", "未知的规则 / Unknown rule", str(exc), pack=pack_id, rule_id=exc.rule_id)
    if isinstance(exc, MissingFacts):
        return Problem(
            422,
            "missing-facts",
            "缺少规则所需的事实 / Facts a rule needs are missing",
            str(exc),
            pack=pack_id,
            missing=exc.missing,
            needs=exc.by_rule,
        )
    if isinstance(exc, InvalidFact):
        return Problem(
            422,
            "invalid-fact",
            "事实格式不正确 / A fact has the wrong type or shape",
            str(exc),
            pack=pack_id,
            rule_id=exc.rule_id,
            fact=exc.fact,
            reason=exc.reason,
        )
    return Problem(422, "policy-error", "无法按政策包求值 / Cannot evaluate with this pack", str(exc), pack=pack_id)


def build_router(registry: PackRegistry = packs) -> APIRouter:
    """The router over `registry` (tests pass their own registry)."""
    router = APIRouter(prefix="/api/policy", tags=["policy"])

    def pack_at(pack_id: str, at: date | None) -> Pack:
        try:
            return registry.get(pack_id, at)
        except PolicyError as exc:
            raise _problem(exc, pack_id) from None

    @router.get("/packs", summary="All policy packs (one per jurisdiction)")
    def list_packs(at: Annotated[date | None, Query()] = None) -> dict[str, Any]:
        items = []
        for pack_id in registry.ids():
            try:
                items.append(registry.get(pack_id, at).summary())
            except PolicyError as exc:  # not in force on that date
                items.append({"id": pack_id, "error": str(exc)})
        return {"default": registry.default_id, "packs": items}

    @router.get("/packs/{pack_id}", summary="A pack with its rules, each marked inherited or own")
    def get_pack(pack_id: str, at: Annotated[date | None, Query()] = None) -> dict[str, Any]:
        return pack_at(pack_id, at).public()

    @router.get("/packs/{pack_id}/rules/{rule_id}", summary="One rule with its citation and verbatim quote")
    def get_rule(pack_id: str, rule_id: str, at: Annotated[date | None, Query()] = None) -> dict[str, Any]:
        pack = pack_at(pack_id, at)
        try:
            rule = pack.rule(rule_id)
        except PolicyError as exc:
            raise _problem(exc, pack_id) from None
        return {"pack": pack.id, "pack_version": pack.version, **rule.public()}

    @router.get("/packs/{pack_id}/versions", summary="The pack's versions by effective date, with what changed")
    def get_versions(pack_id: str) -> dict[str, Any]:
        try:
            return {"pack": pack_id, "versions": registry.history(pack_id)}
        except PolicyError as exc:
            raise _problem(exc, pack_id) from None

    @router.post("/packs/{pack_id}/evaluate", summary="Dry run: the decisions a stage's rules make on given facts")
    def evaluate(pack_id: str, body: EvaluateRequest) -> dict[str, Any]:
        pack = pack_at(pack_id, body.at)
        if body.stage is None and not body.rule_ids:
            raise Problem(
                422, "policy-error", "缺少阶段或规则 / Give a stage or rule_ids", "give `stage` or `rule_ids`"
            )
        try:
            decisions = pack.evaluate(body.stage, body.facts, body.rule_ids)
        except PolicyError as exc:
            raise _problem(exc, pack_id) from None
        except (TypeError, ValueError, ArithmeticError) as exc:  # facts of a shape no rule anticipated
            log.warning("policy evaluation failed on facts", exc_info=True)
            raise Problem(
                422, "invalid-fact", "事实格式不正确 / A fact has the wrong type or shape", str(exc), pack=pack_id
            ) from None
        counts = {outcome: sum(1 for d in decisions if d.outcome == outcome) for outcome in ("pass", "fail", "info")}
        return {
            "pack": pack.id,
            "pack_version": pack.version,
            "stage": body.stage,
            "outcomes": counts,
            "decisions": [d.as_record() for d in decisions],
        }

    return router


router = build_router()
