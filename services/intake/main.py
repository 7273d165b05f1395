"""The intake service (申报与项目库): `uvicorn services.intake.main:app`."""

from services.intake.api import router
from services.intake.handlers import subscriptions
from services.intake.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "intake",
    schema,
    subscriptions,
    [router],
    title="govproj intake 申报与项目库",
    description="Applications (申报), the project library (项目库) and unit eligibility.",
)
