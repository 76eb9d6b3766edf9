"""Every error the API answers is an RFC 9457 problem document (``application/problem+json``).

``{"type", "title", "status", "detail", "instance", "request_id"}``, plus ``errors`` (the field errors) on
a 422. ``type`` is ``about:blank`` for a plain HTTP status and a ``urn:jobmarket:problem:*`` name for the
API's own kinds, so a client can branch on it without parsing ``detail``.

Status policy: a client's mistake is a 4xx; a bug is a logged 500 (never "retry later"); a 503 (with
``Retry-After``) means a dependency is really down or the server is at its concurrency limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
BLANK = "about:blank"
VALIDATION = "urn:jobmarket:problem:validation-error"
BODY_TOO_LARGE = "urn:jobmarket:problem:body-too-large"
OVERLOADED = "urn:jobmarket:problem:overloaded"
DEPENDENCY_DOWN = "urn:jobmarket:problem:dependency-unavailable"
INTERNAL = "urn:jobmarket:problem:internal-error"
MAX_FIELD_ERRORS = 20  # a hostile body can fail thousands of fields; the answer stays small


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: ['body', 'filters', 'city'], ['path', 'offer_id']...")
    msg: str
    type: str


class Problem(BaseModel):
    """An error (RFC 9457). Extra members: ``request_id`` always, ``errors`` on a validation error."""

    type: str = Field(default=BLANK, examples=[VALIDATION])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: Any = Field(default=None, examples=["body.text: String should have at least 2 characters"])
    instance: str | None = Field(default=None, description="The request path.", examples=["/api/recommendations"])
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem.")
    errors: list[FieldError] | None = None


class DependencyUnavailable(Exception):
    """A dependency (index server, broker, database) did not answer: a 503 the client may retry."""

    def __init__(self, dependency: str, retry_after_s: int = 5) -> None:
        super().__init__(dependency)
        self.dependency = dependency
        self.retry_after_s = retry_after_s


# What a dependency's client raises when the other side is down or slow (not when we send it garbage:
# a ValueError or TypeError is our bug and stays a 500).
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)


def _transient_client_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    try:
        import httpx

        found.append(httpx.TransportError)
    except ImportError:  # pragma: no cover - httpx is a dependency
        pass
    try:
        from qdrant_client.http.exceptions import ResponseHandlingException

        found.append(ResponseHandlingException)
    except ImportError:  # pragma: no cover
        pass
    return tuple(found)


TRANSIENT_ERRORS += _transient_client_errors()


@contextmanager
def dependency(name: str, retry_after_s: int = 5) -> Iterator[None]:
    """Turns a dependency's transport failure inside the block into a 503 problem (logged with its trace)."""
    try:
        yield
    except TRANSIENT_ERRORS as exc:
        log.warning("dependency unavailable", dependency=name, error=repr(exc)[:300])
        raise DependencyUnavailable(name, retry_after_s) from exc


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def request_id_of(request: Request) -> str | None:
    rid = getattr(request.state, "request_id", None)
    return rid if isinstance(rid, str) else None


def problem_response(status: int, detail: Any = None, *, type_: str = BLANK, instance: str | None = None,
                     request_id: str | None = None, headers: dict[str, str] | None = None,
                     errors: list[dict[str, Any]] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": _title(status), "status": status, "detail": detail,
                            "instance": instance, "request_id": request_id}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """loc / msg / type of each error; the offending input is never echoed back (it may be huge or hostile)."""
    out = []
    for err in exc.errors()[:MAX_FIELD_ERRORS]:
        loc = [p if isinstance(p, int) else str(p)[:100] for p in err.get("loc", ())]
        out.append({"loc": loc, "msg": str(err.get("msg", ""))[:300], "type": str(err.get("type", ""))})
    return out


def _summary(errors: list[dict[str, Any]], total: int) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3]]
    more = f" (and {total - 3} more)" if total > 3 else ""
    return "; ".join(parts) + more


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_ = BODY_TOO_LARGE if exc.status_code == 413 else BLANK
    return problem_response(exc.status_code, exc.detail, type_=type_, instance=request.url.path,
                            request_id=request_id_of(request), headers=dict(exc.headers or {}))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    return problem_response(422, _summary(errors, len(exc.errors())), type_=VALIDATION,
                            instance=request.url.path, request_id=request_id_of(request), errors=errors)


async def _dependency(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DependencyUnavailable)
    return problem_response(503, f"the {exc.dependency} is not answering; retry in a few seconds",
                            type_=DEPENDENCY_DOWN, instance=request.url.path, request_id=request_id_of(request),
                            headers={"Retry-After": str(exc.retry_after_s)})


def internal_error(path: str | None, request_id: str) -> JSONResponse:
    """The answer to a bug: no internals, the request id to quote (the trace is in the log under it)."""
    return problem_response(500, "an unexpected error occurred; quote the request id when reporting it",
                            type_=INTERNAL, instance=path, request_id=request_id)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(DependencyUnavailable, _dependency)


# ------------------------------------------------------------------------------------------ OpenAPI

_COMMON_ERRORS = {
    "422": "Invalid input: the field errors are listed in `errors`.",
    "500": "A bug: logged with its trace under `request_id`.",
    "503": "A dependency is down or the server is at its concurrency limit; see `Retry-After`.",
}
_BODY_ERRORS = {"400": "The request body could not be parsed (malformed JSON or form data).",
                "413": "The request body is larger than `API_MAX_BODY_BYTES`."}
_LIMIT_NAMES = ("limit", "size")


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _generic(response: dict[str, Any]) -> bool:
    """No body model declared (or FastAPI's own validation error): the answer is a Problem. A route that
    declares its own error body (``/health``'s 503 is a ``HealthResponse``) keeps it."""
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return not schema or schema.get("$ref", "").endswith("/HTTPValidationError")


def _cap_limits(schema: dict[str, Any], max_limit: int) -> None:
    for name in _LIMIT_NAMES:
        prop = schema.get("properties", {}).get(name)
        if isinstance(prop, dict):
            for variant in [prop, *prop.get("anyOf", [])]:
                if variant.get("type") == "integer":
                    variant["maximum"] = max_limit


def document_problems(app: FastAPI, max_limit: int) -> None:
    """Makes the OpenAPI document say what the API really answers: every error as a ``Problem`` (also on
    routes added later by other modules), and ``limit``/``size`` capped at ``API_MAX_LIMIT``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes, tags=app.openapi_tags, servers=app.servers)
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schemas["Problem"].pop("$defs", {}))
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        for schema in schemas.values():
            _cap_limits(schema, max_limit)
        for path_item in spec.get("paths", {}).values():
            for method, op in path_item.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                responses = op["responses"]
                extra = dict(_COMMON_ERRORS)
                if method in ("post", "put", "patch"):
                    extra.update(_BODY_ERRORS)
                for code, description in extra.items():
                    responses.setdefault(code, {"description": description})
                for code, resp in responses.items():
                    if code[0] in "45" and isinstance(resp, dict) and _generic(resp):
                        resp["content"] = _problem_content()
                for param in op.get("parameters", []):
                    if param.get("name") in _LIMIT_NAMES:
                        _cap_limits({"properties": {param["name"]: param.get("schema", {})}}, max_limit)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
