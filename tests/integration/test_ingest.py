"""Ingest into a real Chroma store on disk with the real embedder."""

import json

import pytest
from PIL import Image

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
