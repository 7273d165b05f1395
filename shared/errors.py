"""RFC 9457 problem details: the one shape every 4xx/5xx answer takes, with rule refusals listing each rule."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.policy.errors import InvalidFact, MissingFacts, PolicyError, UnknownPack, UnknownRule

PROBLEM_BASE = "https://govproj.example.gov.cn/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"


class Violation(BaseModel):
    """One rule a request broke, with the citation a department can look up."""

    rule_id: str
    citation: str
    message_zh: str
    message_en: str
    field: str | None = None
    pack: str | None = None
    pack_version: str | None = None
    # issue 19 §3: `citation` may name an item or band (dazhou:第十条(二)); `article` is the whole article
    article: str | None = None

    @classmethod
    def from_decision(cls, decision: Any) -> Violation:
        return cls(
            rule_id=decision.rule_id,
            citation=decision.citation,
            message_zh=decision.message_zh,
            message_en=decision.message_en,
            field=decision.field,
            pack=decision.pack,
            pack_version=decision.pack_version,
            article=getattr(decision, "article", None),
        )


class Problem(Exception):
    """Raise anywhere in a request; the handler turns it into `application/problem+json`."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extensions = extensions
        # Response headers the kind needs (`WWW-Authenticate` on a 401, `Retry-After` on a 429 or 503).
        self.headers: dict[str, str] = dict(headers or {})

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        for key, value in self.extensions.items():
            body[key] = _jsonable(value)
        return body


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


# Named constructors for the kinds every service uses, so `type` URIs stay stable.
def not_found(what: str, identifier: Any) -> Problem:
    return Problem(404, "not-found", f"{what} not found", f"{what} '{identifier}' does not exist", resource=what)


def rule_violations(violations: list[Violation], detail: str | None = None) -> Problem:
    """A refusal by policy: 422 with every violated rule, not only the first."""
    first = violations[0] if violations else None
    return Problem(
        422,
        "rule-violation",
        "请求违反项目管理规定 / The request breaks a project-management rule",
        detail or (f"{first.citation}: {first.message_zh} / {first.message_en}" if first else None),
        violations=violations,
    )


def wrong_stage(subject: str, stage: str, expected: str | list[str], action: str) -> Problem:
    """409: the project is not at the stage this step needs."""
    expected_list = [expected] if isinstance(expected, str) else expected
    return Problem(
        409,
        "wrong-stage",
        "项目当前阶段不允许此操作 / Not allowed at the project's current stage",
        f"project {subject} is at stage '{stage}'; '{action}' needs {' or '.join(expected_list)}",
        stage=stage,
        expected=expected_list,
        action=action,
    )


def forbidden(detail: str, **extensions: Any) -> Problem:
    return Problem(403, "forbidden", "无权执行此操作 / Not allowed for your role", detail, **extensions)


def conflict(detail: str, **extensions: Any) -> Problem:
    return Problem(409, "conflict", "与现有数据冲突 / Conflicts with existing data", detail, **extensions)


def bad_request(detail: str, **extensions: Any) -> Problem:
    return Problem(400, "bad-request", "请求无效 / Invalid request", detail, **extensions)


def _causes(exc: BaseException) -> list[BaseException]:
    chain, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return chain


def _is_unstorable(exc: sa_exc.DBAPIError) -> bool:
    """The driver refused a value (SQLSTATE class 22 on PostgreSQL: out-of-range numbers, NUL or
    untranslatable characters), rather than the database failing."""
    from asyncpg.exceptions import DataError as AsyncpgDataError

    for cause in _causes(exc):
        if isinstance(cause, AsyncpgDataError | OverflowError | sa_exc.DataError):
            return True
        if str(getattr(cause, "sqlstate", "") or "").startswith("22"):
            return True
    return False


def _is_unique_race(exc: sa_exc.DBAPIError) -> bool:
    if not isinstance(exc, sa_exc.IntegrityError):
        return False
    return any(str(getattr(c, "sqlstate", "")) == "23505" or "UNIQUE constraint" in str(c) for c in _causes(exc))


def unstorable() -> Problem:
    return Problem(
        422,
        "unstorable-value",
        "数值超出范围或含非法字符 / A value is out of range or has characters that cannot be stored",
        "a number is too large or a text contains characters such as NUL; nothing was saved",
    )


#: Seconds a client is told to wait (Retry-After) when the database is unreachable.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(retry_after: int = DATABASE_RETRY_AFTER_SECONDS) -> Problem:
    return Problem(
        503,
        "database-unavailable",
        "数据库暂时不可用，请稍后重试 / The database is unavailable; retry later",
        f"the service cannot reach its database; nothing was saved; retry in {retry_after} s",
        retry_after_seconds=retry_after,
    )


