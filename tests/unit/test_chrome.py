"""Chrome detection: icons, logos, arrows, callouts and spacers out; figures in."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from PIL import Image

from m2io_graph.corpus.chrome import is_chrome_container, is_chrome_image, is_tiny


def _img(html: str) -> Tag:
    img = BeautifulSoup(f"<html><body>{html}</body></html>", "lxml").find("img")
    assert isinstance(img, Tag)
    return img


def _first(html: str) -> Tag:
    body = BeautifulSoup(f"<html><body>{html}</body></html>", "lxml").body
    assert body is not None
    tag = body.find(True)
    assert isinstance(tag, Tag)
    return tag


CHROME = {
    "nav element": '<nav><a href="a.html"><img src="diagram.png"></a></nav>',
    "sphinx sidebar logo": '<div class="sphinxsidebar" role="navigation"><p class="logo">'
    '<a href="index.html"><img class="logo" src="_static/project.png" alt="Project"></a></p></div>',
    "prev/next arrow by name": '<div class="related"><a href="next.html"><img src="next.png">'
    "</a></div>",
    "stock-go-up": '<img src="Common_Content/images/stock-go-up.png" alt="">',
    "publican docnav": '<ul class="docnav"><li><img src="big.png"></li></ul>',
    "breadcrumbs": '<div class="breadcrumbs"><img src="separator.png"></div>',
    "publican title logo": '<p id="title"><a class="left" href="http://www.debian.org">'
    '<img alt="Product Site" src="Common_Content/images//image_left.png"/></a></p>',
    "home link": '<a href="../index.html"><img src="banner-wide.png" alt="Docs"></a>',
    "docbook callout class": '<pre>ls <img class="callout" src="Common_Content/images/1.png"'
    ' alt="1"/></pre>',
    "callout digits + folder": '<img src="images/callouts/3.png" alt="3">',
    "admonition icon": '<div class="admonition note"><img src="note.png" alt="[Note]"></div>',
    "declared width 16": '<img src="img/diagram.png" width="16" height="16">',
    "spacer 1x1": '<img src="img/space.gif" width="1" height="1">',
    "inline css pixel": '<img src="https://stats.example.org/t.gif?id=3"'
    ' style="width:1px;height:1px">',
    "shields badge": '<img src="https://img.shields.io/badge/build-passing-green.svg" alt="build">',
    "github camo badge": '<a href="https://travis-ci.org/o/r"><img src="https://camo.githubusercontent.com/9f2e"'
    ' alt="Build Status" data-canonical-src="https://travis-ci.org/o/r.svg?branch=main"></a>',
    "github emoji": '<g-emoji><img class="emoji" alt="rocket" src="https://github.githubassets.com/x/1f680.png"></g-emoji>',
    "favicon": '<img src="/static/favicon-32x32.png">',
    "icon folder": '<img src="assets/icons/github.svg" alt="GitHub">',
    "site header": '<header class="site-header"><a href="/"><img src="brand.png"></a></header>',
    "logo in alt": '<img src="img/top.png" alt="Debian logo">',
    "aria-hidden": '<img src="img/deco.png" aria-hidden="true">',
    "wikipedia navbox": '<table class="navbox"><tr><td><img src="x.png" width="40"></td></tr>'
    "</table>",
}
CONTENT = {
    "docbook sidebar figure": '<div class="sidebar"><div class="figure"><div class="mediaobject">'
    '<img src="images/ssh-L.png" alt="Forwarding a local port with SSH"/></div></div></div>',
    "html5 figure": '<figure><img src="_images/architecture.png" width="600"></figure>',
    "nav-named wrapper holding the page heading": '<div class="wy-nav-content"><div role="main">'
    '<h1>Setup</h1><img src="img/home-network.png" alt="Home network"></div></div>',
    "numbered screenshot": '<img src="screenshots/1.png" alt="Main window">',
    "thumbnail linking to full size": '<a href="images/big.png">'
    '<img src="images/small-thumb.png" alt="Topology"></a>',
    "lazy image": '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="'
    ' data-src="img/chart.png" alt="Sales">',
    "article header with title": "<header><h1>Post</h1>"
    '<img src="img/cover-photo.jpg" alt="Cover"></header>',
}


@pytest.mark.parametrize("html", CHROME.values(), ids=CHROME.keys())
def test_chrome_images_are_detected(html: str) -> None:
    assert is_chrome_image(_img(html))


@pytest.mark.parametrize("html", CONTENT.values(), ids=CONTENT.keys())
def test_content_images_are_kept(html: str) -> None:
    assert not is_chrome_image(_img(html))


@pytest.mark.parametrize(
    ("html", "chrome"),
    [
        ("<nav><ul><li>a</li></ul></nav>", True),
        ('<div role="navigation">x</div>', True),
        ('<div class="sphinxsidebar">x</div>', True),
        ('<div class="md-nav__title">x</div>', True),
        ('<div class="theme-doc-toc-desktop">x</div>', True),
        ('<footer class="footer">© 2024</footer>', True),
        ('<div class="sidebar"><p class="title">BACK TO BASICS</p></div>', False),
        ('<span class="guimenu">Settings</span>', False),
        ('<span class="menuselection">File ‣ Open</span>', False),
        ("<header><h2>Article title</h2></header>", False),
        ('<div class="para">text</div>', False),
    ],
)
def test_chrome_containers(html: str, chrome: bool) -> None:
    assert is_chrome_container(_first(html)) is chrome


def test_root_bounds_the_container_search() -> None:
    soup = BeautifulSoup(
        '<div class="navigation-with-keyboard"><main><p><img src="a.png"></p></main></div>', "lxml"
    )
    img, main = soup.find("img"), soup.find("main")
    assert isinstance(img, Tag) and isinstance(main, Tag)
    assert is_chrome_image(img)
    assert not is_chrome_image(img, root=main)


@pytest.mark.parametrize(
    ("size", "tiny"),
    [
        ((1, 1), True),
        ((16, 16), True),
        ((47, 40), True),
        ((48, 48), False),
        ((640, 20), False),
        ((800, 600), False),
    ],
)
def test_is_tiny_by_pixels(tmp_path: Path, size: tuple[int, int], tiny: bool) -> None:
    path = tmp_path / "x.png"
    Image.new("RGB", size, "white").save(path)
    assert is_tiny(path) is tiny


def test_is_tiny_leaves_broken_files_to_ingest(tmp_path: Path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    assert not is_tiny(broken)
    assert not is_tiny(tmp_path / "missing.png")
