"""The PDF loader on real PDFs (excerpts in tests/pdfs/, see ATTRIBUTION.md there): the figures a
reader counts, their captions, the sentence each follows, two columns read in order, running
headers dropped; and on PDFs that are bad in the ways PDFs are (made here with pypdf, pypdfium2
and matplotlib)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from m2io_graph.corpus.chunking import chunk_document
from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.loaders import iter_documents
from m2io_graph.corpus.pdf_loader import iter_pdf
from m2io_graph.corpus.sources import LoadError

PDFS = Path(__file__).resolve().parents[1] / "pdfs"


def load(name: str, figures: Path) -> list[ParsedDocument]:
    return list(iter_pdf(PDFS / name, doc_id=name, figures_dir=figures))


def figures(docs: list[ParsedDocument]) -> list[ImageSpec]:
    return [s for doc in docs for s in doc.segments if isinstance(s, ImageSpec)]


def images_by_caption(docs: list[ParsedDocument]) -> dict[str, dict]:
    """Each stored image (after chunking, as ingest stores it), by its caption's number."""
    found = {}
    for doc in docs:
        for chunk in chunk_document(doc)[0]:
            for image in chunk.images:
                found[image["caption"].split(":")[0]] = image | {"chunk": chunk}
    return found


@pytest.fixture(scope="module")
def figures_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("figures")


