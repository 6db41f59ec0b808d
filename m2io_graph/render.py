"""The interleaved answer as Markdown (in the state) and as a self-contained HTML page.

Both walk the same sequence of blocks, and both take images only from the candidates, so an image
the inserter was not offered can never appear.

Everything that comes from a document (its sentences, alt text, captions, titles, file names) is
untrusted: other people's chat UIs render the Markdown, browsers the page. So no document text
becomes markup in either, an image is linked only by an http(s), `data:image/` or local file
reference (`javascript:` and the like are dropped), and the page reads a local file only inside a
folder the store was ingested from.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from m2io_graph.corpus.image_files import BadImage, check_image
from m2io_graph.describe import describe
from m2io_graph.state import Candidate, Insertion

Block = tuple[str, Any]
"""("text", sentence-run) or ("image", Candidate)."""

_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
"""A `<` that Markdown would read as the start of raw HTML or an autolink."""
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
"""A code span: text between two backtick runs of the same length, as CommonMark reads it."""
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]])")
_UNSAFE_IN_URL = re.compile(r"[<>\\\"'`]")
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_PAGE_POLICY = "default-src 'none'; img-src data: http: https:; style-src 'unsafe-inline'"
"""The page runs no script at all, whatever slipped into it; images come inline or from the web."""


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


def cited(image: Candidate) -> str:
    """Where a figure of a paged document comes from ("manual.pdf, p. 12"); "" for web pages,
    whose figures are on the page the answer's sources name."""
    page = image.get("page")
    if page is None:
        return ""
    return f"{image['doc_id'].partition('#')[0]}, p. {page}"


def markdown_text(text: str) -> str:
    """A run of answer text with no HTML in it for a Markdown renderer: `<script>`, `<img
    onerror=...>` and autolinks lose their `<` to `&lt;`; `a < b` stays as it is, and so does
    a code span (`` `ssh -L <port>` ``), where Markdown reads no HTML and shows `&lt;` as is."""
    parts, start = [], 0
    for span in _CODE_SPAN.finditer(text):
        parts += [_TAG_OPENER.sub("&lt;", text[start : span.start()]), span.group()]
        start = span.end()
    return "".join([*parts, _TAG_OPENER.sub("&lt;", text[start:])])


def markdown_label(text: str) -> str:
    """Alt text or a caption as Markdown shows it literally, on one line: HTML as entities, and
    the characters that would end the image's brackets or its caption's emphasis escaped."""
    escaped = html.escape(" ".join(text.split()), quote=False)
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", escaped)


def image_url(path: str) -> str | None:
    """The reference an answer may link an image by: an http(s) URL, a `data:image/` URI, or a
    local file (an absolute path or a `file:` URL); None for anything else (`javascript:`,
    `data:text/html`, relative or malformed references, control characters)."""
    if not path or path != path.strip() or any(ord(c) < 0x20 or c == "\x7f" for c in path):
        return None
    if _local_path(path) is not None:
        return path
    scheme = urlsplit(path).scheme.lower()
    if scheme in ("http", "https") or (scheme == "data" and path[5:].lower().startswith("image/")):
        return path
    return None


def _local_path(url: str) -> str | None:
    """The file an absolute path or `file:` URL names; None for other references (`//host/x`
    is a web address)."""
    if (url.startswith("/") and not url.startswith("//")) or _DRIVE.match(url):
        return url
    if urlsplit(url).scheme.lower() == "file":
        return unquote(urlsplit(url).path)
    return None


def to_markdown(
    sentences: list[str],
    candidates: list[Candidate],
    insertions: list[Insertion],
    paragraph_ends: Sequence[int] = (),
) -> str:
    parts: list[str] = []
    for kind, value in blocks(sentences, candidates, insertions, paragraph_ends):
        if kind == "text":
            parts.append(markdown_text(value))
        elif (url := image_url(value["path"])) is not None:
            # percent-encoded: the pointy brackets of a destination, backslash escapes, quotes
            destination = _UNSAFE_IN_URL.sub(lambda m: f"%{ord(m.group()):02X}", url)
            line = f"![{markdown_label(_title(value))}](<{destination}>)"
            caption = " — ".join(filter(None, (value.get("caption") or "", cited(value))))
            if caption := markdown_label(caption):
                line += f"\n*{caption}*"
            parts.append(line)
    return "\n\n".join(parts)


def _src(path: str, roots: Sequence[Path]) -> str | None:
    """What the page's <img> shows: a web URL or data URI as it is; a local file inlined as a
    data URI (so the page works when moved or mailed) when it lies in one of `roots` and is an
    image; else None, and the figure is left out."""
    url = image_url(path)
    local = _local_path(url) if url is not None else None
    if local is None:
        return url
    try:
        file = Path(local).resolve()
    except (OSError, ValueError):  # a NUL in the path, a symlink loop
        return None
    if not any(file.is_relative_to(root) for root in roots) or not file.is_file():
        return None
    try:
        check_image(file)
    except BadImage:
        return None
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(file.read_bytes()).decode()}"


def file_link(source: str, page: int) -> str:
    """A local file at a page, for a page opened from disk (PDF viewers open `#page=N`)."""
    return Path(source).as_uri() + f"#page={page}"


def _link(image: Candidate, files: Mapping[str, str], link: Callable[[str, int], str]) -> str:
    """A link to the file the figure came from, at its page ("" for web pages' figures)."""
    where = cited(image)
    source = files.get(image["doc_id"], "")
    if not where:
        return ""
    if not source.startswith("/"):
        return f" <cite>— {html.escape(where)}</cite>"
    href = link(source, int(image["page"]))
    return f' <cite>— <a href="{html.escape(href)}">{html.escape(where)}</a></cite>'


def to_html(
    question: str,
    result: Mapping[str, Any],
    image_roots: Sequence[Path] = (),
    link: Callable[[str, int], str] = file_link,
) -> str:
    """A standalone page: the question, the interleaved answer, and the sources.

    Local images are read only inside `image_roots` (the folders the store was ingested from:
    `CorpusStore.image_roots()`); with none, the page shows web images only. A figure of a PDF
    links to its file and page through `link` (a server links to its own `/source` route).
    """
    roots = [Path(root).resolve() for root in image_roots]
    files = {d["doc_id"]: d["source"] for d in result.get("documents") or []}
    body: list[str] = []
    for kind, value in blocks(
        result.get("sentences") or [],
        result.get("candidates") or [],
        result.get("insertions") or [],
        result.get("paragraph_ends") or [],
    ):
        if kind == "text":
            body.append(f"<p>{html.escape(value)}</p>")
        elif (src := _src(value["path"], roots)) is not None:
            body.append(
                f'<figure data-image-id="{html.escape(value["id"])}">'
                f'<img src="{html.escape(src)}" alt="{html.escape(_title(value))}">'
                f"<figcaption>{html.escape(_title(value))}{_link(value, files, link)}</figcaption>"
                "</figure>"
            )
    sources = "".join(
        f"<li>{html.escape(d['title'] or d['doc_id'])} <small>({html.escape(d['source'])})</small></li>"
        for d in result.get("documents") or []
    )
    question = html.escape(question)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_PAGE_POLICY}">
<title>{question}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}
figure{{margin:1em 0}}img{{max-width:100%;border:1px solid #ddd}}
figcaption{{font-style:italic;color:#555}}</style></head>
<body><h1>{question}</h1>
<main class="answer">{"".join(body)}</main>
<h2>Sources</h2><ol>{sources}</ol></body></html>
"""
