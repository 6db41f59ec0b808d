"""The same ingest and ask against a Chroma server (`chroma run`) instead of a folder, and the
faults a shared store meets: the server killed during an ingest, an ingest while `m2io serve`
answers from the same store."""

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from processes import free_port, running
from serve_helpers import M2IO, QUESTION, m2io_server
from test_ingest import expected_chunk_ids

from m2io_graph import build_graph, models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.ingest import ingest
from m2io_graph.corpus.store import CorpusStore
from m2io_graph.models.embeddings import get_embedder

CHROMA = str(Path(sys.executable).with_name("chroma"))
SECOND = "This copy is the second edition."


@contextmanager
def chroma_server(data: Path, port: int, log: Path) -> Iterator[subprocess.Popen]:
    command = [CHROMA, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", log) as server:
        yield server


@pytest.fixture
def chroma_url(tmp_path):
    port = free_port()
    with chroma_server(tmp_path / "server", port, tmp_path / "chroma.log"):
        yield f"http://127.0.0.1:{port}"


def second_edition(demo_dir: Path, folder: Path) -> Path:
    """The demo corpus with a sentence added to every paragraph: new chunks, same figures."""
    shutil.copytree(demo_dir, folder)
    for page in folder.glob("*.html"):
        page.write_text(page.read_text().replace("</p>", f" {SECOND}</p>"))
    return folder


def stored_ids(url: str) -> list[str]:
    return CorpusStore(get_embedder(), chroma_url=url)._chroma.get(include=[])["ids"]


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


def test_an_ingest_cut_off_by_a_killed_chroma_server_resumes_to_every_chunk_once(
    demo_dir, tmp_path
):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [M2IO, "ingest", str(demo_dir), "--chroma-url", url, "--quiet"]
    with chroma_server(tmp_path / "data", port, tmp_path / "chroma-1.log") as chroma:
        ingesting = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while not stored_ids(url):  # the first documents are in: kill it mid-way
            assert ingesting.poll() is None, ingesting.communicate()
            time.sleep(0.1)
        chroma.kill()
        chroma.wait(timeout=30)
        _, err = ingesting.communicate(timeout=120)
    message = err.decode()
    assert ingesting.returncode == 1, message
    assert "stopped answering" in message and "run the same command again" in message
    assert "Traceback" not in message
    with chroma_server(tmp_path / "data", port, tmp_path / "chroma-2.log"):
        resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        ids = stored_ids(url)
    assert " 0 already stored" not in resumed.stdout  # it resumed: what was stored stayed
    assert sorted(ids) == sorted(expected_chunk_ids(demo_dir))  # every chunk, each once


def answers_while(ingesting: subprocess.Popen, url: str) -> list[dict]:
    """Ask the server the demo question again and again until the ingest ends."""
    outputs = []
    while ingesting.poll() is None or not outputs:
        reply = httpx.post(f"{url}/m2io/invoke", json={"input": {"query": QUESTION}}, timeout=60)
        assert reply.status_code == 200, reply.text
        outputs.append(reply.json()["output"])
    return outputs


def assert_consistent(output: dict) -> None:
    """An answer made of stored chunks whose images are on disk, placing only its candidates."""
    assert output["answer"] and output["documents"]
    assert all(d["text"] and d["doc_id"] for d in output["documents"])
    paths = {c["id"]: c["path"] for c in output["candidates"]}
    assert paths and all(Path(path).is_file() for path in paths.values())
    assert {i["image_id"] for i in output["insertions"]} <= set(paths)


def ask_second_edition(url: str) -> list[dict]:
    body = {"input": {"query": SECOND, "k": 8}}
    return httpx.post(f"{url}/m2io/invoke", json=body, timeout=60).json()["output"]["documents"]


def test_answers_stay_whole_while_an_ingest_writes_to_the_chroma_server(
    chroma_url, demo_dir, tmp_path
):
    ingest(demo_dir, CorpusStore(get_embedder(), chroma_url=chroma_url), progress=False)
    second = second_edition(demo_dir, tmp_path / "second")
    with m2io_server({"chroma_url": chroma_url}, tmp_path / "server.log") as url:
        command = [M2IO, "ingest", str(second), "--chroma-url", chroma_url, "--quiet"]
        ingesting = subprocess.Popen(command, stderr=subprocess.PIPE)
        outputs = answers_while(ingesting, url)
        assert ingesting.wait() == 0, ingesting.stderr.read()
        for output in outputs:
            assert_consistent(output)
        # the server reads the new chunks at once: one store, owned by the Chroma server
        assert any(SECOND in d["text"] for d in ask_second_edition(url))
    assert len(outputs) >= 3


def test_an_ingest_into_the_served_folder_store_breaks_no_answer(demo_store, demo_dir, tmp_path):
    store_dir = tmp_path / "store"
    shutil.copytree(demo_store["store_dir"], store_dir)
    settings = {**demo_store, "store_dir": str(store_dir)}
    second = second_edition(demo_dir, tmp_path / "second")
    with m2io_server(settings, tmp_path / "server.log") as url:
        command = [M2IO, "ingest", str(second), "--store", str(store_dir), "--quiet"]
        ingesting = subprocess.Popen(command, stderr=subprocess.PIPE)
        outputs = answers_while(ingesting, url)
        assert ingesting.wait() == 0, ingesting.stderr.read()
        for output in outputs:
            assert_consistent(output)
    # an embedded store is read as it was when the server opened it: a restart reads the rest
    with m2io_server(settings, tmp_path / "server-2.log") as url:
        assert any(SECOND in d["text"] for d in ask_second_edition(url))
