"""Intake's decisions, pure: an application's facts and its jurisdiction's pack in, Decisions out."""

from __future__ import annotations

from shared.policy import Decision, Pack

#: The application's life in intake. Only a draft can be edited; only a submitted one decided.
EDITABLE = ("draft",)
DECIDABLE = ("submitted",)


def submission_facts(application) -> dict:
    return {
        "total_investment_fen": application.total_investment_fen,
        "construction_type": application.construction_type,
        "category": application.category,
    }


def submission_decisions(pack: Pack, application) -> list[Decision]:
    """Every rule checked at submission; a refusal lists every failed one, not only the first."""
    facts = submission_facts(application)
    return [pack.decide("scope.min_investment", facts)]


def failures(decisions: list[Decision]) -> list[Decision]:
    return [d for d in decisions if d.outcome == "fail"]


def stage_of(status: str) -> str:
    return {"draft": "application", "submitted": "application", "admitted": "library", "refused": "refused"}[status]
