"""Intake's commands and consumed events, each inside one unit of work; one module per area.

The stage a command needs and the stage it moves to are `domain.TRANSITIONS`'; reads are `queries`."""

from services.intake.handlers.applications import (
    admit_application,
    attach_material,
    create_application,
    rank_applications,
    refuse_application,
    submit_application,
    update_application,
)
from services.intake.handlers.attachments import Upload, delete_attachment, upload_attachment
from services.intake.handlers.common import summary
from services.intake.handlers.events import subscriptions
from services.intake.handlers.needs import file_need, merge_needs, review_need

__all__ = [
    "Upload",
    "admit_application",
    "attach_material",
    "create_application",
    "delete_attachment",
    "file_need",
    "merge_needs",
    "rank_applications",
    "refuse_application",
    "review_need",
    "submit_application",
    "subscriptions",
    "summary",
    "update_application",
    "upload_attachment",
]
