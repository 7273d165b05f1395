"""Who may read a project's data: one rule (unit, secret clearance, drawn experts) every service applies
before it returns anything about a project, and the audit row of every secret project read.

The rule, the same in every service (dazhou:第六十五条 for secret projects):
- a principal whose roles do not read this service at all → 403 (the role, not the project, is refused);
- unknown project, or a project of a unit the principal may not see, or (where experts read) a project
  the expert is not drawn for → **404**: another unit cannot learn from the answer whether a project
  number exists;
- a secret (涉密) project's content → only its own unit and cleared staff (and the experts drawn for it);
  others who may see that it exists (the bureaus) get 403 on content routes and the minimal record on
  detail routes;
- every read of a secret project that is let through is written to the service's audit log
  (`action="secret.read"`: who, their roles, when, what was read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from shared.auth import Principal, Role
from shared.errors import Problem, forbidden, not_found
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class Owner:
    """What the rule needs to know of a project: its unit and whether it is secret."""

    unit: str
    secret: bool = False


#: Finds a project's owner in this service's tables (None: the service does not know the project).
Locate = Callable[[UnitOfWork, str], Awaitable[Owner | None]]
#: Whether an expert principal is drawn for the project (only services whose experts read projects).
Drawn = Callable[[UnitOfWork, Principal, str], Awaitable[bool]]

SECRET_READ = "secret.read"


def only_expert(principal: Principal) -> bool:
    return principal.roles <= {Role.EXPERT}


@dataclass(frozen=True)
class ProjectScope:
    """One service's reading of the rule: where its projects' owners are, who reads its projects at all,
    which experts may read, which cleared roles read secret content."""

    service: str
    locate: Locate
    readers: frozenset[Role] | None = None  # None: every role the route lets through
    drawn: Drawn | None = None  # None: experts read nothing of this service
    cleared_roles: frozenset[Role] | None = None  # None: any cleared principal reads secret content

    @classmethod
    def of(
        cls,
        service: str,
        locate: Locate,
        *,
        readers: Iterable[Role] | None = None,
        drawn: Drawn | None = None,
        cleared_roles: Iterable[Role] | None = None,
    ) -> ProjectScope:
        return cls(
            service,
            locate,
            frozenset(readers) if readers is not None else None,
            drawn,
            frozenset(cleared_roles) if cleared_roles is not None else None,
        )

    def may_read_secret(self, principal: Principal, owner: Owner) -> bool:
        if principal.unit is not None and principal.unit == owner.unit:
            return True
        return principal.cleared and (self.cleared_roles is None or principal.has(*self.cleared_roles))

    async def ensure(
        self, uow: UnitOfWork, principal: Principal, project_id: str, *, content: bool = True, what: str = "project"
    ) -> Owner:
        """Let `principal` read `project_id` or raise the problem the rule gives. `content=False` for routes
        that show a secret project's minimal record themselves (see `readable`); `what` names the read in
        the audit row."""
        expert_only = only_expert(principal)
        if expert_only and self.drawn is not None:
            if not await self.drawn(uow, principal, project_id):
                raise not_found("project", project_id)
            owner = await self.locate(uow, project_id)
            if owner is None:
                raise not_found("project", project_id)
            # The drawn experts review the project: its content is theirs to read, and the read audited.
            await self._audit(uow, principal, project_id, owner, what)
            return owner
        if expert_only or (self.readers is not None and not principal.has(*self.readers)):
            raise forbidden(f"these roles do not read {self.service} projects")
        owner = await self.locate(uow, project_id)
        if owner is None or not principal.can_see_unit(owner.unit):
            raise not_found("project", project_id)
        if owner.secret:
            if self.may_read_secret(principal, owner):
                await self._audit(uow, principal, project_id, owner, what)
            elif content:
                raise Problem(
                    403,
                    "forbidden",
                    "无权查看 / Not allowed to read this project",
                    "a secret (涉密) project's content is for its unit and cleared staff",
                    citation="dazhou:第六十五条",
                )
        return owner

    def readable(self, principal: Principal, owner: Owner) -> bool:
        """Whether `ensure(..., content=False)`'s caller may show the secret project's content."""
        return not owner.secret or only_expert(principal) or self.may_read_secret(principal, owner)

    async def _audit(self, uow: UnitOfWork, principal: Principal, project_id: str, owner: Owner, what: str) -> None:
        if owner.secret:
            await uow.audit_read(
                subject=project_id,
                action=SECRET_READ,
                actor=principal,
                detail={"read": what, "service": self.service, "unit": principal.unit, "cleared": principal.cleared},
            )


__all__ = ["SECRET_READ", "Owner", "ProjectScope", "only_expert"]
