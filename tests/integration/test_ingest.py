"""Ingest into a real Chroma store on disk with the real embedder."""

import json
import subprocess

import pytest
from PIL import Image
from serve_helpers import M2IO

from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.chunking import chunk_document
from m2io_graph.corpus.ingest import ingest
from m2io_graph.corpus.loaders import iter_documents
from m2io_graph.corpus.store import CorpusStore
from m2io_graph.models import corpus_store


def store_at(path) -> CorpusStore:
    return corpus_store(M2IOConfig().updated({"store_dir": str(path)}))


def expected_chunk_ids(folder) -> set[str]:
    return {c.id for doc in iter_documents(folder) for c in chunk_document(doc)[0]}


def test_demo_corpus_ingests_with_its_figures(demo_dir, tmp_path):
    store = store_at(tmp_path / "s")
    report = ingest(demo_dir, store, progress=False)
    assert report.documents >= 8 and report.images >= 20
    assert store.count() == len(expected_chunk_ids(demo_dir)) == report.chunks_added
    hits = store.search("forwarding a local port with SSH", k=3)
    figures = store.images_of([h["doc_id"] for h in hits])
    assert any(i["path"].endswith("ssh-L.png") for i in figures)


def test_reingest_adds_nothing(demo_dir, tmp_path):
    store = store_at(tmp_path / "s")
    first = ingest(demo_dir, store, progress=False)
    again = ingest(demo_dir, store, progress=False)
    assert again.chunks_added == 0 and again.chunks_existing == first.chunks_added
    assert store.count() == first.chunks_added


def test_interrupted_ingest_resumes_to_exactly_once(demo_dir, tmp_path, monkeypatch):
    store = store_at(tmp_path / "s")
    calls = {"n": 0}
    real_add = CorpusStore.add

    def dying_add(self, chunks):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-ingest
        real_add(self, chunks)

    monkeypatch.setattr(CorpusStore, "add", dying_add)
    with pytest.raises(KeyboardInterrupt):
        ingest(demo_dir, store, progress=False)
    partial = store.count()
    monkeypatch.setattr(CorpusStore, "add", real_add)
    report = ingest(demo_dir, store, progress=False)
    expected = expected_chunk_ids(demo_dir)
    assert 0 < partial < len(expected)
    assert report.chunks_existing == partial
    assert store.count() == len(expected)
    assert set(store._chroma.get(include=[])["ids"]) == expected


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    Image.new("RGB", (120, 80), "navy").save(docs / "good.png")
    (docs / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    (docs / "page.html").write_text(
        "<html><head><title>Page</title></head><body><p>The good figure shows a router."
        '<img src="good.png" alt="A router"></p><p>Missing here.<img src="nowhere.png" alt="Lost">'
        '</p><p>Corrupt here.<img src="broken.png" alt="Broken"></p></body></html>'
    )
    (docs / "unclosed.html").write_text(
        "<html><body><div><p>Unclosed paragraph about disks <b>bold"
    )
    (docs / "notes.md").write_text("# Notes\n\nA switch connects hosts.\n\n![A switch](good.png)\n")
    (docs / "images_info.json").write_text(
        json.dumps({"img-1": {"image_path": "good.png", "image_caption": "A firewall"}})
    )
    (docs / "bench.jsonl").write_text(
        json.dumps(["m1", "A firewall filters packets. <PIC>", ["img-1"]])
        + "\n{not json\n"
        + json.dumps(["m2", "Routers route.", []])
        + "\n"
    )
    store = store_at(tmp_path / "s")
    report = ingest(docs, store, progress=False)
    text = "\n".join(report.problems)
    assert "nowhere.png" in text and "broken.png" in text and "bench.jsonl:2: bad JSON" in text
    assert store.count() >= 4
    [hit] = store.search("router figure", k=1)
    assert [i["alt"] for i in hit["images"]] == ["A router"]


def test_m2io_ingest_reports_hostile_files_and_stores_the_rest(tmp_path):
    """`m2io ingest` as a user runs it, on a folder where every kind of file that used to end
    the ingest with a traceback sits beside a good page: exit 0, one warning per bad part,
    every good document stored, memory bounded by the size cap."""
    docs = tmp_path / "docs"
    docs.mkdir()
    Image.new("RGB", (120, 80), "navy").save(docs / "router.png")
    Image.new("1", (20_000, 20_000)).save(docs / "bomb.png")  # ~50 KB, 400 megapixels
    (docs / "bomb.html").write_text(
        '<p>A bomb of a picture.<img src="bomb.png" alt="Bomb"></p>'
        '<p>Routers forward packets.<img src="router.png" alt="A router"></p>'
    )
    (docs / "deep.html").write_text(
        "<p>Nested pages parse.</p>" + "<div>" * 5000 + "Deep text survives." + "</div>" * 5000
    )
    with (docs / "huge.html").open("wb") as page:
        page.truncate(200 * 2**20)  # sparse: no disk used
    (docs / "images_info.json").write_text("{}")
    with (docs / "doc_huge.jsonl").open("wb") as lines:
        lines.write(json.dumps(["m1", "A first line loads.", []]).encode() + b"\n")
        lines.truncate(2**30)  # then a 1 GB line of NULs
    with (docs / "doc_huge.jsonl").open("ab") as lines:
        lines.write(b"\n" + json.dumps(["m2", "A last line loads too.", []]).encode() + b"\n")
    (docs / "notes.md").write_text("# Notes\n\nA switch connects hosts.\n")
    store = tmp_path / "store"
    run = subprocess.run(
        [M2IO, "ingest", str(docs), "--quiet", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 3, run.stderr
    assert "bomb.png: image too large to decode safely" in warnings[0]
    assert "doc_huge.jsonl:2: larger than 32 MiB" in warnings[1]
    assert "huge.html: larger than 32 MiB, not read" in warnings[2]
    chunks = {c.doc_id: c for c in store_at(store).iter_chunks()}
    assert set(chunks) == {"bomb.html", "deep.html", "m1", "m2", "notes.md"}
    assert [i["alt"] for i in chunks["bomb.html"].images] == ["A router"]
    assert chunks["deep.html"].text == "Nested pages parse. Deep text survives."
