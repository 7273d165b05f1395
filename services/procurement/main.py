"""The procurement service (采购与合同): `uvicorn services.procurement.main:app`."""

from services.procurement.api import router, scope
from services.procurement.handlers import subscriptions, sweep_construction_deadlines
from services.procurement.impact import router as impact_router
from services.procurement.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "procurement",
    schema,
    subscriptions,
    [router, impact_router],
    title="govproj procurement 采购与合同",
    description="Procurement plans, tenders under the ceiling, contracts, supplements, the construction schedule "
    "and OCDS 1.1 releases.",
    scope=scope,
    sweepers=[sweep_construction_deadlines],
)
