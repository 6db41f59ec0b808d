"""Every refused request gets a JSON body that says what was wrong.

Two shapes: `{"error": "...", "detail": [...]}` on the graph's routes, and OpenAI's
`{"error": {"message", "type", "param", "code"}}` under `/v1`, because OpenAI clients (ChatOpenAI,
the `openai` package) only show a message found there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from m2io_graph.corpus.store import StoreError
from m2io_graph.errors import InvalidQueryError

OPENAI_PREFIX = "/v1/"
FIXED_SETTING = (
    "not a per-request setting: the store, endpoints and model paths are fixed when the server "
    "starts (GET /m2io/config_schema lists what a request may set)"
)


def _location(error: Any) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part not in {"body"})


def describe(errors: Sequence[Any]) -> tuple[str, list[dict[str, Any]]]:
    """A one-line summary and a JSON-safe list of pydantic / LangServe validation errors."""
    detail: list[dict[str, Any]] = []
    for error in errors:
        if isinstance(error, dict):
            loc = [str(p) for p in error.get("loc", ())]
            kind = str(error.get("type", ""))
            msg = str(error.get("msg", ""))
            if kind == "extra_forbidden" and loc[:1] == ["configurable"]:
                msg = FIXED_SETTING
            detail.append({"loc": loc, "msg": msg, "type": kind})
        else:  # LangServe reports a body that is not JSON as the bare string "Invalid JSON body"
            detail.append({"loc": [], "msg": str(error), "type": "invalid_request"})
    summary = "; ".join(
        f"{'.'.join(d['loc'])}: {d['msg']}" if d["loc"] else d["msg"] for d in detail
    )
    return summary or "invalid request", detail


def error_response(
    request: Request,
    status: int,
    message: str,
    detail: list[dict[str, Any]] | None = None,
    *,
    param: str | None = None,
    code: str | None = None,
) -> JSONResponse:
    if request.url.path.startswith(OPENAI_PREFIX):
        kind = "invalid_request_error" if status < 500 else "server_error"
        body: dict[str, Any] = {
            "error": {"message": message, "type": kind, "param": param, "code": code}
        }
    else:
        body = {"error": message} | ({"detail": detail} if detail else {})
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        summary, detail = describe(error.errors())
        # OpenAI answers a malformed request with 400; FastAPI's habit is 422.
        status = 400 if request.url.path.startswith(OPENAI_PREFIX) else 422
        param = ".".join(detail[0]["loc"][1:]) if detail and detail[0]["loc"] else None
        return error_response(request, status, f"invalid request: {summary}", detail, param=param)

    @app.exception_handler(ValidationError)
    async def invalid_item(request: Request, error: ValidationError) -> JSONResponse:
        # LangServe's /batch checks each input itself and lets pydantic's error through.
        summary, detail = describe(error.errors())
        return error_response(request, 422, f"invalid request: {summary}", detail)

    @app.exception_handler(InvalidQueryError)
    async def bad_query(request: Request, error: InvalidQueryError) -> JSONResponse:
        return error_response(request, 422, str(error))

    @app.exception_handler(StoreError)
    async def store_down(request: Request, error: StoreError) -> JSONResponse:
        return error_response(request, 503, str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return error_response(request, error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    async def crashed(request: Request, error: Exception) -> JSONResponse:
        # Starlette re-raises after this response, so uvicorn still logs the traceback.
        return error_response(request, 500, f"internal error: {type(error).__name__}: {error}")
