"""Acceptance's decisions, pure: when acceptance may be requested."""

from __future__ import annotations

from datetime import date

from shared.policy import Decision, Pack


def trial_run_decision(pack: Pack, trial_started_on: date, today: date) -> Decision:
    """Acceptance only after a trial run of at least the pack's length (dazhou:第四十七条)."""
    return pack.decide("acceptance.trial_run", {"trial_run_started_on": trial_started_on, "trial_run_ended_on": today})
