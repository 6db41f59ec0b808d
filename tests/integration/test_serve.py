"""`m2io serve` as a real process: LangServe routes, bad requests, the load script, and the
OpenAI-compatible inserter endpoint used by the graph and by ChatOpenAI."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from dataclasses import fields

import httpx
import pytest
from inserter_prompts import CANDIDATES, SENTENCES
from langserve import RemoteRunnable
from serve_helpers import M2IO, QUESTION, REPO, m2io_server

from m2io_graph import build_graph
from m2io_graph.config import M2IOConfig

OTHER_QUESTION = "How do I upgrade all installed packages?"


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "server.log"
    with m2io_server(demo_store, log) as url:
        yield url


def test_remote_runnable_invoke_batch_and_config(server):
    remote = RemoteRunnable(f"{server}/m2io/")
    result = remote.invoke({"query": QUESTION})
    assert result["answer"] and result["inserter"] == "rule" and result["fallback"] is None
    assert result["insertions"], "the SSH question is illustrated in the demo corpus"
    assert set(result["timings"]) == {
        "retrieve",
        "generate_text",
        "extract_candidates",
        "insert_images",
        "merge",
    }
    results = remote.batch(
        [{"query": QUESTION}, {"query": OTHER_QUESTION}], {"configurable": {"k": 2}}
    )
    assert [len(r["documents"]) for r in results] == [2, 2]
    assert results[0]["text"] != results[1]["text"]


def test_remote_stream_shows_each_node_and_both_parallel_branches(server):
    chunks = list(RemoteRunnable(f"{server}/m2io/").stream({"query": QUESTION}))
    # LangServe streams a compiled graph's updates: one chunk per node, keyed by the node's name.
    nodes = [name for chunk in chunks for name in chunk]
    assert nodes[0] == "retrieve" and nodes[-2:] == ["insert_images", "merge"]
    assert sorted(nodes[1:3]) == ["extract_candidates", "generate_text"]
    by_node = {name: update for chunk in chunks for name, update in chunk.items()}
    assert by_node["extract_candidates"]["candidates"]
    assert by_node["generate_text"]["sentences"]
    assert by_node["merge"]["answer"]


def test_remote_stream_events_follow_the_diagram(server):
    async def node_events() -> list[tuple[str, str]]:
        order = []
        remote = RemoteRunnable(f"{server}/m2io/")
        async for event in remote.astream_events({"query": QUESTION}, version="v2"):
            node = event.get("metadata", {}).get("langgraph_node")
            if event["event"] in {"on_chain_start", "on_chain_end"} and event["name"] == node:
                order.append((event["event"].removeprefix("on_chain_"), node))
        return order

    order = asyncio.run(node_events())
    position = {step: i for i, step in enumerate(order)}
    for branch in ("generate_text", "extract_candidates"):
        assert position[("end", "retrieve")] < position[("start", branch)]
        assert position[("end", branch)] < position[("start", "insert_images")]
    assert order[-1] == ("end", "merge")


BAD_REQUESTS = [
    ("missing query", "/m2io/invoke", {"input": {}}, 422, "query: Field required"),
    ("query not a string", "/m2io/invoke", {"input": {"query": 5}}, 422, "valid string"),
    ("empty query", "/m2io/invoke", {"input": {"query": "  "}}, 422, "the query is empty"),
    ("k out of range", "/m2io/invoke", {"input": {"query": "x", "k": 0}}, 422, "k: "),
    ("unknown input key", "/m2io/invoke", {"input": {"query": "x", "qurey": "y"}}, 422, "qurey"),
    ("no input", "/m2io/invoke", {"inputs": {"query": "x"}}, 422, "input: Field required"),
    (
        "fixed setting",
        "/m2io/invoke",
        {"input": {"query": "x"}, "config": {"configurable": {"store_dir": "/etc"}}},
        422,
        "not a per-request setting",
    ),
    (
        "unknown inserter",
        "/m2io/invoke",
        {"input": {"query": "x"}, "config": {"configurable": {"inserter": "magic"}}},
        422,
        "'rule'",
    ),
    (
        "setting out of bounds",
        "/m2io/invoke",
        {"input": {"query": "x"}, "config": {"configurable": {"max_candidates": 99}}},
        422,
        "max_candidates: Input should be less than or equal to 32",
    ),
    ("empty query, streaming", "/m2io/stream", {"input": {"query": ""}}, 422, "query is empty"),
    (
        "one bad input in a batch",
        "/m2io/batch",
        {"inputs": [{"query": "x"}, {"query": 3}]},
        422,
        "valid string",
    ),
]


def test_config_schema_shows_the_per_request_settings(server):
    schema = httpx.get(f"{server}/m2io/config_schema").json()
    settings = schema["$defs"]["M2IOClientSettings"]
    meaning = {
        f.name: f.metadata["description"] for f in fields(M2IOConfig) if f.metadata["request"]
    }
    assert set(settings["properties"]) == set(meaning)
    for name, setting in settings["properties"].items():
        assert setting["description"] == meaning[name], name
    assert settings["properties"]["generator"]["default"] == "extractive"  # the server's own
    assert settings["properties"]["max_candidates"]["maximum"] == 32
    assert schema["properties"]["configurable"]["default"]["k"] == M2IOConfig.k


def test_bad_requests_get_clear_4xx_and_the_server_keeps_serving(server):
    with httpx.Client(base_url=server, timeout=120) as client:
        for name, path, body, status, message in BAD_REQUESTS:
            response = client.post(path, json=body)
            assert response.status_code == status, (name, response.text)
            assert message in response.json()["error"], (name, response.text)

        not_json = client.post(
            "/m2io/invoke", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert not_json.status_code == 422 and "Invalid JSON" in not_json.json()["error"]

        huge = b'{"input": {"query": "' + b"a" * 2_000_000 + b'"}}'
        too_big = client.post("/m2io/invoke", content=huge)
        assert too_big.status_code == 413 and "too large" in too_big.json()["error"]
        chunked = client.post("/m2io/invoke", content=iter([huge[:1_500_000], huge[1_500_000:]]))
        assert chunked.status_code == 413, "a body without Content-Length is capped too"

        empty_page = client.get("/answer", params={"q": " "})
        assert empty_page.status_code == 422 and "query is empty" in empty_page.json()["error"]
        assert client.get("/answer").status_code == 422

        good = client.post("/m2io/invoke", json={"input": {"query": QUESTION}})
        assert good.status_code == 200 and good.json()["output"]["answer"]
    assert httpx.get(f"{server}/health").json()["status"] == "ok"


def test_load_script_reports_no_errors(server):
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "load_test.py"),
            "--url",
            server,
            "-n",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["errors"] == 0 and report["requests"] == 5
    assert set(report["latency"]) == {"p50", "p95", "max"}
    assert 0 < report["first_event"]["p50"] <= report["latency"]["p50"]
    assert report["events_per_request"] == 5  # one update per node


def test_serve_refuses_an_empty_store(tmp_path):
    run = subprocess.run(
        [M2IO, "serve", "--store", str(tmp_path / "empty"), "--port", "9"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1 and "is empty" in run.stderr and "m2io ingest" in run.stderr


# The OpenAI-compatible inserter endpoint loads the inserter model on the server: slow on CPU.


@pytest.fixture(scope="module")
def openai_server(demo_store, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve-openai") / "server.log"
    with m2io_server(demo_store, log, "--openai") as url:
        yield url


@pytest.mark.slow
def test_graph_places_images_with_the_served_inserter(openai_server, demo_store):
    configurable = {
        **demo_store,
        "inserter": "llm",
        "inserter_llm": "openai",
        "inserter_base_url": f"{openai_server}/v1",
        "inserter_llm_model": "m2io-inserter",
    }
    result = build_graph().invoke({"query": QUESTION}, {"configurable": configurable})
    if result["fallback"] is None:
        assert result["inserter"] == "llm"
    else:  # the model answered, but with a plan the grammar refused: recorded, rule used
        assert result["inserter"] == "rule" and result["fallback"].startswith("GrammarError")
    assert "Connection" not in (result["fallback"] or ""), "the endpoint must have been reached"


@pytest.mark.slow
def test_chat_openai_invoke_and_stream_agree(openai_server):
    from langchain_openai import ChatOpenAI

    from m2io_graph.inserter.prompt import build_messages

    messages = build_messages(SENTENCES, CANDIDATES[:1])
    chat = ChatOpenAI(
        base_url=f"{openai_server}/v1", api_key="EMPTY", model="m2io-inserter", max_tokens=24
    )
    reply = chat.invoke(messages)
    assert reply.content and reply.usage_metadata["output_tokens"] <= 24
    chunks = list(chat.stream(messages))
    assert len(chunks) > 2, "tokens arrive as several chunks"
    assert "".join(c.content for c in chunks) == reply.content, "greedy: same text either way"


@pytest.mark.slow
def test_openai_wire_format_and_errors(openai_server):
    with httpx.Client(base_url=f"{openai_server}/v1", timeout=120) as client:
        assert [m["id"] for m in client.get("/models").json()["data"]] == ["m2io-inserter"]
        ask = {"model": "m2io-inserter", "messages": [{"role": "user", "content": "Say hi"}]}

        with client.stream(
            "POST",
            "/chat/completions",
            json=ask | {"stream": True, "max_tokens": 8, "stream_options": {"include_usage": True}},
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            data = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
        assert data[-1] == "[DONE]"
        chunks = [json.loads(d) for d in data[:-1]]
        assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
        assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
        assert chunks[-2]["choices"][0]["finish_reason"] in {"stop", "length"}
        assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] > 0

        stopped = client.post("/chat/completions", json=ask | {"max_tokens": 8, "stop": [" "]})
        assert " " not in stopped.json()["choices"][0]["message"]["content"]

        refusals = [
            (ask | {"model": "gpt-4o"}, 404, "not served here"),
            (ask | {"messages": []}, 400, "messages"),
            (ask | {"max_tokens": 100_000}, 400, "max_tokens"),
            (ask | {"n": 2}, 400, "n: "),
            (
                ask
                | {
                    "messages": [
                        {
                            "role": "user",
                            "content": [{"type": "image_url", "image_url": {"url": "x"}}],
                        }
                    ]
                },
                400,
                "text only",
            ),
        ]
        for body, status, message in refusals:
            response = client.post("/chat/completions", json=body)
            assert response.status_code == status, response.text
            assert message in response.json()["error"]["message"], response.text
        bad_json = client.post(
            "/chat/completions", content=b"{", headers={"content-type": "application/json"}
        )
        assert (
            bad_json.status_code == 400
            and bad_json.json()["error"]["type"] == "invalid_request_error"
        )
