"""`GET /answer?q=...`: the answer as the self-contained HTML page `m2io ask --html` writes, a
small question form at `/`, so a person can try the server from a browser, and `GET /source`,
the PDF a figure came from (only PDFs inside the ingested folders), which the page links to at
the figure's page."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse
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
        return await run_in_threadpool(lambda: to_html(q, result, image_roots(), _served))

    @router.get("/source", response_class=FileResponse)
    async def source(path: Annotated[str, Query(description="a PDF the store was built from")]):
        """The PDF, if it lies in an ingested folder; anything else is 404, whatever it is."""
        try:
            file = Path(path).resolve()
        except (OSError, ValueError):
            file = Path()
        inside = any(file.is_relative_to(root.resolve()) for root in image_roots())
        if not (inside and file.suffix.lower() == ".pdf" and file.is_file()):
            raise HTTPException(404, "no such source document")
        return FileResponse(file, media_type="application/pdf")

    return router


def _served(source: str, page: int) -> str:
    """The answer page's link to a PDF at a page, through `/source` (a browser will not follow a
    `file:` link from a page served over HTTP)."""
    return f"source?path={quote(source)}#page={page}"
