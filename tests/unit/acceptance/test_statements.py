"""Admission's statements in acceptance (issue 21, bench/statements.py): the project's secrecy is kept with one
upsert, no read before it, and a later admission's word stands."""

from __future__ import annotations

from datetime import date

from services.acceptance import handlers
from services.acceptance.tables import ProjectSecrecy
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary
from tests.support.statements import counted, of


def admitted(project_id: str, secret: bool) -> ApplicationAdmitted:
    summary = ProjectSummary(
        unit="达州市教育局", jurisdiction="dazhou", secret=secret, total_investment_fen=1, plan_year=2026
    )
    return ApplicationAdmitted(project_id=project_id, project=summary, admitted_by="bureau")


async def secrecy(service, project_id: str) -> bool | None:
    async with service.runtime.reading() as uow:
        row = await uow.session.get(ProjectSecrecy, project_id)
        return None if row is None else row.secret


async def test_admission_keeps_the_secrecy_with_one_statement_and_the_last_word_stands(service):
    for secret in (False, True):
        payload = admitted("P-secrecy", secret)
        with counted(service.runtime.engine) as statements:
            async with service.runtime.unit_of_work() as uow:
                await handlers.on_application_admitted(uow, payload.envelope(), payload)
        assert of(statements, "SELECT", "acceptance_project_secrecy") == []
        assert len(of(statements, "INSERT", "acceptance_project_secrecy")) == 1
        assert await secrecy(service, "P-secrecy") is secret

    # the contract then opens the project as secret (its path follows)
    await service.contract("P-open", "dazhou", date(2026, 3, 1), secret=True)
    assert await secrecy(service, "P-open") is True
    opened = (await service.get("bureau", "/projects/P-open")).json()
    assert opened["secret"] is True
