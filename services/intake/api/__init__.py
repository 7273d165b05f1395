"""Intake's routes: parse, call the handler in a unit of work, map the result. No rules here.

One `router` (in `common`, with the role guards and the API mappings); one module per area adds its routes
to it, imported here in the order the routes are matched."""

from services.intake.api.common import router
from services.intake.queries import scope

# The areas add their routes in this order, the order they are matched and documented.
# isort: off
from services.intake.api import applications  # noqa: F401
from services.intake.api import attachments
from services.intake.api import admission  # noqa: F401
from services.intake.api import library  # noqa: F401
from services.intake.api import needs  # noqa: F401
# isort: on

#: The upload route, as the body limits name it (main.py, the gateway).
ATTACHMENTS_PATH = attachments.ATTACHMENTS_PATH

__all__ = ["ATTACHMENTS_PATH", "router", "scope"]
