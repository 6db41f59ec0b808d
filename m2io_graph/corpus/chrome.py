"""Telling navigation chrome from content images.

A documentation page shows far more pictures than figures: logos, prev/next/home arrows, icons
before admonitions, numbered callout bullets in code, badges, avatars, spacers and tracking
pixels. Offered as answer candidates they are noise the inserter would have to learn to ignore,
so loaders drop them here. The rules are generic (containers, names, declared sizes, what the
image links to) rather than tuned to one site generator, because a corpus may come from
DocBook/publican, Sphinx, MkDocs, Docusaurus, GitHub-rendered READMEs or wiki pages.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from bs4 import Tag
from PIL import Image

MIN_DECLARED_PX = 32
"""A width or height attribute below this is an icon, bullet or spacer, not a figure."""
MIN_FILE_PX = 48
"""A file whose both sides are below this is an icon (16-32 px) or a 1x1 pixel."""

_NAV_TAGS = frozenset({"nav", "header", "footer", "menu"})
_NAV_ROLES = frozenset("navigation banner contentinfo menubar menu toolbar search doc-toc".split())
_NAV_TOKEN = re.compile(
    r"^(?:nav\w*|\w+nav|menu\w*|\w+menu|\w+sidebar|breadcrumbs?|toolbar|banner|masthead|"
    r"topbar|header|footer|pagination|pager|toc|toctree|noprint|ambox|mbox|logo)$"
)
"""Class/id words of navigation containers. A bare `sidebar` is not among them: DocBook, reST
and AsciiDoc use it for boxed asides that belong to the text; site sidebars are `sphinxsidebar`,
`md-sidebar` (inside a <nav>) and the like."""
_HEADER_TOKENS = frozenset({"header", "masthead"})

_ICON_WORDS = frozenset(
    (
        "icon logo favicon emoji avatar badge sprite spacer bullet arrow beacon tracking caret "
        "chevron button btn"
    ).split()
)
"""Words that mark an image as chrome wherever they appear in its class, id or file name."""
_ICON_CLASSES = _ICON_WORDS | {"callout"}
"""DocBook marks callout bullets `class="callout"`; in a file name the word is no proof
(`main-window-callouts.png` is a screenshot annotated with callouts), so there it counts only
as one of the _NAV_WORDS (`callout-3.png`)."""
_NAV_WORDS = frozenset(
    (
        "prev previous next up down left right home top back forward go stock nav first last "
        "blank clear transparent dot pixel 1x1 note tip warning caution important danger info "
        "small callout"
    ).split()
)
"""Words that mark a file name as chrome only when it is made of nothing else (`stock-go-up.png`,
`next.gif`, `note.png`): a figure called `home-network.png` stays content."""
_ICON_DIRS = frozenset(
    (
        "icons icon emoji emojis smilies smileys callouts badges buttons arrows logos sprites "
        "navigation"
    ).split()
)
_CHROME_HOSTS = tuple(
    (
        "shields.io badge.fury.io badgen.net travis-ci.org travis-ci.com codecov.io coveralls.io "
        "circleci.com google-analytics.com doubleclick.net pixel.wp.com stats.wp.com gravatar.com "
        "avatars.githubusercontent.com"
    ).split()
)
"""Badge, analytics and avatar services: never a figure of the document."""
_HOME_PAGES = frozenset({"", "/", ".", "./", "index.html", "index.htm", "index.php"})
_WORD = re.compile(r"[a-z0-9]+")
_PX = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")
_STYLE_PX = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_INLINE_TAGS = frozenset(
    (
        "a abbr b cite code em i img kbd label mark q s samp small span strong sub sup time "
        "tt u var"
    ).split()
)
_PAGE_TAGS = frozenset({"html", "body", "[document]"})


def _tokens(value: str | list[str] | None) -> list[str]:
    """Lower-case words of a class list or id, split at spaces, dashes and underscores."""
    if not value:
        return []
    text = " ".join(value) if isinstance(value, list) else str(value)
    return [t for t in re.split(r"[\s_\-]+", text.lower()) if t]


def _attr_tokens(tag: Tag) -> list[str]:
    return _tokens(tag.get("class")) + _tokens(tag.get("id"))  # type: ignore[arg-type]


def _holds_main_heading(tag: Tag) -> bool:
    """Whether the page's first <h1> is inside `tag`: then `tag` is the content, whatever it is
    called (Read the Docs wraps the whole page in `wy-nav-content`).

    Searched from `tag` down, then back from its heading: a search of the whole page for each
    nav-like element made a page of many of them quadratic (20,000 took minutes)."""
    heading = tag.find("h1")
    return heading is not None and heading.find_previous("h1") is None


def is_chrome_container(tag: Tag) -> bool:
    """True for site navigation and page furniture: nav bars, menus, breadcrumbs, prev/next
    bars, tables of contents, banners, site headers and footers.

    Loaders skip these elements whole (text and images). <html>, <body> and inline elements
    never count (a body class such as `navigation-with-keyboard` describes the page; DocBook's
    `guimenu` and Sphinx's `menuselection` are words of the text), nor does a container holding
    the page's main heading, nor a header holding a heading (an article's own title block).
    """
    if tag.name in _INLINE_TAGS or tag.name in _PAGE_TAGS:
        return False
    tokens = _attr_tokens(tag)
    role = str(tag.get("role") or "").lower()
    if not (
        tag.name in _NAV_TAGS or role in _NAV_ROLES or any(_NAV_TOKEN.match(t) for t in tokens)
    ):
        return False
    header_like = tag.name == "header" or any(t in _HEADER_TOKENS for t in tokens)
    if header_like and tag.find(_HEADINGS) is not None:
        return False
    return not _holds_main_heading(tag)


def declared_size_too_small(img: Tag) -> bool:
    """True when the page itself says the image is tiny (width/height attribute or inline CSS)."""
    sizes = [str(img.get(name) or "") for name in ("width", "height")]
    sizes += [m.group(2) for m in _STYLE_PX.finditer(str(img.get("style") or ""))]
    for size in sizes:
        match = _PX.match(size)
        if match and float(match.group(1)) < MIN_DECLARED_PX:
            return True
    return False


def _src_looks_like_chrome(src: str) -> bool:
    """Badge/analytics hosts, icon folders, and file names made of icon or navigation words."""
    parts = urlsplit(src)
    host = (parts.hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in _CHROME_HOSTS):
        return True
    path = PurePosixPath(unquote(parts.path).lower())
    if any(folder in _ICON_DIRS for folder in path.parent.parts):
        return True
    words = _WORD.findall(path.stem)
    if any(w in _ICON_WORDS or w.rstrip("s") in _ICON_WORDS for w in words):
        return True
    named = [w for w in words if not w.isdigit()]
    return bool(named) and all(w in _NAV_WORDS for w in named)


def _alt_looks_like_chrome(alt: str) -> bool:
    """Callout numbers ("1", "(2)"), admonition labels ("[Note]"), "Next", "Debian logo"."""
    words = _WORD.findall(alt.lower())
    if not words:
        return False
    if all(w.isdigit() for w in words):
        return True
    if len(words) == 1 and words[0] in _NAV_WORDS:
        return True
    return any(w in ("logo", "icon", "badge", "avatar") for w in words)


def _links_home(img: Tag) -> bool:
    """An image that is the whole of a link to a site's front page is its logo or home button."""
    link = img.find_parent("a")
    raw = str(link.get("href") or "#") if link is not None else "#"
    if link is None or raw.startswith(("#", "javascript:")) or link.get_text(strip=True):
        return False
    path = urlsplit(raw).path
    return path in _HOME_PAGES or path.lower().rsplit("/", 1)[-1] in _HOME_PAGES


