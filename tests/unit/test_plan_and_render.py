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
    )
    encoded = base64.b64encode(png.read_bytes()).decode()
    assert f'src="data:image/png;base64,{encoded}"' in page
    assert "What &lt;is&gt; it?" in page
    assert page.index("<p>One.</p>") < page.index("<figure") < page.index("<p>Two. Three.</p>")


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