EXPECTED = {
    "ngspice-excerpt.pdf": [
        (1, "Figure 18.1: MS Windows GUI"),
        (3, "Figure 18.2: Plotting with white background"),
        (5, "Figure 21.1: Transistor Amplifier Simulation Example"),
        (7, "Figure 21.2: node 1 and node ’base’ versus time"),
        (8, "Figure 21.3: VCC, Collector and Emitter Voltages"),
    ],
    "strucplot-excerpt.pdf": [
        (2, "Figure 1: Mosaic plot for the Arthritis data."),
        (2, "Figure 2: Conditional association plot for the UCBAdmissions data."),
        (3, "Figure 3: Mosaic plot for the PreSex data."),
        (3, "Figure 4: Double-decker plot for the Titanic data."),
        (4, "Figure 5: Components of the strucplot framework."),
        (5, "Figure 6: Viewport layout for strucplot displays with their names."),
        (6, "Figure 7: Mosaic plot for the HairEyeColor data."),
        (6, "Figure 8: Mosaic plot for the HairEyeColor data (expected values)."),
    ],
    "jacow-excerpt.pdf": [
        (1, "Figure 1: Layout of papers."),
        (2, "Figure 2: Example of a full-width figure showing the JACoW Team"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_figure_a_reader_counts_is_found_with_its_caption_and_page(name, figures_dir):
    """Raster screenshots (ngspice), vector plots (strucplot), a two-column paper (JACoW)."""
    found = figures(load(name, figures_dir))
    assert len(found) == len(EXPECTED[name])
    pairs = zip(found, EXPECTED[name], strict=True)
    assert [(f.page, f.caption[: len(c)]) for f, (_, c) in pairs] == EXPECTED[name]
    for figure in found:
        path = Path(figure.src)
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_figure_follows_the_sentence_a_reader_meets_before_it(figures_dir):
    ngspice = images_by_caption(load("ngspice-excerpt.pdf", figures_dir))
    assert ngspice["Figure 18.1"]["context"] == (
        "The GUI consists of an I/O port (lower window) and a graphics window, created by the "
        "plot command."
    )
    assert ngspice["Figure 21.2"]["context"] == (
        "The simulator responds by displaying an X Window System plot similar to that shown in "
        "Fig. 21.2."
    )
    assert ngspice["Figure 21.3"]["context"].endswith("plot vcc#branch.")
    strucplot = images_by_caption(load("strucplot-excerpt.pdf", figures_dir))
    # a page of floats (p. 2 and 3) follows the text of the page before it
    assert {strucplot[f"Figure {n}"]["doc_id"] for n in (1, 4)} == {"strucplot-excerpt.pdf#page=1"}
    assert strucplot["Figure 1"]["page"] == 2 and strucplot["Figure 4"]["page"] == 3
    assert strucplot["Figure 5"]["after"] == 0  # at the top of its page, before any sentence
    left, bottom, right, top = strucplot["Figure 5"]["box"]  # A4: 595 x 842 points
    assert 0 <= left < right <= 595 and 0 <= bottom < top <= 842 and top - bottom > 100
    jacow = images_by_caption(load("jacow-excerpt.pdf", figures_dir))
    assert jacow["Figure 1"]["context"].endswith(
        "to ensure proper flow of the text (which should flow from top to bottom in each column)."
    )


def test_two_columns_are_read_one_after_the_other(figures_dir):
    text = " ".join(
        s
        for doc in load("jacow-excerpt.pdf", figures_dir)
        for s in doc.segments
        if isinstance(s, str)
    )
    # the left column's sentence is whole, not spliced with the right column's heading
    assert (
        "These instructions are a typical implementation of the requirements. Manuscripts "
        "should have:" in text
    )
    assert (
        text.index("SUBMISSION OF PAPERS")
        < text.index("Fonts")
        < text.index("Title and Author List")
    )
    assert "LATEX template" in text  # small-caps glyphs are not doubled


def test_running_headers_page_numbers_and_figure_labels_are_not_text(figures_dir):
    docs = load("ngspice-excerpt.pdf", figures_dir) + load("strucplot-excerpt.pdf", figures_dir)
    blocks = [s for doc in docs for s in doc.segments if isinstance(s, str)]
    assert not any(
        b.startswith(("CHAPTER 21.", "CHAPTER 18.", "The Strucplot Framework")) for b in blocks
    )
    assert not any(b.strip().isdigit() for b in blocks)
    assert not any("Brown Blue Hazel Green" in b for b in blocks)  # labels of Figure 7


def test_pages_are_documents_titled_by_the_pdf_and_their_heading(figures_dir):
    docs = load("ngspice-excerpt.pdf", figures_dir)
    assert [d.doc_id for d in docs][:2] == [
        "ngspice-excerpt.pdf#page=1",
        "ngspice-excerpt.pdf#page=2",
    ]
    assert docs[2].title == "ngspice-excerpt, p. 3: 18.2 MS Windows Console"


def test_a_second_read_renders_the_same_files_and_ids(figures_dir):
    first = [(f.src, f.caption) for f in figures(load("jacow-excerpt.pdf", figures_dir))]
    again = [(f.src, f.caption) for f in figures(load("jacow-excerpt.pdf", figures_dir))]
    assert first == again


def test_a_folder_mixes_pdf_and_html_by_extension(tmp_path, figures_dir):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.html").write_text("<h1>A page</h1><p>Some text here.</p>")
    (tmp_path / "docs" / "paper.pdf").write_bytes((PDFS / "jacow-excerpt.pdf").read_bytes())
    ids = [d.doc_id for d in iter_documents(tmp_path / "docs", figures_dir=figures_dir)]
    assert ids == ["page.html", "paper.pdf#page=1", "paper.pdf#page=2"]


# --- bad PDFs -------------------------------------------------------------------------------


def matplotlib_pdf(path: Path, pages: list[str | None]) -> Path:
    """A real PDF: each page a paragraph of text, or (None) only a picture, no text layer."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    with PdfPages(path) as pdf:
        for text in pages:
            page = Figure(figsize=(8.5, 11))
            if text is None:
                page.figimage([[0, 1], [1, 0]] * 50, resize=False, xo=100, yo=300)
            else:
                page.text(0.1, 0.8, text, fontsize=11, wrap=True)
            pdf.savefig(page)
    return path


def test_encrypted_zero_byte_and_not_a_pdf_are_clear_errors(tmp_path, figures_dir):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(PDFS / "jacow-excerpt.pdf"))
    writer.encrypt("secret", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    cases = {
        "locked.pdf": (buffer.getvalue(), "encrypted"),
        "empty.pdf": (b"", "not a readable PDF"),
        "fake.pdf": (b"<html>not a pdf</html>", "not a readable PDF"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(LoadError, match=message):
            list(iter_pdf(tmp_path / name, doc_id=name, figures_dir=figures_dir))


def test_a_truncated_pdf_gives_what_can_be_read_or_a_clear_error(tmp_path, figures_dir):
    data = (PDFS / "strucplot-excerpt.pdf").read_bytes()
    for fraction in (0.3, 0.6, 0.9):
        cut = tmp_path / f"cut-{fraction}.pdf"
        cut.write_bytes(data[: int(len(data) * fraction)])
        try:
            docs = list(iter_pdf(cut, doc_id=cut.name, figures_dir=figures_dir))
        except LoadError as error:
            assert "not a readable PDF" in str(error)
        else:
            assert all(isinstance(d, ParsedDocument) for d in docs)


def test_a_pdf_without_a_text_layer_is_reported_not_ingested(tmp_path, figures_dir):
    scanned = matplotlib_pdf(tmp_path / "scan.pdf", [None, None])
    (doc,) = iter_pdf(scanned, doc_id="scan.pdf", figures_dir=figures_dir)
    assert not doc.segments and "no text layer" in doc.skipped[0]


def test_a_page_that_fails_is_reported_and_the_next_pages_are_read(
    tmp_path, figures_dir, monkeypatch
):
    from m2io_graph.corpus import pdf_loader

    path = matplotlib_pdf(tmp_path / "three.pdf", ["First page text.", "Second.", "Third page."])
    real = pdf_loader._segments

    def second_fails(page, lines, *args, **kwargs):
        if any("Second" in line.text for line in lines):
            raise RuntimeError("a broken content stream")
        return real(page, lines, *args, **kwargs)

    monkeypatch.setattr(pdf_loader, "_segments", second_fails)
    docs = list(iter_pdf(path, doc_id="three.pdf", figures_dir=figures_dir))
    assert [d.segments for d in docs] == [["First page text."], [], ["Third page."]]
    assert "page 2 not read" in docs[1].skipped[0] and "broken content stream" in docs[1].skipped[0]


def test_a_figure_that_cannot_be_rendered_is_reported_and_the_page_kept(tmp_path, monkeypatch):
    from m2io_graph.corpus import pdf_loader

    def broken(page, box, target):
        raise OSError("disk full")

    monkeypatch.setattr(pdf_loader, "_render", broken)
    docs = list(iter_pdf(PDFS / "ngspice-excerpt.pdf", doc_id="n.pdf", figures_dir=tmp_path))
    assert not figures(docs) and len(docs) == 8
    assert any("could not be rendered" in s and "disk full" in s for d in docs for s in d.skipped)
    assert all(any(isinstance(s, str) for s in d.segments) for d in docs)