def is_chrome_image(img: Tag, root: Tag | None = None) -> bool:
    """True when an `<img>` is navigation chrome rather than a figure of the document.

    Looks at where it sits (a chrome container between it and `root`, the content area the
    loader reads; or a link to the home page), what it is called (class, id, file name and
    folder, alt text), and its declared size. File size is checked separately by `is_tiny`,
    since only local files can be opened.
    """
    if str(img.get("aria-hidden") or "").lower() == "true" or img.get("role") == "presentation":
        return True
    if any(_ICON_CLASSES.intersection(_attr_tokens(tag)) for tag in (img, img.parent) if tag):
        return True
    src = str(img.get("src") or "")
    if not src or src.startswith("data:"):
        src = str(img.get("data-src") or "")
    canonical = str(img.get("data-canonical-src") or "")  # GitHub's camo proxy hides the origin
    if any(_src_looks_like_chrome(s) for s in (src, canonical) if s):
        return True
    if _alt_looks_like_chrome(str(img.get("alt") or "")):
        return True
    if declared_size_too_small(img) or _links_home(img):
        return True
    for parent in img.parents:
        if parent is root or parent.name in _PAGE_TAGS:
            return False
        if is_chrome_container(parent):
            return True
    return False


def is_tiny(path: Path) -> bool:
    """True for an image file below MIN_FILE_PX on both sides (icons, 1x1 tracking pixels).

    Only the header is read. A file Pillow cannot open (corrupt, or a header claiming a size
    too large to decode) is not called tiny: whether it is a usable image at all is for ingest
    to check and report.
    """
    try:
        with Image.open(path) as image:
            width, height = image.size
    except MemoryError:
        raise
    except Exception:  # Pillow's plugins raise many kinds on odd files
        return False
    return width < MIN_FILE_PX and height < MIN_FILE_PX
