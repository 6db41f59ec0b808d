"""HTML pages → text blocks and images in reading order.

The position of an image among the sentences is the gold placement the inserter learns from, so
the walk keeps document order exactly: text before an image is flushed as its own block first.
Markdown is rendered to HTML and read by the same walk (see markdown_loader).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from bs4 import (
    BeautifulSoup,
    NavigableString,
    PageElement,
    Tag,
    UnicodeDammit,
    XMLParsedAsHTMLWarning,
)

from m2io_graph.corpus.chrome import is_chrome_container, is_chrome_image
from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.html_figures import (
    NON_TEXT,
    classes,
    clean_caption,
    figure_caption,
    is_figure,
    pick_src,
    sibling_caption,
)
from m2io_graph.corpus.sources import (
    MAX_FILE_BYTES,
    LoadError,
    clean_text,
    read_bytes,
    resolve_image,
)
from m2io_graph.text import cut_at_word

CODE_LINES = 6
CODE_CHARS = 400
"""Code blocks are kept short: their words help retrieval a little, their bulk would not."""

_BLOCK_TAGS = frozenset(
    (
        "address article aside blockquote caption dd details div dl dt fieldset figcaption "
        "figure h1 h2 h3 h4 h5 h6 hr li main ol p section summary table tbody tfoot thead tr "
        "ul"
    ).split()
)
_SKIP_TAGS = frozenset(
    (
        "script style noscript template head svg math iframe object embed canvas form button "
        "input select textarea video audio"
    ).split()
)
_JUNK_CLASSES = frozenset({"headerlink", "hash-link", "mw-editsection", "anchorjs-link"})
"""Permalink markers (¶, #, [edit]) that sit inside headings."""


def load_html(
    path: Path, *, doc_id: str, root: Path | None = None, max_bytes: int = MAX_FILE_BYTES
) -> ParsedDocument:
    """Read one HTML file; raises LoadError if it cannot be read, is not text or is larger than
    `max_bytes`."""
    markup = decode_html(read_bytes(path, max_bytes), path)
    return parse_html(markup, source=path, doc_id=doc_id, root=root)


def decode_html(data: bytes, path: Path) -> str:
    """Bytes → text, honouring a BOM or <meta charset>; binary data is refused."""
    markup = UnicodeDammit(data, is_html=True).unicode_markup
    if markup is None or "\x00" in markup:
        raise LoadError(path, "not a text file (binary or undecodable content)")
    return markup


def parse_html(
    markup: str,
    *,
    source: Path,
    doc_id: str,
    root: Path | None = None,
    title_is_caption: bool = False,
) -> ParsedDocument:
    """Parse HTML text into a ParsedDocument; relative image paths are taken from `source`'s folder.

    `title_is_caption`: Markdown's `![alt](src "title")` title is the author's caption, while an
    HTML `title` attribute is a tooltip, used only when `alt` is missing.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)  # XHTML reads fine as HTML
        soup = BeautifulSoup(markup, "lxml")
    content = _content_root(soup)
    doc = ParsedDocument(doc_id=doc_id, title=_title(soup, source), source=str(source))
    _Walker(doc, content, source.parent, root, title_is_caption).walk()
    return doc


def _content_root(soup: BeautifulSoup) -> Tag:
    """The main content area when the page marks one, so site chrome around it is never read;
    else the whole document (parsers move text that follows a stray </body> outside the body)."""
    for found in (soup.find("main"), soup.find(attrs={"role": "main"}), soup.find("article")):
        if isinstance(found, Tag):
            return found
    return soup


def _title(soup: BeautifulSoup, source: Path) -> str:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag) and (text := clean_text(tag.get_text(" "))):
            return text
    return source.stem


def short_code(text: str) -> str:
    """The first lines of a code block, marked with … when cut."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    head = "\n".join(lines[:CODE_LINES])
    cut = cut_at_word(head, CODE_CHARS)
    return cut + (" …" if len(lines) > CODE_LINES or cut != head else "")


class _Walker:
    """One pass over the content in document order, buffering inline text between blocks.

    The pass keeps its own stack instead of recursing: markup nested a few thousand elements
    deep (generated pages, or a hostile one) would exceed Python's recursion limit.
    """

    def __init__(
        self, doc: ParsedDocument, content: Tag, base: Path, root: Path | None, title_caption: bool
    ) -> None:
        self.doc, self.content, self.base, self.root = doc, content, base, root
        self.title_caption = title_caption
        self.buffer: list[str] = []
        self.consumed: set[int] = set()

    def flush(self) -> None:
        text = clean_text("".join(self.buffer)).strip(" |")
        self.buffer.clear()
        if text:
            self.doc.segments.append(text)

    def walk(self) -> None:
        """Visit the content's children depth-first; a block's end (None on the stack) flushes
        the text read inside it."""
        stack: list[Iterator[PageElement] | None] = [iter(self.content.children)]
        while stack:
            children = stack[-1]
            if children is None:
                stack.pop()
                self.flush()
                continue
            child = next(children, None)
            if child is None:
                stack.pop()
            elif isinstance(child, NavigableString):
                if not isinstance(child, NON_TEXT):
                    self.buffer.append(str(child))
            elif isinstance(child, Tag) and self.visit(child):
                if child.name in _BLOCK_TAGS:
                    self.flush()
                    stack.append(None)
                stack.append(iter(child.children))
        self.flush()

    def visit(self, tag: Tag) -> bool:
        """Handle `tag` itself; True when the walk should go on into its children."""
        if (
            id(tag) in self.consumed
            or tag.name in _SKIP_TAGS
            or tag.has_attr("hidden")
            or classes(tag) & _JUNK_CLASSES
            or is_chrome_container(tag)
        ):
            return False
        if tag.name == "img":
            self.image(tag, caption=None)
        elif is_figure(tag):
            for img in tag.find_all("img"):
                self.image(img, caption=figure_caption(tag, img))
        elif tag.name == "pre":
            self.flush()
            self.doc.segments.append(short_code(tag.get_text()))
        elif tag.name == "br":
            self.buffer.append("\n")
        else:
            if tag.name in ("td", "th") and tag.find_previous_sibling(("td", "th")):
                self.buffer.append(" | ")
            return True
        return False

    def image(self, img: Tag, caption: str | None) -> None:
        """Emit an ImageSpec after the text so far, unless it is chrome or cannot be resolved."""
        if is_chrome_image(img, self.content):
            return
        ref = pick_src(img)
        if ref is None:
            self.doc.skipped.append(f"{self.doc.source}: <img> without a usable src: {img}"[:300])
            return
        resolved = resolve_image(ref, self.base, self.root)
        if resolved.problem:
            self.doc.skipped.append(f"{self.doc.source}: {resolved.problem}")
            return
        if resolved.tiny or resolved.src is None:
            return
        title = clean_text(str(img.get("title") or ""))
        alt = clean_text(str(img.get("alt") or "")) or ("" if self.title_caption else title)
        if caption is None:
            caption = title if self.title_caption else ""
            sibling = None if caption else sibling_caption(img)
            if sibling is not None:
                self.consumed.add(id(sibling))
                caption = clean_caption(sibling.get_text(" "))
        self.flush()
        self.doc.segments.append(ImageSpec(src=resolved.src, alt=alt, caption=caption))
