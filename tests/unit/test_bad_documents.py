"""One bad document never stops an ingest: hostile and broken input, written here, next to a good
document that must still come through. Property-based (hypothesis) for the three loaders, plus
the cases that used to crash: deep nesting, decompression bombs, huge files."""

from __future__ import annotations

import json
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.embeddings import DeterministicFakeEmbedding
from PIL import Image

from m2io_graph.corpus import ingest as ingest_module
from m2io_graph.corpus.chunking import chunk_document
from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.ingest import ingest
from m2io_graph.corpus.loaders import LoadError, iter_documents
from m2io_graph.corpus.store import CorpusStore

pytestmark = pytest.mark.filterwarnings("ignore:Relevance scores must be between 0 and 1")

FEW = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Enough examples to meet each kind of damage a few times, in seconds."""


def png(path: Path, size: tuple[int, int] = (120, 80)) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, "steelblue").save(path)
    return str(path.resolve())


def bomb_png(path: Path, side: int = 20_000) -> None:
    """A valid 1-bit PNG of side×side pixels in under 100 KB (all zeros compress to almost
    nothing), which would take gigabytes to decode. Written a row block at a time."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)
    idat = b"".join(packer.compress(row * 1000) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def by_id(docs: list[ParsedDocument]) -> dict[str, ParsedDocument]:
    return {d.doc_id: d for d in docs}


# --- the documents that crashed the ingest ----------------------------------------------------


def test_deeply_nested_html_keeps_all_its_text(tmp_path: Path) -> None:
    depth = 5000
    (tmp_path / "deep.html").write_text(
        "<p>Before the nest.</p>"
        + "<div>" * depth
        + "Deep inside."
        + "</div>" * depth
        + "<span><b>" * depth
        + "Inline all the way down."
        + "<p>After the nest.</p>"
    )
    [doc] = iter_documents(tmp_path / "deep.html")
    assert doc.segments == [
        "Before the nest.",
        "Deep inside.",
        "Inline all the way down.",
        "After the nest.",
    ]
    assert doc.skipped == []


def test_markdown_nested_too_deep_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    quotes = "> " * 3000 + "Quoted far down.\n"
    lists = "".join("  " * i + "- item\n" for i in range(400))
    page = tmp_path / "deep.md"
    page.write_text(f"# Deep\n\nFirst paragraph.\n\n{quotes}\n{lists}\n")
    [doc] = iter_documents(page)
    assert doc.segments[:2] == ["Deep", "First paragraph."]
    assert "nested more than 100 levels deep" in doc.skipped[0]


def test_decompression_bomb_is_reported_and_the_page_kept(tmp_path: Path) -> None:
    bomb_png(tmp_path / "bomb.png")
    assert (tmp_path / "bomb.png").stat().st_size < 100_000
    good = png(tmp_path / "good.png")
    (tmp_path / "page.html").write_text(
        '<p>A huge picture.<img src="bomb.png" alt="Bomb"></p>'
        '<p>A router.<img src="good.png" alt="A router"></p>'
    )
    [doc] = iter_documents(tmp_path / "page.html")
    assert ImageSpec(src=good, alt="A router") in doc.segments
    chunks, problems = chunk_document(doc)
    assert [i["alt"] for c in chunks for i in c.images] == ["A router"]
    assert "page.html: skipped image" in problems[0] and "too large to decode" in problems[0]
    assert chunks[0].text == "A huge picture. A router."


def test_huge_page_is_refused_without_being_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.html"
    with huge.open("wb") as file:
        file.truncate(200 * 2**20)  # 200 MB, sparse: costs no disk
    (tmp_path / "small.html").write_text("<p>Small page.</p>")
    tracemalloc.start()
    try:
        docs = by_id(list(iter_documents(tmp_path)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
    assert "larger than 32 MiB, not read" in docs["huge.html"].skipped[0]
    assert docs["small.html"].segments == ["Small page."]
    with pytest.raises(LoadError, match="--max-file-mb"):
        list(iter_documents(tmp_path / "small.html", max_file_bytes=8))


def mramg_folder(folder: Path, lines: list[bytes], info: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    info = (
        info if info is not None else {"g_1": {"image_path": "g_1.png", "image_caption": "A fox"}}
    )
    (folder / "images_info.json").write_text(json.dumps(info))
    png(folder / "g_1.png")
    jsonl = folder / f"doc_{folder.name}.jsonl"
    jsonl.write_bytes(b"\n".join(lines) + b"\n")
    return jsonl


GOOD_LINE = json.dumps(["good", "Foxes jump. <PIC> Dogs sleep.", ["g_1"]]).encode()


def good_mramg(doc: ParsedDocument, folder: Path) -> bool:
    src = str((folder / "g_1.png").resolve())
    return doc.segments == ["Foxes jump.", ImageSpec(src=src, caption="A fox"), "Dogs sleep."]


def test_mramg_jsonl_is_streamed_line_by_line(tmp_path: Path) -> None:
    filler = json.dumps(["f", "Filler text of a line. " * 170, []]).encode()
    jsonl = mramg_folder(tmp_path / "big", [filler] * 2_500 + [GOOD_LINE])
    assert jsonl.stat().st_size > 8 * 2**20
    tracemalloc.start()
    try:
        count, last = 0, None
        for doc in iter_documents(jsonl):
            count, last = count + 1, doc
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 2_501 and last is not None and good_mramg(last, tmp_path / "big")
    assert peak < 4 * 2**20, f"peak {peak / 2**20:.1f} MiB: the file was read whole"


def test_mramg_oversized_and_undecodable_lines_are_skipped(tmp_path: Path) -> None:
    long_line = json.dumps(["long", "word " * 50_000, []]).encode()
    latin = (
        json.dumps(["latin", "caf\u00e9", []], ensure_ascii=False)
        .encode()
        .replace(b"\xc3\xa9", b"\xe9")
    )
    jsonl = mramg_folder(tmp_path / "m", [b"\xef\xbb\xbf" + GOOD_LINE, long_line, latin, GOOD_LINE])
    docs = list(iter_documents(jsonl, max_file_bytes=4096))
    assert [d.doc_id for d in docs] == ["good", "doc_m.jsonl:2", "doc_m.jsonl:3", "good"]
    assert "larger than" in docs[1].skipped[0] and "not UTF-8" in docs[2].skipped[0]
    assert good_mramg(docs[0], tmp_path / "m") and good_mramg(docs[3], tmp_path / "m")


def test_images_outside_the_ingested_folder_are_never_read(tmp_path: Path) -> None:
    secret = png(tmp_path / "private" / "secret.png")
    docs = tmp_path / "docs"
    (docs / "img").mkdir(parents=True)
    (docs / "img" / "link.png").symlink_to(secret)
    (docs / "page.html").write_text(
        f'<p>One.<img src="../private/secret.png" alt="a"></p><p>Two.<img src="file://{secret}"'
        ' alt="b"></p><p>Three.<img src="img/link.png" alt="c"></p>'
    )
    info = {"s": {"image_path": "../private/secret.png"}, "t": {"image_path": secret}}
    mramg_folder(docs / "m", [json.dumps(["x", "Up <PIC> and <PIC>", ["s", "t"]]).encode()], info)
    found = by_id(list(iter_documents(docs)))
    assert found["page.html"].segments == ["One.", "Two.", "Three."]
    assert all("outside the ingested folder" in p for p in found["page.html"].skipped)
    assert found["x"].segments == ["Up", "and"] and len(found["x"].skipped) == 2


# --- the general guard ------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> CorpusStore:
    return CorpusStore(DeterministicFakeEmbedding(size=16), store_dir=str(tmp_path / "store"))


def test_an_unforeseen_error_in_one_document_is_reported_and_the_ingest_goes_on(
    tmp_path: Path, store: CorpusStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser or chunker bug on odd input (injected here) costs that document only; running
    out of memory or Ctrl-C still stops the ingest."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (docs / name).write_text(f"# {name}\n\nText of {name}.\n")
    real_chunk = chunk_document

    def failing(fault: BaseException):
        def chunk(doc: ParsedDocument, *args: object):
            if doc.doc_id == "b.md":
                raise fault
            return real_chunk(doc, *args)

        return chunk

    monkeypatch.setattr(ingest_module, "chunk_document", failing(ZeroDivisionError("bug")))
    report = ingest(docs, store, progress=False)
    assert report.documents == 3 and report.chunks_added == 2
    assert report.problems == [
        f"{docs / 'b.md'}: b.md not ingested (unexpected ZeroDivisionError: bug)"
    ]
    for fault in (MemoryError(), KeyboardInterrupt()):
        monkeypatch.setattr(ingest_module, "chunk_document", failing(fault))
        with pytest.raises(type(fault)):
            ingest(docs, store, progress=False)


def test_an_unforeseen_parser_error_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from m2io_graph.corpus import loaders

    (tmp_path / "a.html").write_text("<p>a</p>")
    (tmp_path / "b.md").write_text("b\n")

    def broken(path: Path, **kwargs: object) -> ParsedDocument:
        raise IndexError("parser bug")

    monkeypatch.setitem(loaders._PAGE_LOADERS, "html", broken)
    docs = by_id(list(iter_documents(tmp_path)))
    assert docs["a.html"].skipped == [f"{tmp_path / 'a.html'}: unexpected IndexError: parser bug"]
    assert docs["b.md"].segments == ["b"]
    with pytest.raises(LoadError, match="a.html: unexpected IndexError"):
        list(iter_documents(tmp_path / "a.html"))


# --- property-based: random and damaged documents next to a good one --------------------------

ODD_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"), st.sampled_from("\x00\x01\x0b\ufeff\u200b\ufffe<>&\"'\\")
    ),
    max_size=30,
)
REFERENCES = st.one_of(
    ODD_TEXT,
    st.sampled_from(
        [
            "good.png",
            "missing.png",
            "../../../../etc/passwd",
            "/etc/hostname",
            "file:///etc/hosts",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "http://[::1",
            "//cdn.example.org/x.png",
            "%2e%2e/%2e%2e/x.png",
            "img/%00.png",
            "C:\\pics\\x.png",
        ]
    ),
)
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["src", "alt", "title", "class", "id", "width", "srcset", "role", "hidden"]),
    st.one_of(REFERENCES, st.just("x" * 100_000)),
    max_size=3,
)
TAGS = st.sampled_from(
    "div span p figure figcaption table tr td th pre a nav ul li h1 em script b img br main "
    "article header template svg math caption".split()
)