def unavailable_response(request: Request, retry_after: int) -> JSONResponse:
    response = problem_response(database_unavailable(retry_after), request)
    response.headers["Retry-After"] = str(retry_after)
    return response


def policy_problem(exc: PolicyError) -> Problem:
    """A policy error raised while serving a request is the caller's input, not the server's fault."""
    if isinstance(exc, UnknownPack):
        return Problem(
            422,
            "unknown-jurisdiction",
            "未知的属地（政策包）/ Unknown jurisdiction (policy pack)",
            str(exc),
            field="jurisdiction",
            known=getattr(exc, "known", None),
        )
    if isinstance(exc, UnknownRule):
        return Problem(
            422,
            "rule-not-in-pack",
            "该属地的政策包没有此项规定 / This jurisdiction's pack has no such rule",
            str(exc),
            rule_id=getattr(exc, "rule_id", None),
        )
    if isinstance(exc, MissingFacts):
        return Problem(
            422,
            "missing-facts",
            "缺少规则所需的信息 / Facts a rule needs are missing",
            str(exc),
            missing=exc.missing,
            needs=exc.by_rule,
        )
    if isinstance(exc, InvalidFact):
        return Problem(
            422,
            "invalid-fact",
            "信息格式不正确 / A fact has the wrong type or shape",
            str(exc),
            field=exc.fact,
            rule_id=exc.rule_id,
        )
    return Problem(422, "policy-error", "无法按政策包判定 / Cannot decide with the policy pack", str(exc))


#: What a 401 names as the way to authenticate when the problem does not say (RFC 9110 §15.5.2
#: requires the header on every 401; RFC 6750 §3 gives the Bearer form).
DEFAULT_CHALLENGE = 'Bearer realm="govproj"'


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = str(request.url.path) if request is not None else None
    headers = dict(problem.headers)
    if problem.status == 401 and not any(key.lower() == "www-authenticate" for key in headers):
        challenge = problem.extensions.get("www_authenticate")
        headers["WWW-Authenticate"] = challenge if isinstance(challenge, str) and challenge else DEFAULT_CHALLENGE
    return JSONResponse(
        problem.body(instance), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def install_problem_handlers(app: FastAPI, retry_after_seconds: int = DATABASE_RETRY_AFTER_SECONDS) -> None:
    """Every error leaves as a problem document; nothing leaks a stack trace."""
    from shared.db import is_database_unavailable

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in err.get("loc", ()) if part != "body"),
                "message": err.get("msg"),
                "type": err.get("type"),
            }
            for err in exc.errors()
        ]
        malformed = any(err["type"] == "json_invalid" for err in errors)
        problem = Problem(
            400 if malformed else 422,
            "malformed-json" if malformed else "validation",
            "请求体不是合法的 JSON / Malformed JSON" if malformed else "字段校验失败 / Invalid fields",
            "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors),
            errors=errors,
        )
        return problem_response(problem, request)

    @app.exception_handler(PolicyError)
    async def _policy(request: Request, exc: PolicyError) -> JSONResponse:
        return problem_response(policy_problem(exc), request)

    @app.exception_handler(sa_exc.DBAPIError)
    async def _database(request: Request, exc: sa_exc.DBAPIError) -> JSONResponse:
        """A value the database cannot store (too large an integer, a NUL character) is bad input,
        a unique-key race is a conflict and a lost connection a 503 with Retry-After; anything
        else is still a 500. The unit of work has rolled back, so nothing is half-written."""
        if is_database_unavailable(exc):
            return unavailable_response(request, retry_after_seconds)
        if _is_unique_race(exc):
            return problem_response(
                conflict("a record with the same key was written at the same moment; retry"), request
            )
        if _is_unstorable(exc):
            return problem_response(unstorable(), request)
        return await _unexpected(request, exc)

    async def _unreachable(request: Request, exc: Exception) -> JSONResponse:
        """Connecting failed before SQLAlchemy could wrap the error (refused, timed out, the server
        starting or shutting down), or the pool had no connection to give in time."""
        if is_database_unavailable(exc):
            return unavailable_response(request, retry_after_seconds)
        return await _unexpected(request, exc)

    from asyncpg.exceptions import PostgresError

    for kind in (sa_exc.TimeoutError, ConnectionError, TimeoutError, PostgresError):
        app.add_exception_handler(kind, _unreachable)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        return problem_response(unstorable(), request)  # SQLite's driver raises it for too-large integers

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized", 403: "forbidden"}.get(
            exc.status_code, "http-error"
        )
        problem = Problem(exc.status_code, kind, str(exc.detail), str(exc.detail))
        response = problem_response(problem, request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        import structlog

        structlog.get_logger().error("unhandled error", path=request.url.path, exc_info=exc)
        problem = Problem(500, "internal", "内部错误 / Internal error", "the error was logged")
        return problem_response(problem, request)

    app.add_exception_handler(Exception, _unexpected)
