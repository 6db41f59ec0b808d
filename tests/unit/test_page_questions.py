"""Questions written from page titles, and the page-focus shares of answers to them."""

from __future__ import annotations

import pytest

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.eval.answers import AnswerRun, page_focus
from m2io_graph.eval.page_questions import clean_title, page_questions, question_for
from m2io_graph.metrics import score_answer
from m2io_graph.state import ImageRef


@pytest.mark.parametrize(
    ("title", "question"),
    [
        ("9.2. Setting Up Accounts", "How do I set up Accounts?"),
        ("2.3. Running GnuCash", "How do I run GnuCash?"),
        (
            "Customizing Qt Designer Forms | Qt Designer Manual",
            "How do I customize Qt Designer Forms?",
        ),
        (
            "Saving, Previewing and Printing Forms in Qt Designer",
            "How do I save, preview and print Forms in Qt Designer?",
        ),
        (
            "4.5. The “Capture Options” Dialog Box",
            "What can I do in the “Capture Options” Dialog Box?",
        ),
        ("Layers Dialog", "What can I do in the Layers Dialog?"),
        ("Gaussian Blur", "How do I use Gaussian Blur?"),
        ("Using Layouts", "How do I use Layouts?"),
        ("Accounting Concepts", "What are the Accounting Concepts?"),
        ("Chapter 5. Getting Images out of GIMP", "How do I get Images out of GIMP?"),
        ("Endpoints", "What is Endpoints and how do I use it?"),
        ("16.4. Example", None),
        ("Introduction", None),
        ("", None),
    ],
)
def test_titles_become_questions_a_user_would_ask(title: str, question: str | None) -> None:
    assert question_for(title) == question


def test_clean_title_drops_numbers_and_the_manuals_name():
    assert clean_title("A.2. Importing Data") == "Importing Data"
    assert clean_title("Hello tr() Example | Qt Linguist Manual") == "Hello tr() Example"
    assert clean_title("Gradients — GIMP Documentation") == "Gradients"


def image(doc: str, n: int) -> ImageRef:
    return ImageRef(
        id=f"{doc}-{n}", path=f"/{doc}/{n}.png", alt="", caption="", context="", doc_id=doc, after=1
    )


def page(doc: str, title: str, n_images: int, position: int = 0) -> StoredChunk:
    return StoredChunk(
        doc, title, doc, position, ["One sentence."], [image(doc, n) for n in range(n_images)], [1]
    )


def test_one_question_per_illustrated_page_with_a_title_of_its_own():
    chunks = [
        page("blur.html", "Gaussian Blur", 2),
        page("blur.html", "Gaussian Blur", 1, position=1),
        page("intro.html", "Introduction", 3),
        page("plain.html", "Setting Up Accounts", 0),
        page("a.html", "Layers Dialog", 1),
        page("b.html", "Layers Dialog", 1),
        page("manual.html", "Schematic Editor Reference", 30),
    ]
    [blur] = page_questions(chunks)
    assert blur == {
        "id": "page-1",
        "question": "How do I use Gaussian Blur?",
        "page": "blur.html",
        "images": ["blur.html-0", "blur.html-1"],
    }
    assert len(page_questions(chunks, max_images=40)) == 2
    assert page_questions(chunks, limit=0) == []


def run(question: str, page_name: str, shown: list[str], retrieved: bool) -> AnswerRun:
    scores = score_answer(gold_images=["p-1"], predicted_images=shown, reference="", prediction="")
    return AnswerRun(
        "rule", question, scores, {}, 0.1, False, shown, page=page_name, page_retrieved=retrieved
    )


def test_page_focus_pools_shown_images_and_counts_answers_showing_the_page():
    gold = {"q1": ["p-1", "p-2"], "q2": ["r-1"], "q3": ["s-1"]}
    runs = [
        run("q1", "p", ["p-1", "x-1", "p-2"], True),
        run("q2", "r", ["y-1"], True),
        run("q3", "s", [], False),
    ]
    assert page_focus(runs, gold) == {
        "from asked page %": 50.0,  # 2 of the 4 images shown
        "shows asked page %": 33.3,
        "images / answer": 1.33,
        "page retrieved %": 66.7,
    }
    assert page_focus([run("q1", "", ["p-1"], True)], gold) == {}
