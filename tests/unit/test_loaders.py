"""Loaders: reading order, captions, chrome, and bad input, on small documents written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.loaders import LoadError, iter_documents


def png(path: Path, size: tuple[int, int] = (120, 80)) -> str:
    """A real PNG at `path`; returns the absolute path a loader should report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "steelblue").save(path)
    return str(path.resolve())


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_one(path: Path, fmt: str | None = None) -> ParsedDocument:
    docs = list(iter_documents(path, fmt))
    assert len(docs) == 1
    return docs[0]


# --- HTML -------------------------------------------------------------------------------------


def test_html5_figure_with_figcaption(tmp_path: Path) -> None:
    a = png(tmp_path / "img" / "arch.png")
    page = write(
        tmp_path / "page.html",
        """<!doctype html><html><head><title>Architecture</title>
      <script>var x = "<p>not text</p>";</script><style>p {color: red}</style></head>
      <body><main><h1>Overview</h1><p>The system has three parts.</p>
      <figure><img src="img/arch.png" alt="Block diagram">
        <figcaption>Figure 1: The three parts and their links.</figcaption></figure>
      <p>Each part runs alone.</p></main></body></html>""",
    )
    doc = load_one(page)
    assert doc.title == "Architecture"
    assert doc.doc_id == "page.html"
    assert doc.segments == [
        "Overview",
        "The system has three parts.",
        ImageSpec(src=a, alt="Block diagram", caption="The three parts and their links."),
        "Each part runs alone.",
    ]
    assert doc.skipped == []


PUBLICAN = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>9.2. Remote Login</title></head><body>
<div id="banner"><a href="http://debian-handbook.info/get/">
<span class="text">Download the ebook</span></a></div>
<p id="title"><a class="left" href="http://www.debian.org">
<img alt="Product Site" src="Common_Content/images//image_left.png" /></a>
<a class="right" href="index.html">
<img alt="Documentation Site" src="Common_Content/images//image_right.png" /></a></p>
<ul class="docnav top"><li class="previous"><a accesskey="p" href="a.html"><strong>Prev</strong></a>
</li><li class="next"><a href="b.html"><strong>Next</strong></a></li></ul>
<div class="section"><div class="titlepage"><h2 class="title"><a id="s"></a>9.2. Remote Login</h2>
</div><div class="para">
  Use <code class="command">ssh -L</code> to forward a port
  (see <a class="xref" href="#f">Figure 9.3</a>).
</div><div class="sidebar"><p class="title"><strong>BACK TO BASICS</strong> Tunnels</p>
<div class="para">A tunnel hides traffic.</div></div>
<pre class="programlisting">ssh -L 8000:server:25 intermediary <img class="callout"
 src="Common_Content/images/1.png" alt="1" /></pre>
