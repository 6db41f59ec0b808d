from PIL import Image

from m2io_graph.corpus.chunking import chunk_document
from m2io_graph.corpus.document import ImageSpec, ParsedDocument


def png(path, color="blue"):
    Image.new("RGB", (80, 60), color).save(path)
    return str(path)


def test_images_attach_to_the_sentence_they_follow(tmp_path):
    a, b = png(tmp_path / "a.png"), png(tmp_path / "b.png", "green")
    doc = ParsedDocument(
        "guide.html",
        "Guide",
        "/src/guide.html",
        [
            ImageSpec(a, alt="Opening"),
            "First sentence. Second sentence.",
            ImageSpec(b, caption="B"),
            "Third.\n\nFourth. Fifth.",
        ],
    )
    chunks, problems = chunk_document(doc)
    assert problems == []
    [chunk] = chunks
    assert chunk.sentences == [
        "First sentence.",
        "Second sentence.",
        "Third.",
        "Fourth.",
        "Fifth.",
    ]
    # Every block, and every paragraph inside one, ends where an image may go.
    assert chunk.paragraph_ends == [2, 3, 5]
    assert [(i["alt"] or i["caption"], i["after"], i["context"]) for i in chunk.images] == [
        ("Opening", 0, ""),
        ("B", 2, "Second sentence."),
    ]


def test_long_documents_split_and_images_stay_with_their_chunk(tmp_path):
    img = png(tmp_path / "x.png")
    sentences = [f"Sentence {i} talks about one more topic." for i in range(60)]
    segments = [" ".join(sentences[:30]), ImageSpec(img, alt="X"), " ".join(sentences[30:])]
    chunks, _ = chunk_document(ParsedDocument("d", "D", "d.md", segments), max_chars=300)
    assert len(chunks) > 3 and all(len(c.text) <= 300 for c in chunks)
    [holder] = [c for c in chunks if c.images]
    assert holder.sentences[holder.images[0]["after"] - 1] == sentences[29]


def test_ids_are_content_hashes(tmp_path):
    img = png(tmp_path / "x.png")
    copy = png(tmp_path / "same.png")
    doc = ParsedDocument("d", "D", "d.md", ["Text.", ImageSpec(img), ImageSpec(copy)])
    first, _ = chunk_document(doc)
    again, _ = chunk_document(doc)
    assert [c.id for c in first] == [c.id for c in again]
    assert len(first[0].images) == 1  # identical bytes: one image


def test_missing_and_corrupt_images_are_reported_and_skipped(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    good = png(tmp_path / "good.png")
    doc = ParsedDocument(
        "d",
        "D",
        "d.md",
        [
            "Before.",
            ImageSpec(str(tmp_path / "gone.png")),
            ImageSpec(str(broken)),
            ImageSpec(good),
            "After.",
        ],
    )
    chunks, problems = chunk_document(doc)
    assert len(problems) == 2
    assert (
        "gone.png: cannot read" in problems[0] and "broken.png: not a readable image" in problems[1]
    )
    assert [i["path"] for i in chunks[0].images] == [good]


def test_remote_images_are_kept_as_links():
    doc = ParsedDocument(
        "d", "D", "d.md", ["Look.", ImageSpec("https://example.org/a.png", alt="A")]
    )
    chunks, problems = chunk_document(doc)
    assert problems == [] and chunks[0].images[0]["path"] == "https://example.org/a.png"


def test_svg_figures_are_kept_and_files_named_svg_that_are_not_are_reported(tmp_path):
    drawing = tmp_path / "stroke.svg"
    drawing.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">'
        '<path d="M0 0 L300 200"/></svg>'
    )
    fake = tmp_path / "fake.svg"
    fake.write_text("<html><body>not a drawing</body></html>")
    truncated = tmp_path / "cut.svg"
    truncated.write_text("<svg xmlns='http://www.w3.org/2000/svg'")
    doc = ParsedDocument(
        "d",
        "D",
        "d.md",
        ["A stroke.", ImageSpec(str(drawing)), ImageSpec(str(fake)), ImageSpec(str(truncated))],
    )
    chunks, problems = chunk_document(doc)
    assert [i["path"] for i in chunks[0].images] == [str(drawing)]
    assert len(problems) == 2 and all("not a readable image" in p for p in problems)
