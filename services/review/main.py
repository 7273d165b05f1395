"""The review service (联审与立项): `uvicorn services.review.main:app`."""

from services.review.api import router, scope
from services.review.handlers import subscriptions
from services.review.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "review",
    schema,
    subscriptions,
    [router],
    title="govproj review 联审与立项",
    description="Pre-screening, scheme review by drawn experts, approval by authority (立项) and the annual plan.",
    scope=scope,
)