<div class="figure"><a id="f"></a><div class="figure-contents"><div class="mediaobject">
<img src="images/ssh-L.png" alt="Forwarding a local port with SSH" /></div></div>
<p class="title"><strong>Figure 9.3. Forwarding a local port with SSH</strong></p></div>
<div class="para">Both ends are encrypted.</div></div>
<ul class="docnav"><li class="home"><a accesskey="h" href="index.html"><strong>Home</strong></a>
</li></ul></body></html>"""


def test_docbook_publican_page(tmp_path: Path) -> None:
    ssh = png(tmp_path / "images" / "ssh-L.png", (400, 400))
    png(tmp_path / "Common_Content" / "images" / "image_left.png", (192, 50))
    png(tmp_path / "Common_Content" / "images" / "image_right.png", (62, 50))
    png(tmp_path / "Common_Content" / "images" / "1.png", (32, 32))
    doc = load_one(write(tmp_path / "sect.remote-login.html", PUBLICAN))
    assert doc.title == "9.2. Remote Login"
    assert doc.segments == [
        "9.2. Remote Login",
        "Use ssh -L to forward a port (see Figure 9.3).",
        "BACK TO BASICS Tunnels",
        "A tunnel hides traffic.",
        "ssh -L 8000:server:25 intermediary",
        ImageSpec(
            src=ssh,
            alt="Forwarding a local port with SSH",
            caption="Forwarding a local port with SSH",
        ),
        "Both ends are encrypted.",
    ]
    assert doc.skipped == []


DOCBOOK_XSL = """<html><head><title>2.1. Accounting Concepts</title>
<meta name="generator" content="DocBook XSL Stylesheets Vsnapshot"></head><body>
<div class="navheader"><table width="100%" summary="Navigation header"><tr>
<th colspan="3" align="center">2.1. Accounting Concepts</th></tr><tr>
<td align="left"><a accesskey="p" href="prev.html">&lt;&lt;&lt; Prev</a></td>
<td align="right"><a accesskey="n" href="next.html"><img src="stylesheet/next.png"></a></td>
</tr></table><hr></div>
<div class="sect1"><div class="titlepage"><div><div><h2 class="title">
<a name="s"></a>2.1. Accounting Concepts</h2></div></div></div>
<p>Value moves between the five accounts.</p>
<div class="figure"><a name="f"></a><p class="title"><b>Figure 2.1. The basic accounts</b></p>
<div class="figure-contents"><div class="screenshot"><div class="mediaobject">
<img src="figures/basics_Accounts.png" alt="The basic accounts"><div class="caption">
<p>A graphical view of the <span class="guilabel"><strong>Accounts</strong></span> .</p>
</div></div></div></div></div><br class="figure-break">
<p>Drag the <span class="inlinemediaobject"><img src="figures/Tool_h_double_arrow.png"
 width="48" alt="&lt;-&gt;"></span> handle to resize.</p>
<div class="figure"><p class="title"><b>Figure 2.2. The main window</b></p>
<div class="figure-contents"><div class="mediaobject">
<img src="figures/Main-window-callouts.png" alt="The main window"></div></div></div>
<div class="note" style="margin-left: 0.5in"><table border="0"><tr>
<td rowspan="2" align="center" valign="top" width="25"><img src="./stylesheet/note.png"></td>
<th align="left">Note</th></tr><tr><td colspan="2"><p>Balance every transaction.</p></td></tr>
</table></div></div>
<div class="navfooter"><hr><table width="100%" summary="Navigation footer"><tr>
<td align="center"><a accesskey="h" href="index.html">Home</a></td></tr></table></div>
</body></html>"""


def test_docbook_xsl_page(tmp_path: Path) -> None:
    """DocBook XSL (GnuCash): navheader/navfooter tables, a figure title plus a mediaobject
    caption, admonition icons in tables, inline arrows, and a screenshot named for its callouts."""
    accounts = png(tmp_path / "figures" / "basics_Accounts.png", (400, 300))
    window = png(tmp_path / "figures" / "Main-window-callouts.png", (800, 600))
    png(tmp_path / "figures" / "Tool_h_double_arrow.png", (48, 24))
    png(tmp_path / "stylesheet" / "note.png", (48, 48))
    png(tmp_path / "stylesheet" / "next.png", (48, 48))
    doc = load_one(write(tmp_path / "basics.html", DOCBOOK_XSL))
    assert doc.segments == [
        "2.1. Accounting Concepts",
        "Value moves between the five accounts.",
        ImageSpec(
            src=accounts,
            alt="The basic accounts",
            caption="The basic accounts. A graphical view of the Accounts.",
        ),
        "Drag the handle to resize.",
        ImageSpec(src=window, alt="The main window", caption="The main window"),
        "Note",
        "Balance every transaction.",
    ]
    assert doc.skipped == []


SPHINX = """<html><head><title>Install — Demo 1.0 documentation</title></head><body>
<div class="related" role="navigation"><h3>Navigation</h3><ul>
  <li class="right"><a href="next.html"><img src="_static/next.png" alt="next"></a></li>
  <li class="right"><a href="prev.html"><img src="_static/prev.png" alt="previous"></a></li>
