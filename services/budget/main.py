"""The budget service (概算与资金): `uvicorn services.budget.main:app`."""

from services.budget.api import router, scope
from services.budget.handlers import refresh_gauges, subscriptions
from services.budget.impact import router as impact_router
from services.budget.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "budget",
    schema,
    subscriptions,
    [router, impact_router],
    title="govproj budget 概算与资金",
    description=(
        "Estimates (概算) as ceilings, the technical-plan timeline and control price, annual budgets, adjustments, "
        "fund release, O&M budgets, city–county shares and public data-operation payments."
    ),
    scope=scope,
    sweepers=[refresh_gauges],
)
