"""The budget service (概算与资金): `uvicorn services.budget.main:app`."""

from services.budget.api import router
from services.budget.handlers import subscriptions
from services.budget.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "budget",
    schema,
    subscriptions,
    [router],
    title="govproj budget 概算与资金",
    description="Estimates (概算) as ceilings, technical-plan deadlines, budgets, adjustments and fund release.",
)
