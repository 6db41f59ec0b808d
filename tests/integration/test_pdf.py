"""PDFs end to end, as a user runs them: `m2io ingest` on the real excerpts (tests/pdfs), a
question answered with the figure that the manual places after its sentence, the figure's page
cited, inserter training data built from the PDF store, and a PDF of 1,200 pages read in bounded
memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from serve_helpers import M2IO, m2io_server

pytestmark = pytest.mark.slow

PDFS = Path(__file__).resolve().parents[1] / "pdfs"


def m2io(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([M2IO, *args], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def pdf_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("pdf") / "store"
    done = m2io("ingest", str(PDFS), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert (
        "13 documents" in done.stdout and "15 images" in done.stdout and "0 problems" in done.stdout
    )
    assert "ingest" in done.stderr  # the progress bar, one step per page document
    return store


def test_a_second_ingest_adds_nothing(pdf_store):
    again = m2io("ingest", str(PDFS), "--store", str(pdf_store), "--quiet")
    assert again.returncode == 0 and "0 chunks added" in again.stdout, again.stdout


def test_the_answer_shows_the_figure_after_its_sentence_and_cites_its_page(pdf_store):
    page = Path(pdf_store.parent / "answer.html")
    asked = m2io(
        "ask",
        "How do I plot node 1 and base versus time in ngspice?",
        "--store",
        str(pdf_store),
        "--generator",
        "extractive",
        "--inserter",
        "rule",
        "--json",
        "--html",
        str(page),
    )
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    shown = {c["id"]: c for c in result["candidates"]}
    captions = [shown[i["image_id"]]["caption"] for i in result["insertions"]]
    assert any(c.startswith("Figure 21.2: node 1 and node") for c in captions), captions
    assert "ngspice-excerpt.pdf, p. 7" in result["answer"]
    text = page.read_text()
    assert "data:image/png;base64," in text  # the rendered figure, read from the figures folder
    assert f"{(PDFS / 'ngspice-excerpt.pdf').as_uri()}#page=7" in text


def test_the_served_answer_page_links_each_figure_to_its_pdf_page(pdf_store, tmp_path):
    import html as markup
    import re

    import httpx

    with m2io_server({"store_dir": str(pdf_store)}, tmp_path / "server.log") as url:
        question = "How do I plot node 1 and base versus time in ngspice?"
        page = httpx.get(f"{url}/answer", params={"q": question}, timeout=120).text
        links = re.findall(r'href="(source\?path=[^"]+)"', page)
        assert links and all(link.endswith(("#page=7", "#page=8", "#page=5")) for link in links)
        pdf = httpx.get(f"{url}/{markup.unescape(links[0]).split('#')[0]}", timeout=30)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        outside = tmp_path / "other.pdf"
        outside.write_bytes((PDFS / "jacow-excerpt.pdf").read_bytes())
        for path in ("/etc/passwd", str(outside), str(PDFS / "ATTRIBUTION.md")):
            refused = httpx.get(f"{url}/source", params={"path": path}, timeout=30)
            assert refused.status_code == 404, path


def test_inserter_training_data_comes_from_a_pdf_store(pdf_store, tmp_path):
    out = tmp_path / "data"
    built = m2io("train", "data", "--store", str(pdf_store), "--out", str(out), "--quiet")
    assert built.returncode == 0, built.stderr
    stats = json.loads((out / "stats.json").read_text())["all"]
    assert stats["gold_images"] >= 12 and stats["positives"] >= 6


READ_ALL = """
import resource, sys
from pathlib import Path
from m2io_graph.corpus.pdf_loader import iter_pdf

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
docs = iter_pdf(Path(sys.argv[1]), doc_id="long.pdf", figures_dir=Path(sys.argv[2]))
pages = sum(1 for doc in docs if not doc.skipped)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
print(pages, grown)
"""


def test_a_pdf_of_1200_pages_is_read_a_page_at_a_time(tmp_path):
    import pypdfium2 as pdfium

    source = pdfium.PdfDocument(PDFS / "strucplot-excerpt.pdf")
    long = pdfium.PdfDocument.new()
    long.import_pages(source, [0] * 1200)  # a page of text, 1,200 times
    long.save(tmp_path / "long.pdf")
    run = subprocess.run(
        [sys.executable, "-c", READ_ALL, str(tmp_path / "long.pdf"), str(tmp_path / "f")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    pages, grown_mb = map(int, run.stdout.split())
    assert pages == 1200
    assert grown_mb < 200  # pages are read one at a time: memory does not grow with the file