</ul></div>
<div class="document"><div class="documentwrapper"><div class="body" role="main">
<section id="install"><h1>Install<a class="headerlink" href="#install">¶</a></h1>
<p>Press the <img src="_static/gear.png" width="16" height="16" alt="gear"> button, then wait.</p>
<div class="figure align-center" id="fig-wizard">
<img alt="_images/wizard.png" src="_images/wizard.png" />
<p class="caption"><span class="caption-number">Fig. 2 </span>
<span class="caption-text">The setup wizard.</span></p></div>
<p>Click Finish.</p>
<div class="toctree-wrapper compound"><ul><li><a href="usage.html">Usage</a></li></ul></div>
</section></div></div></div>
<div class="sphinxsidebar" role="navigation"><div class="sphinxsidebarwrapper">
<p class="logo"><a href="index.html"><img class="logo" src="_static/logo.png" alt="Logo"></a></p>
<h3>Table of Contents</h3><ul><li>Install</li></ul></div></div>
<div class="footer">&copy; 2024, Demo.</div></body></html>"""


def test_sphinx_page_drops_sidebar_logo_arrows_and_icons(tmp_path: Path) -> None:
    for name in ("next.png", "prev.png", "logo.png"):
        png(tmp_path / "_static" / name, (200, 60))
    png(tmp_path / "_static" / "gear.png", (64, 64))
    wizard = png(tmp_path / "_images" / "wizard.png", (640, 480))
    doc = load_one(write(tmp_path / "install.html", SPHINX))
    assert doc.title == "Install — Demo 1.0 documentation"
    assert doc.segments == [
        "Install",
        "Press the button, then wait.",
        ImageSpec(src=wizard, alt="_images/wizard.png", caption="The setup wizard."),
        "Click Finish.",
    ]


def test_tiny_local_files_are_dropped_even_without_size_attributes(tmp_path: Path) -> None:
    png(tmp_path / "pixel.gif.png", (1, 1))
    png(tmp_path / "warn.png", (16, 16))
    shot = png(tmp_path / "shot.png", (300, 200))
    page = write(
        tmp_path / "p.html",
        '<p>A <img src="pixel.gif.png"> b.</p>'
        '<p><img src="warn.png" alt="Warning sign">Careful.</p>'
        '<p><img src="shot.png"></p>',
    )
    assert load_one(page).segments == ["A b.", "Careful.", ImageSpec(src=shot)]


def test_missing_file_data_uri_and_remote_url(tmp_path: Path) -> None:
    write(
        tmp_path / "docs" / "p.html",
        """<body><p>Before.</p>
      <img src="../img/gone.png" alt="Gone"><p>Middle.</p>
      <img src="data:image/png;base64,iVBORw0KGgo=" alt="Inline">
      <img src="https://example.org/diagrams/flow.png?raw=1" alt="Flow"><p>After.</p></body>""",
    )
    doc = load_one(tmp_path)  # the folder: ../img is inside it
    assert doc.segments == [
        "Before.",
        "Middle.",
        ImageSpec(src="https://example.org/diagrams/flow.png?raw=1", alt="Flow"),
        "After.",
    ]
    missing, data_uri = doc.skipped
    assert "missing image file" in missing and str(tmp_path / "img" / "gone.png") in missing
    assert "data: URI" in data_uri


def test_src_is_url_decoded_and_stripped_of_query_and_fragment(tmp_path: Path) -> None:
    pic = png(tmp_path / "img" / "my pic.png")
    page = write(tmp_path / "p.html", '<p>See:</p><img src="img/my%20pic.png?v=3#top" title="Tip">')
    assert load_one(page).segments == ["See:", ImageSpec(src=pic, alt="Tip")]


def test_srcset_picture_and_lazy_sources(tmp_path: Path) -> None:
    c = png(tmp_path / "img" / "c.png")
    d = png(tmp_path / "img" / "d.png")
    page = write(
        tmp_path / "p.html",
        """<p>One.</p><picture>
      <source srcset="img/c.webp 1x, img/c2.webp 2x" type="image/webp">
      <img srcset="img/c.png 1x, img/c@2x.png 2x" alt="C"></picture><p>Two.</p>
      <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="img/d.png" alt="D">""",
    )
    assert load_one(page).segments == [
        "One.",
        ImageSpec(src=c, alt="C"),
        "Two.",
        ImageSpec(src=d, alt="D"),
    ]


def test_caption_like_sibling(tmp_path: Path) -> None:
    a = png(tmp_path / "a.png")
    page = write(
        tmp_path / "p.html",
        '<p>Look below.</p><p><img src="a.png" alt="A"></p>'
        '<p class="image-caption">Figure 4. Sibling caption</p><p>Next.</p>',
    )
    assert load_one(page).segments == [
        "Look below.",
        ImageSpec(src=a, alt="A", caption="Sibling caption"),
        "Next.",
    ]


def test_tables_lists_and_long_code(tmp_path: Path) -> None:
    code = "\n".join(f"line {i}" for i in range(20))
    page = write(
        tmp_path / "p.html",
        f"""<h2>Options</h2>
      <ul><li>first item</li><li>second</li></ul>
      <table><tr><th>Flag</th><th>Meaning</th></tr><tr><td>-L</td><td>local</td></tr></table>
      <pre>{code}</pre>""",
    )
    segments = load_one(page).segments
    assert segments[:5] == ["Options", "first item", "second", "Flag | Meaning", "-L | local"]
    assert segments[5] == "line 0\nline 1\nline 2\nline 3\nline 4\nline 5 …"


def test_malformed_html_does_not_crash(tmp_path: Path) -> None:
    a = png(tmp_path / "a.png")
    page = write(
        tmp_path / "bad.html",
        '<html><body><p>One <b>bold<p>Two <img src="a.png" alt="x">'
        "<div>Three <i>open</td></span></body><p>Four",
    )
    doc = load_one(page)
    assert doc.title == "bad"
    images = [i for i, s in enumerate(doc.segments) if isinstance(s, ImageSpec)]
    assert doc.segments[images[0] - 1] == "Two"
    assert doc.segments[images[0]] == ImageSpec(src=a, alt="x")
    assert "Four" in doc.segments[-1]


def test_binary_or_unreadable_html_raises_load_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.html"
    Image.new("RGB", (8, 8)).save(fake, format="PNG")
    with pytest.raises(LoadError, match=r"fake\.html"):
        list(iter_documents(fake))
    folder_named_html = tmp_path / "dir.html"
    folder_named_html.mkdir()
    from m2io_graph.corpus.html_loader import load_html

    with pytest.raises(LoadError, match=r"dir\.html"):
        load_html(folder_named_html, doc_id="dir.html")


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_images_in_every_syntax(tmp_path: Path) -> None:
    a, b, c, d, e = (png(tmp_path / "img" / f"{n}.png") for n in "abcde")
    md = write(
        tmp_path / "guide.md",
        """# User guide

