"""The FastAPI application behind `m2io serve`.

Routes:
- `/m2io/invoke|batch|stream|stream_log|stream_events|playground/` — the graph via LangServe;
- `/answer?q=...` — the answer as an HTML page, `/` — a question form;
- `/v1/chat/completions`, `/v1/models` — the inserter, OpenAI-compatible (with `openai=True`);
- `/health` — 200 once the models are loaded.

The routes that run models go through a bounded pool (admission.py): past it, 503 with
`Retry-After`; a request that runs too long is stopped with 504. On SIGTERM the server stops
accepting, answers what it has taken on, streams included, then exits.

With an API key, every route but `/health` requires `Authorization: Bearer <key>` (see auth.py).
No CORS headers are sent: a web page from another origin cannot read the answers.

Models are loaded during start-up, before the port opens: the first request is then as fast as
any other, and a missing model fails the start instead of the first caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from langserve import add_routes
from sse_starlette.sse import AppStatus
from starlette.concurrency import run_in_threadpool

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.store import NO_IMAGE_ROOTS
from m2io_graph.graph import build_graph
from m2io_graph.serving.admission import AnswerPool, PoolLimits
from m2io_graph.serving.auth import ApiKeyAuth, checked_key
from m2io_graph.serving.errors import install_error_handlers
from m2io_graph.serving.limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from m2io_graph.serving.openai_api import DEFAULT_MODEL_NAME, InserterEndpoint, openai_router
from m2io_graph.serving.page import page_router
from m2io_graph.serving.runnable import served_graph

log = logging.getLogger(__name__)


def _warm_up(cfg: M2IOConfig, endpoint: InserterEndpoint | None) -> None:
    models.embedder(cfg).embed_query("warm up")
    store = models.corpus_store(cfg)
    log.info("store %s holds %d chunks", store.location, store.count())
    if not store.image_roots():
        log.warning(NO_IMAGE_ROOTS)
    chat = models.generator_chat(cfg)
    if hasattr(chat, "load"):  # a local llama.cpp model: load its weights now
        chat.load()
    if endpoint is not None:
        endpoint.model.invoke("warm up", max_tokens=1)


def one_at_a_time(config: dict[str, Any], request: Request) -> dict[str, Any]:
    """A batch takes one place in the pool, so it answers its questions one after another
    (LangServe would start them all at once)."""
    if request.url.path.rstrip("/").endswith("/batch"):
        return {**config, "max_concurrency": 1}
    return config


def create_app(
    cfg: M2IOConfig | None = None,
    *,
    openai: bool = False,
    model_name: str = DEFAULT_MODEL_NAME,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    api_key: str | None = None,
    limits: PoolLimits | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """The app for settings `cfg` (default: environment + defaults); `openai` adds `/v1`;
    `api_key` closes every route but `/health` to requests without it; `limits` bound how many
    answers run and wait at once, and for how long (default: `PoolLimits()`)."""
    cfg = cfg or M2IOConfig.from_env()
    # sse-starlette ends every open stream when uvicorn is told to stop, made for endless
    # streams; ours end with their answer (within the pool's timeout), so they are drained.
    AppStatus.disable_automatic_graceful_drain()
    if api_key is not None:
        checked_key(api_key)  # now, not when the first request builds the middleware
    endpoint = InserterEndpoint(models.inserter_model(cfg), model_name) if openai else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm_up:
            await run_in_threadpool(_warm_up, cfg, endpoint)
        yield

    app = FastAPI(
        title="m2io",
        description="Answers with text and the right images in the right places (M2IO-R1).",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    # Middleware added later runs earlier: the key is checked first, then the body's size (so
    # an oversized body takes no place), then the request waits for a place in the pool.
    app.add_middleware(AnswerPool, limits=limits or PoolLimits())
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    if api_key is not None:
        app.add_middleware(ApiKeyAuth, api_key=api_key)
    graph = build_graph(cfg)  # one compiled graph behind both the API and the page
    add_routes(app, served_graph(graph, cfg), path="/m2io", per_req_config_modifier=one_at_a_time)
    app.include_router(page_router(graph, lambda: models.corpus_store(cfg).image_roots()))
    if endpoint is not None:
        app.include_router(openai_router(endpoint), prefix="/v1")

    @app.get("/health", tags=["health"])
    async def health() -> dict[str, object]:
        return {"status": "ok", "openai": endpoint is not None}

    return app
