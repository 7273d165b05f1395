"""The review service (联审与立项): `uvicorn services.review.main:app`."""

from services.review.api import router
from services.review.handlers import ensure_may_read, subscriptions
from services.review.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "review",
    schema,
    subscriptions,
    [router],
    title="govproj review 联审与立项",
    description="Pre-screening, scheme review by drawn experts, approval by authority (立项) and the annual plan.",
    history_guard=ensure_may_read,
)
