"""Markdown files → the same shape as HTML pages.

Markdown is rendered with markdown-it-py (CommonMark: inline and reference-style images, raw
<img> tags, titles) and the HTML is read by the HTML walk, so both formats share one set of
rules for reading order, captions, chrome and image paths.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from m2io_graph.corpus.document import ParsedDocument
from m2io_graph.corpus.html_loader import parse_html
from m2io_graph.corpus.sources import MAX_FILE_BYTES, LoadError, clean_text, read_bytes

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:\s*['\"]?(.*?)['\"]?\s*$", re.M)


MAX_NESTING = 100
"""Blocks nested deeper (quotes in lists in quotes...) are left out, and the report says so.
markdown-it recurses once per level; 100 keeps it far below Python's recursion limit (links
overflow it near 330 levels), and no real document nests half as deep. The CommonMark preset's
20 silently dropped the text of lists nested more than ten deep."""


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "maxNesting": MAX_NESTING}).enable("table")


def load_markdown(
    path: Path, *, doc_id: str, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES
) -> ParsedDocument:
    """Read one Markdown file (UTF-8); raises LoadError if it cannot be read or decoded, or is
    larger than `max_bytes`.

    Title: the front matter's `title:`, else the first `# heading`, else the file name.
    Caption: the image's title (`![alt](src "title")`) or an italic line right below it.
    """
    try:
        text = read_bytes(path, max_bytes).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(path, f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    title = ""
    if front := _FRONT_MATTER.match(text):
        text = text[front.end() :]
        if found := _FRONT_TITLE.search(front.group(1)):
            title = clean_text(found.group(1))
    renderer = _renderer()
    tokens = renderer.parse(text)
    markup = renderer.renderer.render(tokens, renderer.options, {})
    doc = parse_html(markup, source=path, doc_id=doc_id, root=root, title_is_caption=True)
    if title:
        doc.title = title
    if any(token.level >= MAX_NESTING - 1 for token in tokens):
        doc.skipped.append(
            f"{path}: blocks nested more than {MAX_NESTING} levels deep; their text was left out"
        )
    return doc
