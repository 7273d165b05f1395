"""Acceptance's commands and consumed events, each inside one unit of work; one module per area.

Which step is next is the project's path's (`domain.choose_path`); the stage each step needs and
leaves is `domain.TRANSITIONS`'; reads are `queries`."""

from services.acceptance.handlers.assets import file_documents, register_assets
from services.acceptance.handlers.common import next_step_of
from services.acceptance.handlers.events import on_application_admitted, on_contract_signed, subscriptions
from services.acceptance.handlers.results import file_higher_level, record_result
from services.acceptance.handlers.steps import (
    apply_for_acceptance,
    apply_for_final,
    approve_pre_acceptance,
    approve_secrecy,
    check_organisation,
    draw_experts,
    draw_request,
    organise_acceptance,
    record_preliminary,
    start_trial_run,
)

__all__ = [
    "apply_for_acceptance",
    "apply_for_final",
    "approve_pre_acceptance",
    "approve_secrecy",
    "check_organisation",
    "draw_experts",
    "draw_request",
    "file_documents",
    "file_higher_level",
    "next_step_of",
    "on_application_admitted",
    "on_contract_signed",
    "organise_acceptance",
    "record_preliminary",
    "record_result",
    "register_assets",
    "start_trial_run",
    "subscriptions",
]
