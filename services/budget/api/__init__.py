"""Budget's routes: parse, call one handler in a unit of work, map the result. No rules here.

One `router` (in `common`, with the role guards, the project scope and the project's API model); one module
per area adds its routes to it, imported here in the order the routes are matched."""

from services.budget.api.common import router, scope

# The areas add their routes in this order, the order they are matched and documented.
# isort: off
from services.budget.api import estimates  # noqa: F401
from services.budget.api import funds  # noqa: F401
from services.budget.api import adjustments  # noqa: F401
from services.budget.api import annual_budgets  # noqa: F401
from services.budget.api import data_operations  # noqa: F401
# isort: on

__all__ = ["router", "scope"]
