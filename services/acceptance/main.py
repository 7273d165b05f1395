"""The acceptance service (试运行与验收): `uvicorn services.acceptance.main:app`."""

from services.acceptance.api import router, scope
from services.acceptance.handlers import subscriptions
from services.acceptance.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "acceptance",
    schema,
    subscriptions,
    [router],
    scope=scope,
    title="govproj acceptance 试运行与验收",
    description="Trial runs, pre-acceptance approval, acceptance by the pack's path, security checks, assets.",
)
