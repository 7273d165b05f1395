"""The catalog service (系统目录): `uvicorn services.catalog.main:app`.

Rooms (systems, monitoring, evaluations, O&M; oversight, data operations, reports) each bring
their routers, consumers (on the shared `subscriptions`) and sweepers; this file only composes them."""

from services.catalog import data_operations, oversight, portfolio, reports
from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.handlers import subscriptions
from services.catalog.sweepers import SWEEPERS
from services.catalog.tables import schema
from shared.service import create_service_app

app = create_service_app(
    "catalog",
    schema,
    subscriptions,
    [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS, *portfolio.ROUTERS],
    title="govproj catalog 系统目录",
    description="The system catalog, information resources, monthly monitoring, evaluation, O&M and retirement; "
    "supervision findings, public data-operation services, periodic reports and the portfolio read model "
    "(to-dos, lists, cockpit, notifications).",
    scope=scope,
    sweepers=[*SWEEPERS, *oversight.SWEEPERS, *data_operations.SWEEPERS, *portfolio.SWEEPERS],
    # A census of up to MAX_IMPORT_ROWS systems in one file: 10,000 JSON rows of ~500 bytes.
    body_limits={"/api/catalog/systems/import": 8 * 1024 * 1024},
)
