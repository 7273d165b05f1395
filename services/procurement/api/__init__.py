"""Procurement's routes: parse, call one handler in a unit of work, map the result.

One `router` (in `common`, with the role guards, the project scope and the mapping to API models); one module
per area adds its routes to it, imported here in the order the routes are matched."""

from services.procurement.api.common import router, scope

# The areas add their routes in this order, the order they are matched and documented.
# isort: off
from services.procurement.api import tendering  # noqa: F401
from services.procurement.api import contracts  # noqa: F401
from services.procurement.api import construction  # noqa: F401
from services.procurement.api import open_contracting  # noqa: F401
from services.procurement.api import om_tenders  # noqa: F401
# isort: on

__all__ = ["router", "scope"]
