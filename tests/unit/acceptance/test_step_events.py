"""Each acceptance step but the last publishes `acceptance.step.completed.v1` naming the step now waiting,
so the next role's 待办 appears (issue 17); the last publishes the acceptance instead."""

from __future__ import annotations

from datetime import date

from tests.unit.acceptance.conftest import ok
from tests.unit.acceptance.test_fengxian_path import ORGANISE, PASSED, P, applied


async def steps(service) -> list[tuple[str, str | None]]:
    return [(e.data["step"], e.data["next_step"]) for e in await service.events("acceptance.step.completed.v1")]


async def test_fengxian_steps_each_name_the_next_and_the_last_is_the_acceptance(service):
    await applied(service)
    assert await steps(service) == [
        ("trial_run", "acceptance_application"),
        ("acceptance_application", "acceptance_organised"),
    ]
    [event] = [e for e in await service.events("acceptance.step.completed.v1") if e.data["step"] == "trial_run"]
    assert event.subject == P and event.data["unit"] == "奉贤区教育局" and event.data["jurisdiction"] == "fengxian"
    assert event.data["path"] == "fengxian_acceptance" and event.data["secret"] is False

    service.travel(date(2026, 3, 20))
    ok(await service.post("bureau", f"/projects/{P}/organise", ORGANISE))
    assert (await steps(service))[-1] == ("acceptance_organised", "completion_acceptance")
    ok(await service.post("bureau", f"/projects/{P}/completion-acceptance", PASSED))
    assert len(await steps(service)) == 3  # the last step is announced as the acceptance, not as a step
    assert len(await service.events("acceptance.project.accepted.v1")) == 1


async def test_a_secret_projects_step_event_says_secret_and_carries_no_content(service):
    await applied(service, "P-FX-S", secret=True)
    events = await service.events("acceptance.step.completed.v1")
    assert events and all(e.data["secret"] is True for e in events)
    assert all(
        set(e.data) == {"project_id", "unit", "jurisdiction", "path", "step", "next_step", "completed_on", "secret"}
        for e in events
    )