@st.composite
def html_elements(draw: st.DrawFn, children: st.SearchStrategy[str]) -> str:
    tag, attributes = draw(TAGS), draw(ATTRIBUTES)
    quoted = "".join(f' {k}="{v}"' for k, v in attributes.items())
    inner = "".join(draw(st.lists(children, max_size=4)))
    return f"<{tag}{quoted}>{inner}</{tag}>"


HTML = st.recursive(ODD_TEXT, html_elements, max_leaves=12)
MARKDOWN_PIECES = st.sampled_from(
    [
        "# ",
        "\n\n",
        "> ",
        "- ",
        "1. ",
        "    ",
        "```\n",
        "![alt](good.png)",
        '![x](missing.png "title")',
        "![](<../../etc/passwd>)",
        "[ref]: good.png\n",
        "![ref]",
        "*",
        "_",
        "`",
        "<img src='good.png'>",
        "<div>",
        "</div>",
        "---\ntitle: x\n---\n",
        "|a|b|\n|-|-|\n",
    ]
)
MARKDOWN = st.lists(st.one_of(MARKDOWN_PIECES, ODD_TEXT), max_size=25).map("".join)


@st.composite
def damaged(draw: st.DrawFn, documents: st.SearchStrategy[str], opener: str) -> bytes:
    """A document, then some of: deep nesting, truncation, an odd encoding, NULs, raw bytes."""
    text = draw(documents)
    if draw(st.booleans()):
        depth = draw(st.integers(100, 3000))
        text = opener * depth + text + ("" if draw(st.booleans()) else opener[::-1] * depth)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]
    codec = draw(
        st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1", "cp1252"])
    )
    data = text.encode(codec, errors="replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    return data


def assert_good_document_survives(folder: Path, bad_name: str, bad: bytes, good_name: str) -> None:
    """Loading and chunking the folder raises nothing, and the good document comes out whole."""
    (folder / bad_name).write_bytes(bad)
    docs = by_id(list(iter_documents(folder)))
    for doc in docs.values():
        chunk_document(doc)
    image = ImageSpec(src=str((folder / "good.png").resolve()), alt="A router")
    assert docs[good_name].segments == ["Routers forward packets.", image, "Next paragraph."]


GOOD_PAGES = {
    "good.html": '<p>Routers forward packets.<img src="good.png" alt="A router"></p>'
    "<p>Next paragraph.</p>",
    "good.md": "Routers forward packets.\n\n![A router](good.png)\n\nNext paragraph.\n",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example of a test (hypothesis runs them one after another): the good
    pages and their image; each example writes its own bad file over the last one."""
    folder = tmp_path_factory.mktemp("bad-documents")
    png(folder / "good.png")
    for name, text in GOOD_PAGES.items():
        (folder / name).write_text(text)
    return folder


@FEW
@given(bad=damaged(HTML, "<div><span>"))
def test_random_and_damaged_html_never_escapes(folder: Path, bad: bytes) -> None:
    assert_good_document_survives(folder, "bad.html", bad, "good.html")


@FEW
@given(bad=damaged(MARKDOWN, "> - "))
def test_random_and_damaged_markdown_never_escapes(folder: Path, bad: bytes) -> None:
    assert_good_document_survives(folder, "bad.md", bad, "good.md")


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), ODD_TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
RECORDS = st.tuples(
    st.one_of(ODD_TEXT, st.integers()),
    st.lists(st.one_of(ODD_TEXT, st.just(" <PIC> ")), max_size=5).map("".join),
    st.lists(st.sampled_from(["t_1", "t_2", "t_3", "nope"]), max_size=3),
).map(lambda r: json.dumps(list(r)))
LINES = st.one_of(
    RECORDS,
    JSON_VALUES.map(json.dumps),
    ODD_TEXT,
    st.just(json.dumps(["big", "word " * 20_000, []])),
    st.just('["s", "lone \\ud800 surrogate", []]'),
).map(lambda line: line.encode("utf-8", errors="replace"))
DAMAGED_LINES = st.one_of(
    LINES,
    st.binary(max_size=40),
    LINES.flatmap(lambda line: st.integers(0, len(line)).map(lambda cut: line[:cut])),
)
INFO = st.dictionaries(
    st.sampled_from(["t_1", "t_2", "t_3"]),
    st.one_of(
        st.fixed_dictionaries(
            {"image_path": REFERENCES, "image_caption": ODD_TEXT, "image_url": REFERENCES}
        ),
        JSON_VALUES,
    ),
    max_size=3,
)


@FEW
@given(lines=st.lists(DAMAGED_LINES, max_size=6), info=INFO)
def test_random_and_damaged_mramg_never_escapes(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], info: dict
) -> None:
    root = tmp_path_factory.mktemp("mramg")
    mramg_folder(root / "bad", lines, info)
    mramg_folder(root / "good", [GOOD_LINE])
    docs = list(iter_documents(root))
    for doc in docs:
        chunk_document(doc)
    assert good_mramg(next(d for d in docs if d.doc_id == "good"), root / "good")


@settings(max_examples=10, deadline=None, database=None)
@given(bad=damaged(HTML, "<div><span>"), lines=st.lists(DAMAGED_LINES, max_size=4))
def test_random_documents_through_the_real_store(
    tmp_path_factory: pytest.TempPathFactory, bad: bytes, lines: list[bytes]
) -> None:
    """The whole ingest, into Chroma: whatever the bad files hold, the good page is stored."""
    root = tmp_path_factory.mktemp("ingest")
    png(root / "good.png")
    (root / "good.md").write_text("# Good\n\nRouters forward packets.\n\n![A router](good.png)\n")
    (root / "bad.html").write_bytes(bad)
    mramg_folder(root / "m", lines)
    store = CorpusStore(DeterministicFakeEmbedding(size=16), store_dir=str(root / "store"))
    report = ingest(root, store, progress=False)
    assert report.documents >= 2
    [hit] = [c for c in store.iter_chunks() if c.doc_id == "good.md"]
    assert hit.text == "Good Routers forward packets." and [i["alt"] for i in hit.images] == [
        "A router"
    ]
