"""A cap on request bodies, answered with 413 before the application sees the request.

Without it a client can make the server buffer and JSON-parse any amount of data (LangServe reads
the whole body with `request.json()`). Bodies are read here, up to the limit, and replayed to the
application; a declared `Content-Length` over the limit is refused without reading anything.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 1_000_000
"""A question, a batch of questions or a chat prompt is a few kilobytes; 1 MB is generous."""


class BodySizeLimit:
    """Pure ASGI middleware (no `BaseHTTPMiddleware`, which would break streaming responses)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(
                    send,
                    400,
                    f"invalid Content-Length header: {declared.decode(errors='replace')!r}",
                )
                return
            if int(declared) > self.max_bytes:
                await _refuse(send, 413, self._too_large(int(declared)))
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _refuse(send, 413, self._too_large(size, at_least=True))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    def _too_large(self, size: int, *, at_least: bool = False) -> str:
        more = "more than " if at_least else ""
        return (
            f"request body too large: {more}{size} bytes; this server accepts at most "
            f"{self.max_bytes} bytes (m2io serve --max-body-bytes)"
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body over once, then pass through (disconnect notices for streams)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
