"""`GET /answer?q=...`: the answer as the self-contained HTML page `m2io ask --html` writes, and a
small question form at `/`, so a person can try the server from a browser."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from langchain_core.runnables import Runnable
from starlette.concurrency import run_in_threadpool

from m2io_graph.render import to_html
from m2io_graph.settings_schema import bounds

_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>m2io</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto}}input[type=text]{{width:70%}}</style>
</head><body><h1>Ask the illustrated documents</h1>
<form action="answer" method="get"><input type="text" name="q" required autofocus
placeholder="How do I forward a local port through SSH?"> <button>Ask</button></form>
<p>{links}</p></body></html>
"""


def page_router(graph: Runnable, image_roots: Callable[[], Sequence[Path]]) -> APIRouter:
    """The page and the form; `image_roots` gives the folders local images may be read from
    (asked at each request: an ingest may run while the server does)."""
    router = APIRouter(tags=["answer page"])

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        links = " · ".join(
            f'<a href="{href}">{html.escape(text)}</a>'
            for href, text in (("m2io/playground/", "LangServe playground"), ("docs", "API docs"))
        )
        return _FORM.format(links=links)

    @router.get("/answer", response_class=HTMLResponse)
    async def answer(
        q: Annotated[str, Query(description="the question", min_length=1)],
        k: Annotated[int | None, Query(description="chunks to retrieve", **bounds("k"))] = None,
    ) -> str:
        """The interleaved answer as a standalone page (images inlined as data URIs)."""
        result = await graph.ainvoke({"query": q} | ({"k": k} if k else {}))
        return await run_in_threadpool(lambda: to_html(q, result, image_roots()))

    return router
