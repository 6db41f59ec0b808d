"""An optional API key: every route but `/health` answers 401 unless the request carries
`Authorization: Bearer <key>`.

That header is what OpenAI clients send (`ChatOpenAI(api_key=...)`), and LangServe's
`RemoteRunnable(url, headers=...)` and curl send it as easily, so one key covers `/m2io`, `/v1`
and the answer page. `/health` stays open for load balancers and start-up checks; it tells
nothing about the documents. Keys are compared in constant time (`hmac.compare_digest`), so the
time a refusal takes says nothing about how much of a guess was right.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from m2io_graph.serving.errors import error_response

OPEN_PATHS = frozenset({"/health"})


def checked_key(api_key: str) -> str:
    """The key, unless it is blank: a key set from an unset variable must not open the server."""
    if not api_key.strip():
        raise ValueError("the API key is empty: give a non-empty key, or none to serve without")
    return api_key


class ApiKeyAuth:
    """Pure ASGI middleware, outermost: a refused request is answered before its body is read.
    A websocket without the key is closed (policy violation), should one ever be served."""

    def __init__(self, app: ASGIApp, api_key: str) -> None:
        self.app = app
        self.key = checked_key(api_key).encode()

    def _allowed(self, scope: Scope) -> bool:
        scheme, _, token = dict(scope["headers"]).get(b"authorization", b"").partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), self.key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] not in ("http", "websocket")
            or scope["path"] in OPEN_PATHS
            or self._allowed(scope)
        ):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            given = dict(scope["headers"]).get(b"authorization")
            response = error_response(
                Request(scope),
                401,
                f"{'wrong' if given else 'missing'} API key: send the header "
                "`Authorization: Bearer <key>` (the key given to m2io serve)",
                code="invalid_api_key",
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
