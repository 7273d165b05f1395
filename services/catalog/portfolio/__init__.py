"""The portfolio read model (项目全景): where each project stands across the six services, the actions
waiting (待办) and who takes them, deadlines, notifications and the cockpit — built only from events.

A sibling of `reports`, not an extension of it: reports answers "what happened in a period" and its table
is the periodic report's record (milestone dates, a money ledger by date); the portfolio answers "where is
each project now and who must act", is replaced step by step as events arrive, and is shaped for the
workbench's lists (one indexed table per list, to-dos and notifications as rows). Both hear the same events
through the service's shared `subscriptions`, in the same unit of work, so neither can drift from the
other; either can change its tables without breaking the other's readers. Importing the room registers
its consumers."""

from services.catalog.portfolio import (
    api,
    consumers,  # registers the consumers
    open_data,
    webhooks,
)
from shared import clock
from shared.service import ServiceRuntime


async def portfolio_reminders(runtime: ServiceRuntime) -> int:
    """Copy catalog's own deadlines (its sweeper marks them) and raise approaching/overdue reminders."""
    async with runtime.unit_of_work() as uow:
        await consumers.sweep_own_deadlines(uow)
        return await consumers.remind(uow, clock.today())


async def portfolio_webhooks(runtime: ServiceRuntime) -> int:
    """POST new notifications to the bureau's subscriptions, retrying the failed ones when due."""
    return await webhooks.deliver(runtime)


ROUTERS = [api.router, open_data.router]
SWEEPERS = [portfolio_reminders, portfolio_webhooks]
