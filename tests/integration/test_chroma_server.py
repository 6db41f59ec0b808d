"""The same ingest and ask against a Chroma server (`chroma run`) instead of a folder."""

import sys
from pathlib import Path

import pytest
from processes import free_port, running

from m2io_graph import build_graph, models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.ingest import ingest

CHROMA = str(Path(sys.executable).with_name("chroma"))


@pytest.fixture
def chroma_url(tmp_path):
    port = free_port()
    command = [CHROMA, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}"
    with running(
        [*command, "--port", str(port)], f"{url}/api/v2/heartbeat", tmp_path / "chroma.log"
    ):
        yield url


def test_ingest_and_ask_through_a_chroma_server(chroma_url, demo_dir):
    settings = {"chroma_url": chroma_url, "generator": "extractive", "store_dir": "/nonexistent"}
    store = models.corpus_store(M2IOConfig().updated(settings))
    report = ingest(demo_dir, store, progress=False)
    assert store.count() == report.chunks_added > 0 and store.location == chroma_url
    assert ingest(demo_dir, store, progress=False).chunks_added == 0
    result = build_graph(settings).invoke({"query": "How do I forward a local port with SSH?"})
    assert any(c["path"].endswith("ssh-L.png") for c in result["candidates"])


def test_unreachable_server_is_a_clear_error():
    from m2io_graph.corpus.store import CorpusStore, StoreError
    from m2io_graph.models.embeddings import get_embedder

    with pytest.raises(StoreError, match="127.0.0.1:9"):
        CorpusStore(get_embedder(), chroma_url="http://127.0.0.1:9")
