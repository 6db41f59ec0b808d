"""The same ingest and ask against a Chroma server (`chroma run`) instead of a folder."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from m2io_graph import build_graph, models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.ingest import ingest

CHROMA = str(Path(sys.executable).with_name("chroma"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            CHROMA,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


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
