"""The portfolio's reads: who may see what, the to-do list, the project list and dossier, the cockpit and
the notification feed. Each is one or a few indexed queries over the read model, never a call out.

One module per read: `visibility` (who sees what), `todo_list`, `project_list` (list, totals, dossier,
schedule rating), `dashboard` (the cockpit and its shared computation), `feed` (notifications)."""

from services.catalog.portfolio.queries.dashboard import (
    BY_UNIT_CAP,
    FUNNEL,
    RATED_COLUMNS,
    cockpit,
    shared_cockpit,
)
from services.catalog.portfolio.queries.feed import (
    mark_read,
    marker,
    notifications,
    unread,
)
from services.catalog.portfolio.queries.project_list import (
    DATE_FIELDS,
    SORTS,
    ProjectFilter,
    money_of,
    project_detail,
    project_query,
    project_row,
    projects,
    rate,
    totals,
)
from services.catalog.portfolio.queries.todo_list import (
    caller_roles,
    todos,
)
from services.catalog.portfolio.queries.visibility import (
    BLIND_ROLES,
    LIVE_DEADLINE,
    UNIT_ROLES,
    Scope,
    content_visible,
    owner_of,
    project_scope,
    scope_of,
    visible,
)

__all__ = [
    "BLIND_ROLES",
    "BY_UNIT_CAP",
    "DATE_FIELDS",
    "FUNNEL",
    "LIVE_DEADLINE",
    "RATED_COLUMNS",
    "SORTS",
    "UNIT_ROLES",
    "ProjectFilter",
    "Scope",
    "caller_roles",
    "cockpit",
    "content_visible",
    "mark_read",
    "marker",
    "money_of",
    "notifications",
    "owner_of",
    "project_detail",
    "project_query",
    "project_row",
    "project_scope",
    "projects",
    "rate",
    "scope_of",
    "shared_cockpit",
    "todos",
    "totals",
    "unread",
    "visible",
]
