import base64

import pytest
from PIL import Image

from m2io_graph.inserter.plan import InvalidPlanError, validate_plan
from m2io_graph.render import to_html, to_markdown
from m2io_graph.state import Candidate


def candidate(image_id: str, path: str = "/img.png", caption: str = "") -> Candidate:
    return Candidate(
        id=image_id,
        path=path,
        alt=f"alt {image_id}",
        caption=caption,
        context="",
        doc_id="d",
        score=0.5,
    )


SENTENCES = ["One.", "Two.", "Three."]


def test_valid_plan_is_sorted_by_position():
    plan = [{"image_id": "b", "after": 3}, {"image_id": "a", "after": 0}]
    assert validate_plan(plan, 3, ["a", "b"]) == [
        {"image_id": "a", "after": 0},
        {"image_id": "b", "after": 3},
    ]


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([{"image_id": "z", "after": 1}], "not among the candidates"),
        ([{"image_id": "a", "after": 1}, {"image_id": "a", "after": 2}], "placed twice"),
        ([{"image_id": "a", "after": 4}], "out of range 0..3"),
        ([{"image_id": "a", "after": -1}], "out of range"),
        ([{"image_id": "a", "after": "2"}], "out of range"),
        ([{"image_id": "a", "after": True}], "out of range"),
    ],
)
def test_invalid_plans_say_why(plan, message):
    with pytest.raises(InvalidPlanError, match=message):
        validate_plan(plan, 3, ["a", "b"])


def test_markdown_places_images_after_their_sentence():
    md = to_markdown(
        SENTENCES,
        [candidate("a", "/a.png", "Figure A"), candidate("b", "/b.png")],
        [{"image_id": "b", "after": 0}, {"image_id": "a", "after": 2}],
    )
    assert md == "![alt b](</b.png>)\n\nOne. Two.\n\n![Figure A](</a.png>)\n*Figure A*\n\nThree."


def test_markdown_keeps_the_paragraphs_of_the_text():
    md = to_markdown(SENTENCES, [candidate("a", "/a.png")], [{"image_id": "a", "after": 1}], [1, 3])
    assert md == "One.\n\n![alt a](</a.png>)\n\nTwo. Three."
    assert to_markdown(SENTENCES, [], [], [2, 3]) == "One. Two.\n\nThree."


def test_image_outside_candidates_never_rendered():
    md = to_markdown(SENTENCES, [candidate("a")], [{"image_id": "evil", "after": 1}])
    assert md == "One. Two. Three." and "evil" not in md


def test_html_page_is_self_contained(tmp_path):
    png = tmp_path / "fig.png"
    Image.new("RGB", (60, 40), "red").save(png)
    page = to_html(
        "What <is> it?",
        {
            "sentences": SENTENCES,
            "candidates": [candidate("a", str(png), "A figure")],
            "insertions": [{"image_id": "a", "after": 1}],
            "documents": [],
        },
        image_roots=[tmp_path],
    )
    encoded = base64.b64encode(png.read_bytes()).decode()
    assert f'src="data:image/png;base64,{encoded}"' in page
    assert "What &lt;is&gt; it?" in page
    assert page.index("<p>One.</p>") < page.index("<figure") < page.index("<p>Two. Three.</p>")


EVIL_ALT = "<img src=x onerror=alert(1)>"
EVIL_CAPTION = "<script>alert(2)</script> [click](javascript:alert(3)) *"


def evil(image_id: str, path: str) -> Candidate:
    image = candidate(image_id, path, EVIL_CAPTION)
    image["alt"] = EVIL_ALT
    return image


def no_active_content(page: str) -> list[str]:
    """What in an HTML page could run script: <script> and other embedding elements, on*
    handlers, and links or sources that are not web, file or data:image URLs."""
    from bs4 import BeautifulSoup

    found = []
    for tag in BeautifulSoup(page, "lxml").find_all(True):
        if tag.name in ("script", "iframe", "object", "embed"):
            found.append(str(tag))
        for name, value in tag.attrs.items():
            url = str(value).strip().lower()
            scheme = url.split(":", 1)[0] if ":" in url.split("/", 1)[0] else ""
            safe = scheme in ("", "http", "https", "file") or url.startswith("data:image/")
            if name.startswith("on") or (name in ("src", "href") and not safe):
                found.append(f"<{tag.name} {name}={value}>")
    return found


def test_markdown_answer_carries_no_markup_from_documents():
    """Chat UIs render the answer's Markdown, many with raw HTML on: document text must reach
    them as text. Rendered here with markdown-it, HTML allowed, as such a UI would."""
    from markdown_it import MarkdownIt

    images = [
        evil("a", "/docs/fig.png"),
        evil("b", "javascript:alert(4)"),
        evil("c", "data:text/html,<script>alert(5)</script>"),
        evil("d", "https://example.org/fig.png"),
        evil("e", "/docs/<img src=x onerror=alert(6)>.png"),
    ]
    sentences = ["See <b onmouseover=alert(7)>this</b>, where a < b.", "Two."]
    plan = [{"image_id": i["id"], "after": 1} for i in images]
    md = to_markdown(sentences, images, plan)
    assert "javascript:alert(4)" not in md and "data:text/html" not in md
    assert md.count("![") == 3
    assert "a < b" in md and "<script>" not in md and "<img" not in md and "<b " not in md
    page = MarkdownIt("commonmark", {"html": True}).render(md)
    assert no_active_content(page) == []
    assert "&lt;script&gt;alert(2)&lt;/script&gt; [click](javascript:alert(3)) *" in page
    assert "<p>See &lt;b onmouseover=alert(7)&gt;this&lt;/b&gt;, where a &lt; b.</p>" in page


