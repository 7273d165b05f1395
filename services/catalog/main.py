"""The catalog service (系统目录): `uvicorn services.catalog.main:app`."""

from services.catalog.api import router
from services.catalog.handlers import subscriptions
from services.catalog.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "catalog",
    schema,
    subscriptions,
    [router],
    title="govproj catalog 系统目录",
    description="The system catalog, information resources, monthly monitoring, evaluation, O&M and retirement.",
)
