"""The interleaved answer as Markdown (in the state) and as a self-contained HTML page.

Both walk the same sequence of blocks, and both take images only from the candidates, so an image
the inserter was not offered can never appear.
"""

from __future__ import annotations

import base64
import html
import mimetypes
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from m2io_graph.describe import describe
from m2io_graph.state import Candidate, Insertion

Block = tuple[str, Any]
"""("text", sentence-run) or ("image", Candidate)."""


def blocks(
    sentences: list[str],
    candidates: list[Candidate],
    insertions: list[Insertion],
    paragraph_ends: Sequence[int] = (),
) -> Iterator[Block]:
    """Runs of sentences, broken wherever an image goes and a paragraph ends, with the images
    in between."""
    by_id = {c["id"]: c for c in candidates}
    after: dict[int, list[Candidate]] = {}
    for insertion in insertions:
        if insertion["image_id"] in by_id:
            after.setdefault(insertion["after"], []).append(by_id[insertion["image_id"]])
    run: list[str] = []
    for number in range(len(sentences) + 1):
        if number:
            run.append(sentences[number - 1])
        if run and (number in after or number in paragraph_ends):
            yield "text", " ".join(run)
            run = []
        for image in after.get(number, []):
            yield "image", image
    if run:
        yield "text", " ".join(run)


def _title(image: Candidate) -> str:
    return image.get("caption") or image.get("alt") or describe(image) or "image"


def to_markdown(
    sentences: list[str],
    candidates: list[Candidate],
    insertions: list[Insertion],
    paragraph_ends: Sequence[int] = (),
) -> str:
    parts: list[str] = []
    for kind, value in blocks(sentences, candidates, insertions, paragraph_ends):
        if kind == "text":
            parts.append(value)
        else:
            alt = _title(value).replace("[", "(").replace("]", ")")
            line = f"![{alt}](<{value['path']}>)"
            if value.get("caption"):
                line += f"\n*{value['caption']}*"
            parts.append(line)
    return "\n\n".join(parts)


def _src(path: str) -> str:
    """Local files become data URIs so the page works when moved or mailed."""
    if path.startswith(("http://", "https://")):
        return path
    file = Path(path)
    if not file.is_file():
        return path
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode()}"


def to_html(question: str, result: Mapping[str, Any]) -> str:
    """A standalone page: the question, the interleaved answer, and the sources."""
    body: list[str] = []
    for kind, value in blocks(
        result.get("sentences") or [],
        result.get("candidates") or [],
        result.get("insertions") or [],
        result.get("paragraph_ends") or [],
    ):
        if kind == "text":
            body.append(f"<p>{html.escape(value)}</p>")
        else:
            body.append(
                f'<figure data-image-id="{html.escape(value["id"])}">'
                f'<img src="{html.escape(_src(value["path"]))}" alt="{html.escape(_title(value))}">'
                f"<figcaption>{html.escape(_title(value))}</figcaption></figure>"
            )
    sources = "".join(
        f"<li>{html.escape(d['title'] or d['doc_id'])} <small>({html.escape(d['source'])})</small></li>"
        for d in result.get("documents") or []
    )
    question = html.escape(question)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{question}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}
figure{{margin:1em 0}}img{{max-width:100%;border:1px solid #ddd}}
figcaption{{font-style:italic;color:#555}}</style></head>
<body><h1>{question}</h1>
<main class="answer">{"".join(body)}</main>
<h2>Sources</h2><ol>{sources}</ol></body></html>
"""