def test_image_urls_other_than_files_web_and_data_images_are_not_linked():
    from m2io_graph.render import image_url

    for kept in ("/a.png", "file:///a.png", "https://x.org/a.png", "data:image/png;base64,AA"):
        assert image_url(kept) == kept
    for dropped in (
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "x onerror=alert(1)",
        "relative/a.png",
        "//elsewhere.org/a.png",
        "",
    ):
        assert image_url(dropped) is None, dropped


def test_html_page_escapes_document_text_and_reads_images_only_inside_the_roots(tmp_path):
    root, outside = tmp_path / "docs", tmp_path / "private"
    inside = root / "fig.png"
    for folder in (root, outside):
        folder.mkdir()
    Image.new("RGB", (60, 40), "red").save(inside)
    Image.new("RGB", (60, 40), "blue").save(outside / "secret.png")
    (root / "notes.png").write_text("not an image: the server must not hand it out")
    (root / "link.png").symlink_to(outside / "secret.png")
    images = [
        evil("in", str(inside)),
        evil("out", str(outside / "secret.png")),
        evil("up", f"{root}/../private/secret.png"),
        evil("link", str(root / "link.png")),
        evil("text", str(root / "notes.png")),
        evil("js", "javascript:alert(4)"),
        evil("file-url", inside.as_uri()),
    ]
    page = to_html(
        "<script>alert(8)</script>?",
        {
            "sentences": ["<img src=y onerror=alert(9)>"],
            "candidates": images,
            "insertions": [{"image_id": i["id"], "after": 1} for i in images],
            "documents": [{"title": "<script>alert(10)</script>", "doc_id": "d", "source": "s"}],
        },
        image_roots=[root],
    )
    assert no_active_content(page) == []
    assert page.count("<figure") == 2 and 'data-image-id="in"' in page
    secret = base64.b64encode((outside / "secret.png").read_bytes()).decode()
    assert secret not in page and "not an image" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page and "&lt;script&gt;alert(10)" in page
    assert 'data-image-id="in"' not in to_html(
        "q", {"candidates": images[:1], "insertions": [{"image_id": "in", "after": 0}]}
    )


def test_describe_skips_repeats_and_keeps_one_period():
    from m2io_graph.describe import describe

    image = candidate("a", caption="New Account dialog. Fill in the name.")
    image["alt"] = "new account dialog"
    image["context"] = "Click New."
    assert describe(image) == "New Account dialog. Fill in the name. Click New."
    assert describe(image, with_context=False) == "New Account dialog. Fill in the name."


def test_describe_reads_file_names_where_authors_gave_no_text():
    from m2io_graph.describe import describe, file_words

    assert file_words("/m/images/designer-connection-mode.png") == "designer connection mode"
    assert file_words("_images/rGetInfo_dialog.png") == "r get info dialog"
    assert file_words("img_0012.png") == "" and file_words("3f9a0c7d1e2b4a56.jpg") == ""
    sphinx = {"alt": "../../_images/Eperspective.png", "caption": "", "path": "/x/Eperspective.png"}
    assert describe(sphinx) == "eperspective."
    bare = {"alt": "", "caption": "", "path": "/q/images/designer-widget-mode.png"}
    assert describe(bare, with_context=False) == "designer widget mode."
    written = {"alt": "The Widget Box", "caption": "", "path": "/q/images/wb.png"}
    assert describe(written, with_context=False) == "The Widget Box."


def test_markdown_leaves_code_spans_as_written_and_escapes_around_them():
    from markdown_it import MarkdownIt

    from m2io_graph.render import markdown_text

    text = "Run `ssh -L <port>:<host>` then ``a` <b onclick=x>`` and ``x` <script>alert(1)</script>"
    md = markdown_text(text)
    assert "`ssh -L <port>:<host>`" in md and "&lt;script>" in md
    page = MarkdownIt("commonmark", {"html": True}).render(md)
    assert "<code>ssh -L &lt;port&gt;:&lt;host&gt;</code>" in page
    assert "<script" not in page and "<b " not in page


def test_a_figure_from_a_pdf_cites_its_file_and_page(tmp_path):
    png = tmp_path / "fig.png"
    Image.new("RGB", (60, 40), "red").save(png)
    figure = candidate("a", str(png), "Figure 21.2: node 1 versus time")
    figure |= {"doc_id": "manual.pdf#page=7", "page": 7}
    source = str(tmp_path / "manual.pdf")
    result = {
        "sentences": SENTENCES,
        "candidates": [figure],
        "insertions": [{"image_id": "a", "after": 1}],
        "documents": [{"doc_id": "manual.pdf#page=7", "title": "p. 7", "source": source}],
    }
    markdown = to_markdown(SENTENCES, [figure], result["insertions"])
    assert "*Figure 21.2: node 1 versus time — manual.pdf, p. 7*" in markdown
    page = to_html("Q?", result, image_roots=[tmp_path])
    assert f'<a href="{(tmp_path / "manual.pdf").as_uri()}#page=7">manual.pdf, p. 7</a>' in page
    web = candidate("b", "https://example.org/b.png", "A web figure")
    assert "p. " not in to_markdown(SENTENCES, [web], [{"image_id": "b", "after": 1}])
