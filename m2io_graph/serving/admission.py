"""A bounded pool for answers: a few run, a few wait, the rest are told when to come back.

Without it, fifty clients each start a graph and every answer slows down together until they all
time out; on a CPU the local LM decodes one answer at a time anyway. Here at most `max_running`
answer requests run; up to `max_waiting` more wait in arrival order; past that a request gets 503
with `Retry-After` (the seconds the queue ahead of it should take, from recent answers), as it does
when it has waited `max_wait` seconds without starting. A running request gets `timeout` seconds:
then its run is cancelled (the graph task and, through `cancellation`, a model decoding in a
thread) and the client gets 504, or an `error` event if the stream had started.

Only the routes that run models are counted: the graph's invoke/batch/stream endpoints, the answer
page and `/v1/chat/completions`; `/health`, the schemas, the docs and the playground's files are
answered at once even under load.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from m2io_graph.cancellation import cancel_scope
from m2io_graph.models.llamacpp import default_threads
from m2io_graph.serving.errors import error_response

_GRAPH_ENDPOINTS = frozenset({"invoke", "batch", "stream", "stream_log", "stream_events"})


def answers(method: str, path: str) -> bool:
    """Whether a request runs models (and so takes a place in the pool)."""
    if path in ("/answer", "/answer/"):
        return method == "GET"
    if path.startswith("/m2io/"):
        return method == "POST" and path.rstrip("/").rpartition("/")[2] in _GRAPH_ENDPOINTS
    return method == "POST" and path.rstrip("/") == "/v1/chat/completions"


@dataclass(frozen=True)
class PoolLimits:
    """How much the server takes on, and for how long (`m2io serve --max-running`,
    `--max-waiting`, `--max-wait`, `--timeout`)."""

    max_running: int = field(default_factory=default_threads)
    """Answers running at once; default: the cores this process may use."""
    max_waiting: int = -1
    """Requests waiting for a place; -1: four per running place. 0: none wait."""
    timeout: float = 300.0
    """Seconds a request may run."""
    max_wait: float | None = None
    """Seconds a request may wait for a place; default: `timeout`."""

    def __post_init__(self) -> None:
        if self.max_running < 1:
            raise ValueError(f"max_running must be at least 1, got {self.max_running}")
        if self.max_waiting < -1:
            raise ValueError(f"max_waiting must be -1 (default) or more, got {self.max_waiting}")
        if not self.timeout > 0:
            raise ValueError(f"the request timeout must be positive, got {self.timeout}")
        if self.max_wait is not None and not self.max_wait > 0:
            raise ValueError(f"max_wait must be positive, got {self.max_wait}")

    @property
    def waiting(self) -> int:
        return 4 * self.max_running if self.max_waiting == -1 else self.max_waiting

    @property
    def wait(self) -> float:
        return self.timeout if self.max_wait is None else self.max_wait


class AnswerPool:
    """Pure ASGI middleware (streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp, limits: PoolLimits) -> None:
        self.app = app
        self.limits = limits
        self.places = asyncio.Semaphore(limits.max_running)
        self.waiting = 0
        self.seconds_per_answer = 5.0
        """A running mean of how long an answer takes, for `Retry-After`; 5 s before any."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not answers(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        if self.places.locked() and self.waiting >= self.limits.waiting:
            await self._busy(scope, receive, send, "the server is busy: every place is taken")
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.limits.wait):
                await self.places.acquire()
        except TimeoutError:
            await self._busy(scope, receive, send, f"no place freed within {self.limits.wait:g} s")
            return
        finally:
            self.waiting -= 1
        started = time.monotonic()
        try:
            await self._run(scope, receive, send)
        finally:
            self.places.release()
            elapsed = time.monotonic() - started
            self.seconds_per_answer += 0.2 * (elapsed - self.seconds_per_answer)

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: dict[str, bool] = {"started": False, "ended": False, "events": False}
        deadline = asyncio.timeout(self.limits.timeout)

        async def tracked(message: Message) -> None:
            if deadline.expired():  # LangServe turns the cancellation into a 500 event: dropped
                return
            if message["type"] == "http.response.start":
                response["started"] = True
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                response["events"] = content_type.startswith(b"text/event-stream")
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                response["ended"] = True
            await send(message)

        with cancel_scope():
            try:
                async with deadline:
                    await self.app(scope, receive, tracked)
            except TimeoutError:
                pass
        if not deadline.expired() or response["ended"]:
            return
        message = f"the answer took longer than {self.limits.timeout:g} s and was stopped"
        if not response["started"]:
            await error_response(Request(scope), 504, message, code="timeout")(scope, receive, send)
        else:
            body = b""
            if response["events"]:  # LangServe's error event, which RemoteRunnable raises
                data = json.dumps({"status_code": 504, "message": message})
                body = f"event: error\r\ndata: {data}\r\n\r\n".encode()
            await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _busy(self, scope: Scope, receive: Receive, send: Send, why: str) -> None:
        ahead = self.waiting + self.limits.max_running
        retry = max(1, math.ceil(self.seconds_per_answer * ahead / self.limits.max_running))
        response = error_response(
            Request(scope),
            503,
            f"{why} ({self.limits.max_running} running, {self.waiting} waiting); "
            f"retry after {retry} s",
            code="overloaded",
        )
        response.headers["Retry-After"] = str(retry)
        await response(scope, receive, send)
