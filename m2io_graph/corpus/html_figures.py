"""Which picture an <img> shows and what its caption is, across HTML conventions.

Captions come from <figure>/<figcaption> (HTML5, MkDocs, Wikipedia), `*caption*` classes
(docutils, WordPress), DocBook/publican's <p class="title">Figure 9.3. …</p>, or a line written
right under a bare image (Markdown's `*Figure: …*`). The "Figure N." label is dropped: numbering
means nothing once the image moves into an answer.
"""

from __future__ import annotations

import re

from bs4 import NavigableString, PageElement, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

from m2io_graph.corpus.sources import clean_text

FIGURE_CLASSES = frozenset({"figure", "informalfigure", "wp-caption", "thumb"})
CAPTION_CLASS = re.compile(r"caption")
FIGURE_LABEL = re.compile(
    r"^\s*fig(?:ure)?\.?\s*"
    r"(?:(?:[A-Z]\.)?\d+(?:[.\-]\d+)*\s*[.:\u2013\u2014-]?|[:\u2013\u2014-])\s*",
    re.I,
)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?)])(?=\s|$)")
_SPACE_INSIDE_QUOTES = re.compile(r"(\u201c)\s+|\s+(\u201d)")
NON_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
"""Strings in the tree that are not text a reader sees."""


def classes(tag: Tag) -> set[str]:
    """Lower-cased class names (class matching in HTML is case-insensitive in practice)."""
    return {str(c).lower() for c in tag.get("class") or []}


def is_figure(tag: Tag) -> bool:
    """A figure container holding an image; a <figure> around code or a quote is plain text."""
    return (tag.name == "figure" or bool(classes(tag) & FIGURE_CLASSES)) and (
        tag.find("img") is not None
    )


def figure_caption(figure: Tag, img: Tag | None = None) -> str:
    """The figure's caption: its title, then a distinct description when the figure has both.

    The title is a <figcaption> or DocBook's <p class="title">Figure 9.3. …</p>; the description
    is an element with a `*caption*` class (docutils, WordPress), which DocBook XSL also writes
    for a mediaobject's long caption beside the figure title ("This image shows …"). Keeping
    both gives the short label first and the explanation after it.

    With `img`, the description is that image's own: a figure of several images, each in a
    mediaobject with its caption (GIMP's "Original image" / "Filter applied"), gives each image
    its caption, not the first one's; a caption that belongs to another image is never used.
    """
    title = figure.find("figcaption") or figure.find(class_="title")
    described = figure.find(class_=CAPTION_CLASS) if img is None else _image_caption(figure, img)
    parts: list[str] = []
    for found in (title, described):
        if not isinstance(found, Tag) or (found is described and _nested(found, title)):
            continue
        text = clean_caption(found.get_text(" "))
        if text and text not in parts:
            parts.append(text)
    head = [part if part[-1] in ".!?:" else part + "." for part in parts[:-1]]
    return " ".join([*head, *parts[-1:]])


def _image_caption(figure: Tag, img: Tag) -> Tag | None:
    """The caption-class element of `img` inside `figure`: one in the smallest container that
    holds `img` and no other image, else one that no single image's container holds."""
    node = img.parent
    while node is not None and node is not figure and len(node.find_all("img")) == 1:
        if isinstance(found := node.find(class_=CAPTION_CLASS), Tag):
            return found
        node = node.parent
    for found in figure.find_all(class_=CAPTION_CLASS):
        holder = next((p for p in found.parents if p is figure or p.find("img")), figure)
        if holder is figure or len(holder.find_all("img")) > 1:
            return found
    return None


def _nested(tag: Tag, other: PageElement | None) -> bool:
    """Whether one of the two elements is, or is inside, the other (a caption-class span inside
    a <figcaption> is the same caption, not a second one)."""
    if not isinstance(other, Tag):
        return False
    inside = any(p is other for p in tag.parents) or any(p is tag for p in other.parents)
    return tag is other or inside


def _meaningful(nodes: list[PageElement]) -> list[PageElement]:
    """Nodes that show something: not blank strings, <br> or comments."""
    return [
        n
        for n in nodes
        if not (isinstance(n, NavigableString) and not n.strip())
        and getattr(n, "name", "") != "br"
        and not isinstance(n, NON_TEXT)
    ]


def _is_italic_line(tag: Tag) -> bool:
    if tag.name in ("em", "i"):
        return True
    inner = _meaningful(list(tag.children))
    return tag.name == "p" and len(inner) == 1 and getattr(inner[0], "name", "") in ("em", "i")


def _is_figure_line(text: str) -> bool:
    """A short "Figure 4. …" / "Fig. 2: …" line; "Figure 3 shows that …" is body text."""
    label = FIGURE_LABEL.match(text)
    return (
        label is not None and label.group().rstrip()[-1:] in ".:\u2013\u2014-" and len(text) < 300
    )


def sibling_caption(img: Tag) -> Tag | None:
    """A caption written right after a bare image: an element with a caption class, an italic
    line (`*Figure: …*` in Markdown), or a "Figure N" line."""
    anchor = img
    while anchor.parent is not None and len(_meaningful(list(anchor.parent.children))) == 1:
        if anchor.parent.name in ("body", "main", "article", "figure"):
            break
        anchor = anchor.parent
    following = _meaningful(list(anchor.next_siblings))
    if not following or not isinstance(following[0], Tag):
        return None
    candidate = following[0]
    inline = candidate.name in ("em", "i")
    if inline and (len(following) > 1 or _meaningful(list(anchor.previous_siblings))):
        return None
    if (
        CAPTION_CLASS.search(" ".join(classes(candidate)))
        or _is_italic_line(candidate)
        or (candidate.name == "p" and _is_figure_line(candidate.get_text()))
    ):
        return candidate
    return None


def clean_caption(text: str) -> str:
    """A caption without its "Figure 9.3." / "Fig. 2:" / "Figure:" label.

    Captions are read with a space between elements (so paragraphs do not run together), which
    leaves one before punctuation that followed inline markup (`<b>sqlite3</b>.`), and inside
    curly quotes that DocBook writes as markup (`<span class="quote">“<span>Blur</span>”</span>`);
    they go.
    """
    text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", FIGURE_LABEL.sub("", clean_text(text), count=1))
    return _SPACE_INSIDE_QUOTES.sub(lambda m: m.group(1) or m.group(2), text)


def pick_src(img: Tag) -> str | None:
    """`src`, else a lazy-loading `data-src`, else the first `srcset` candidate (also from a
    <picture>'s <source>); a placeholder data: URI in `src` yields to a real lazy source."""
    src = str(img.get("src") or "").strip()
    lazy = str(img.get("data-src") or img.get("data-original") or "").strip()
    if lazy and (not src or src.startswith("data:")):
        return lazy
    if src:
        return src
    srcsets = [img.get("srcset"), img.get("data-srcset")]
    if img.parent is not None and img.parent.name == "picture":
        srcsets += [s.get("srcset") for s in img.parent.find_all("source")]
    for srcset in srcsets:
        first = str(srcset or "").split(",")[0].strip().split(" ")[0]
        if first:
            return first
    return None
