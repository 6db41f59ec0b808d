"""`m2io serve` under more load than it can take, and stopped while it answers: real processes
with a real local LM (SmolLM2 on llama.cpp, a few seconds an answer on two cores)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from langserve import RemoteRunnable
from serve_helpers import QUESTION, REPO, m2io_process, m2io_server

pytestmark = pytest.mark.slow


def load_test(url: str, *args: str) -> dict:
    run = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "load_test.py"), "--url", url, "--json", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def small_pool(demo_store, tmp_path_factory):
    """One answer at a time, two waiting."""
    log = tmp_path_factory.mktemp("pool") / "server.log"
    settings = {**demo_store, "generator": "smollm2"}
    with m2io_server(settings, log, "--max-running", "1", "--max-waiting", "2") as url:
        yield url


def test_past_the_pool_requests_get_503_with_retry_after_and_none_fails(small_pool):
    statuses: list[httpx.Response] = []

    def ask() -> None:
        body = {"input": {"query": QUESTION}}
        statuses.append(httpx.post(f"{small_pool}/m2io/invoke", json=body, timeout=300))

    askers = [threading.Thread(target=ask) for _ in range(6)]
    for asker in askers:
        asker.start()
    time.sleep(0.5)
    health = httpx.get(f"{small_pool}/health", timeout=2)  # answered at once, pool full or not
    for asker in askers:
        asker.join()
    assert health.status_code == 200
    codes = sorted(r.status_code for r in statuses)
    assert set(codes) == {200, 503} and codes.count(200) >= 3, codes
    for busy in (r for r in statuses if r.status_code == 503):
        assert int(busy.headers["Retry-After"]) >= 1 and "busy" in busy.json()["error"]
    answered = [r.json()["output"] for r in statuses if r.status_code == 200]
    assert all(output["answer"] for output in answered)


def test_streaming_clients_that_honour_retry_after_all_get_answers(small_pool):
    impatient = load_test(small_pool, "-n", "8")
    assert impatient["errors"] == 0 and impatient["rejected"] >= 1
    assert impatient["answered"] + impatient["rejected"] == 8
    patient = load_test(small_pool, "-n", "6", "--retries", "40")
    assert (patient["answered"], patient["errors"]) == (6, 0)
    assert patient["retries"] >= 1 and patient["events_per_request"] == 5


def test_an_answer_past_the_timeout_is_stopped_and_the_server_goes_on(demo_store, tmp_path):
    settings = {**demo_store, "generator": "smollm2"}  # its answer takes 3 s or more
    with m2io_server(settings, tmp_path / "server.log", "--timeout", "1.5") as url:
        reply = httpx.post(f"{url}/m2io/invoke", json={"input": {"query": QUESTION}}, timeout=60)
        assert reply.status_code == 504
        assert "took longer than 1.5 s and was stopped" in reply.json()["error"]
        with pytest.raises(httpx.HTTPStatusError, match="took longer than 1.5 s"):
            list(RemoteRunnable(f"{url}/m2io/").stream({"query": QUESTION}))
        time.sleep(3)  # the stopped answers' prompts finish reading (decoding stopped at once)
        quick = {
            "input": {"query": QUESTION},
            "config": {"configurable": {"generator": "extractive"}},
        }
        reply = httpx.post(f"{url}/m2io/invoke", json=quick, timeout=60)
        assert reply.status_code == 200 and reply.json()["output"]["answer"]


def test_sigterm_lets_the_running_answer_finish_then_exits_cleanly(demo_store, tmp_path):
    settings = {**demo_store, "generator": "smollm2"}
    events: list[tuple[float, str]] = []
    statuses: list[int] = []
    with m2io_process(settings, tmp_path / "server.log") as (url, server):

        def stream() -> None:
            body = {"input": {"query": QUESTION}}
            with httpx.stream("POST", f"{url}/m2io/stream", json=body, timeout=120) as response:
                statuses.append(response.status_code)
                for line in response.iter_lines():
                    if line.startswith(("event:", "data:")):
                        events.append((time.monotonic(), line[:40]))

        client = threading.Thread(target=stream)
        client.start()
        while not any(line.startswith('data: {"retrieve"') for _, line in events):
            assert client.is_alive(), events
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        time.sleep(1.0)
        with pytest.raises(httpx.TransportError):  # no new requests once stopping
            httpx.get(f"{url}/health", timeout=2)
        client.join(timeout=120)
        assert server.wait(timeout=60) == 0
    lines = [line for _, line in events]
    assert statuses == [200] and lines[-1] == "event: end", lines
    assert any(line.startswith('data: {"merge"') for line in lines)
    assert any(at > stopped_at for at, line in events if line.startswith('data: {"merge"'))
    assert "requests that were running have been answered" in (tmp_path / "server.log").read_text()