First paragraph with **bold** and a [link](https://example.org).

![Alt one](img/a.png "The first figure")

Second paragraph.

![Alt two][diagram]

<img src="img/c.png" alt="Alt three" width="400">

- item one
- item *two*

![Alt four](img/d.png)
*Figure: The fourth figure*

Third paragraph.

![Alt five](img/e.png)

_Figure 5. The fifth figure_

```python
print("hello")
```

[diagram]: img/b.png
""",
    )
    doc = load_one(md)
    assert doc.title == "User guide"
    assert doc.segments == [
        "User guide",
        "First paragraph with bold and a link.",
        ImageSpec(src=a, alt="Alt one", caption="The first figure"),
        "Second paragraph.",
        ImageSpec(src=b, alt="Alt two"),
        ImageSpec(src=c, alt="Alt three"),
        "item one",
        "item two",
        ImageSpec(src=d, alt="Alt four", caption="The fourth figure"),
        "Third paragraph.",
        ImageSpec(src=e, alt="Alt five", caption="The fifth figure"),
        'print("hello")',
    ]


def test_markdown_title_from_front_matter_or_file_name(tmp_path: Path) -> None:
    plain = write(tmp_path / "no-heading.markdown", "Just text.\n")
    assert load_one(plain).title == "no-heading"
    front = write(tmp_path / "front.md", '---\ntitle: "Set up"\ntags: [a]\n---\n## Step\n\nGo.\n')
    doc = load_one(front)
    assert (doc.title, doc.segments) == ("Set up", ["Step", "Go."])


def test_markdown_not_utf8_raises(tmp_path: Path) -> None:
    bad = tmp_path / "latin.md"
    bad.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(LoadError, match=r"latin\.md"):
        list(iter_documents(bad))


# --- MRAMG ------------------------------------------------------------------------------------


def mramg_corpus(root: Path, lines: list[str]) -> Path:
    """MRAMG-Bench's own layout: doc_<name>.jsonl + IMAGE/images_info + IMAGE/images/<NAME>."""
    info = {
        "t_1": {
            "image_path": "t_1.png",
            "image_url": "https://x.org/1.png",
            "image_caption": "A cat",
        },
        "t_2": {"image_path": "t_2.png", "image_url": "", "image_caption": "A dog"},
        "t_3": {
            "image_path": "gone.png",
            "image_url": "https://x.org/3.png",
            "image_caption": "Remote",
        },
    }
    write(root / "IMAGE" / "images_info" / "test_imgs_collection.json", json.dumps(info))
    for name in ("t_1", "t_2"):
        png(root / "IMAGE" / "images" / "TEST" / f"{name}.png")
    return write(root / "doc_test.jsonl", "\n".join(lines) + "\n")


def test_mramg_lines_good_and_bad(tmp_path: Path) -> None:
    jsonl = mramg_corpus(
        tmp_path,
        [
            json.dumps([100, "Cats purr. <PIC> Dogs bark.\nThey play. <PIC>", ["t_1", "t_2"]]),
            '[101, "broken',
            json.dumps([102, "Only one <PIC> here", ["t_1", "t_2"]]),
            "",
            json.dumps([103, "Unknown <PIC> and remote <PIC> end.", ["t_9", "t_3"]]),
            json.dumps({"id": 104}),
        ],
    )
    docs = list(iter_documents(jsonl))
    assert [d.doc_id for d in docs] == [
        "100",
        "doc_test.jsonl:2",
        "doc_test.jsonl:3",
        "103",
        "doc_test.jsonl:6",
    ]
    images = tmp_path / "IMAGE" / "images" / "TEST"
    good = docs[0]
    assert good.title == "Cats purr. Dogs bark."
    assert good.segments == [
        "Cats purr.",
        ImageSpec(src=str((images / "t_1.png").resolve()), caption="A cat"),
        "Dogs bark.",
        "They play.",
        ImageSpec(src=str((images / "t_2.png").resolve()), caption="A dog"),
    ]
    assert good.skipped == []
    assert docs[1].segments == [] and "doc_test.jsonl:2: bad JSON" in docs[1].skipped[0]
    assert "1 <PIC> for 2 images" in docs[2].skipped[0]
    assert docs[3].segments == [
        "Unknown",
        "and remote",
        ImageSpec(src="https://x.org/3.png", caption="Remote"),
        "end.",
    ]
    assert docs[3].skipped == [f"{jsonl}:5: image 't_9' has no images-info entry"]
    assert "expected a JSON array" in docs[4].skipped[0]


def test_mramg_info_variant_next_to_jsonl(tmp_path: Path) -> None:
    pic = png(tmp_path / "pics" / "p.png")
    write(
        tmp_path / "images_info.json",
        json.dumps([{"id": "p", "path": "pics/p.png", "caption": "A plot"}]),
    )
    jsonl = write(tmp_path / "mine.jsonl", json.dumps(["d1", "See <PIC>", ["p"]]))
    assert load_one(jsonl, "mramg").segments == ["See", ImageSpec(src=pic, caption="A plot")]


def test_mramg_without_images_info_raises(tmp_path: Path) -> None:
    jsonl = write(tmp_path / "doc_x.jsonl", json.dumps([1, "text", []]))
    with pytest.raises(LoadError, match="images-info"):
        list(iter_documents(jsonl))


# --- dispatcher -------------------------------------------------------------------------------


def test_folder_is_recursive_sorted_and_filtered(tmp_path: Path) -> None:
    write(tmp_path / "b.md", "# B\n")
    write(tmp_path / "a.html", "<title>A</title><p>a</p>")
    write(tmp_path / "sub" / "c.htm", "<p>c</p>")
    write(tmp_path / "sub" / "d.xhtml", "<p>d</p>")
    write(tmp_path / ".git" / "e.html", "<p>e</p>")
    write(tmp_path / "notes.txt", "ignored")
    write(tmp_path / "ATTRIBUTION.md", "# Attribution\n")
    write(tmp_path / "web_mqa.jsonl", '{"question": "q?"}\n')
    assert [d.doc_id for d in iter_documents(tmp_path)] == [
        "a.html",
        "b.md",
        "sub/c.htm",
        "sub/d.xhtml",
    ]
    assert [d.doc_id for d in iter_documents(tmp_path, "markdown")] == ["b.md"]
    assert load_one(tmp_path / "notes.txt", "markdown").segments == ["ignored"]


def test_bad_file_in_folder_is_reported_not_fatal(tmp_path: Path) -> None:
    write(tmp_path / "a.html", "<p>fine</p>")
    Image.new("RGB", (8, 8)).save(tmp_path / "b.html", format="PNG")
    docs = list(iter_documents(tmp_path))
    assert [d.segments for d in docs] == [["fine"], []]
    assert "b.html" in docs[1].skipped[0]


def test_dispatcher_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        iter_documents(tmp_path / "nope")
    with pytest.raises(LoadError, match="no html"):
        iter_documents(tmp_path)
    with pytest.raises(ValueError, match="unknown format"):
        iter_documents(tmp_path, "docx")
    with pytest.raises(LoadError, match="unknown file type"):
        iter_documents(write(tmp_path / "x.txt", "hi"))


GIMP_FIGURE = """<html><head><title>Red Eye Removal</title></head><body>
<p>The filter removes the red from eyes.</p>
<div class="figure"><p class="title"><strong>Figure 17.41. Example for the
<span class="quote">“<span class="quote">Red Eye Removal</span>”</span> filter</strong></p>
<div class="figure-contents">
<div class="mediaobject"><img src="images/before.jpg" alt="Example">
<div class="caption"><p>Original image</p></div></div>
<div class="mediaobject"><img src="images/after.jpg" alt="Example">
<div class="caption"><p>Filter applied</p></div></div>
</div></div>
<p>Select the eyes first.</p>
</body></html>"""


def test_figure_of_several_images_gives_each_its_own_caption(tmp_path: Path) -> None:
    """DocBook (the GIMP manual): one figure title, one mediaobject caption per image. Each image
    keeps its own caption, and the curly quotes DocBook writes as markup lose their inner spaces."""
    before = png(tmp_path / "images" / "before.jpg", (300, 200))
    after = png(tmp_path / "images" / "after.jpg", (300, 200))
    doc = load_one(write(tmp_path / "red-eye.html", GIMP_FIGURE))
    title = "Example for the “Red Eye Removal” filter."
    assert doc.segments == [
        "The filter removes the red from eyes.",
        ImageSpec(src=before, alt="Example", caption=f"{title} Original image"),
        ImageSpec(src=after, alt="Example", caption=f"{title} Filter applied"),
        "Select the eyes first.",
    ]
