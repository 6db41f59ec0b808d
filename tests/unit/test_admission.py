"""The answer pool in front of a small ASGI app whose answers take as long as a test needs:
who runs, who waits, who gets 503 with Retry-After, and what a request that runs too long gets."""

import asyncio
import contextvars
import threading

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from m2io_graph.cancellation import current_scope
from m2io_graph.serving.admission import AnswerPool, PoolLimits, answers


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    ("method", "path", "counted"),
    [
        ("POST", "/m2io/invoke", True),
        ("POST", "/m2io/stream_events", True),
        ("POST", "/m2io/c/N4XyA/batch", True),  # the playground's config-in-path routes
        ("GET", "/answer", True),
        ("POST", "/v1/chat/completions", True),
        ("GET", "/health", False),
        ("GET", "/m2io/config_schema", False),
        ("GET", "/m2io/playground/index.html", False),
        ("GET", "/v1/models", False),
        ("GET", "/docs", False),
    ],
)
def test_only_the_routes_that_run_models_take_a_place(method, path, counted):
    assert answers(method, path) is counted


def test_limits_are_checked_and_the_queue_defaults_to_four_per_place():
    assert PoolLimits(max_running=3).waiting == 12
    assert PoolLimits(max_running=1, max_waiting=0).waiting == 0
    assert PoolLimits().max_running >= 1
    assert PoolLimits(timeout=10).wait == 10 and PoolLimits(timeout=10, max_wait=2).wait == 2
    for bad in ({"max_running": 0}, {"max_waiting": -2}, {"timeout": 0}, {"max_wait": -1}):
        with pytest.raises(ValueError):
            PoolLimits(**bad)


class SlowAnswers:
    """Answers that take `seconds`, running in a worker thread like a graph's sync node; the
    thread records whether the request's cancel scope stopped it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stopped = threading.Event()
        self.running = 0
        self.most_running = 0

    def work(self) -> str:
        scope = current_scope()
        assert scope is not None
        if scope.wait(self.seconds):
            self.stopped.set()
            return "stopped"
        return "done"

    async def answer(self) -> str:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, contextvars.copy_context().run, self.work)
        finally:
            self.running -= 1

    def app(self, limits: PoolLimits) -> AnswerPool:
        async def invoke(request: Request) -> JSONResponse:
            return JSONResponse({"output": await self.answer()})

        async def stream(request: Request) -> StreamingResponse:
            async def events():
                yield "event: data\r\ndata: {}\r\n\r\n"
                yield f"event: data\r\ndata: {await self.answer()}\r\n\r\n"
                yield "event: end\r\n\r\n"

            return StreamingResponse(events(), media_type="text/event-stream")

        async def health(request: Request) -> JSONResponse:
            return JSONResponse({"status": "ok"})

        routes = [
            Route("/m2io/invoke", invoke, methods=["POST"]),
            Route("/m2io/stream", stream, methods=["POST"]),
            Route("/health", health),
        ]
        return AnswerPool(Starlette(routes=routes), limits)


def client(app: AnswerPool) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://m2io")


@pytest.mark.anyio
async def test_past_the_pool_and_queue_requests_get_503_with_retry_after():
    slow = SlowAnswers(0.5)
    async with client(slow.app(PoolLimits(max_running=2, max_waiting=1, timeout=30))) as http:
        replies = await asyncio.gather(*(http.post("/m2io/invoke") for _ in range(6)))
        health = await http.get("/health")
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 200, 200, 503, 503, 503]
    assert slow.most_running == 2
    for busy in (r for r in replies if r.status_code == 503):
        assert int(busy.headers["Retry-After"]) >= 1
        assert "busy" in busy.json()["error"] and "retry after" in busy.json()["error"]
    assert health.status_code == 200


@pytest.mark.anyio
async def test_health_is_answered_while_every_place_is_taken():
    slow = SlowAnswers(1.0)
    async with client(slow.app(PoolLimits(max_running=1, max_waiting=0, timeout=30))) as http:
        running = asyncio.create_task(http.post("/m2io/invoke"))
        await asyncio.sleep(0.2)
        health = await asyncio.wait_for(http.get("/health"), 0.5)
        assert health.status_code == 200
        assert (await running).status_code == 200


@pytest.mark.anyio
async def test_a_request_that_runs_too_long_gets_504_and_its_thread_is_stopped():
    slow = SlowAnswers(30)
    async with client(slow.app(PoolLimits(max_running=1, timeout=0.3))) as http:
        reply = await http.post("/m2io/invoke")
    assert reply.status_code == 504 and "longer than 0.3 s" in reply.json()["error"]
    assert slow.stopped.wait(2)


@pytest.mark.anyio
async def test_a_stream_that_runs_too_long_ends_with_an_error_event():
    slow = SlowAnswers(30)
    async with client(slow.app(PoolLimits(max_running=1, timeout=0.3))) as http:
        reply = await http.post("/m2io/stream")
    assert reply.status_code == 200
    assert reply.text.startswith("event: data")
    assert 'event: error\r\ndata: {"status_code": 504' in reply.text
    assert "event: end" not in reply.text
    assert slow.stopped.wait(2)


@pytest.mark.anyio
async def test_a_request_that_waits_too_long_for_a_place_gets_503():
    slow = SlowAnswers(30)
    limits = PoolLimits(max_running=1, max_waiting=4, timeout=1.0, max_wait=0.3)
    async with client(slow.app(limits)) as http:
        first, second = await asyncio.gather(http.post("/m2io/invoke"), http.post("/m2io/invoke"))
    assert first.status_code == 504
    assert second.status_code == 503 and "no place freed within 0.3 s" in second.json()["error"]
