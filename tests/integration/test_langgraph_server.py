"""The graph served by `langgraph dev` (langgraph.json) and driven by the langgraph-sdk client.

A real server process on a free port, settings from `M2IO_*` env vars, a real thread: what a user
gets from the README's "LangGraph server" section.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from langgraph_cli.config import validate_config_file
from langgraph_sdk import get_client
from processes import free_port, running

from m2io_graph.config import M2IOConfig

REPO = Path(__file__).resolve().parents[2]
LANGGRAPH = str(Path(sys.executable).with_name("langgraph"))
QUESTION = "How do I forward a local port with SSH?"
PER_REQUEST = {f.name for f in fields(M2IOConfig) if f.metadata["request"]}


@pytest.fixture
def server_url(demo_store: dict, tmp_path: Path) -> Iterator[str]:
    """`langgraph dev` run from a temp folder, so its `.langgraph_api/` files stay out of the repo;
    the graph is named by module in langgraph.json and so loads from any working directory."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "M2IO_STORE_DIR": demo_store["store_dir"],
        "M2IO_GENERATOR": "extractive",
        "HF_HUB_OFFLINE": "1",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",  # the CLI otherwise posts usage data
        "LANGGRAPH_NO_VERSION_CHECK": "true",  # the server otherwise asks PyPI for a newer version
        "LANGSMITH_TRACING": "false",
    }
    log = tmp_path / "langgraph-dev.log"
    command = [
        LANGGRAPH,
        "dev",
        "--config",
        str(REPO / "langgraph.json"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--no-reload",
    ]
    with running(command, f"{url}/ok", log, cwd=tmp_path, env=env):
        yield url


async def ask_through_server(url: str) -> tuple[list[tuple[str, Any]], dict, dict]:
    """Create a thread, stream one run's node updates, then read the thread back."""
    client = get_client(url=url)
    assistants = await client.assistants.search(graph_id="m2io")
    thread = await client.threads.create()
    chunks = [
        (chunk.event, chunk.data)
        async for chunk in client.runs.stream(
            thread["thread_id"],
            "m2io",
            input={"query": QUESTION},
            config={"configurable": {"k": 2, "inserter": "rule"}},
            stream_mode="updates",
        )
    ]
    state = await client.threads.get_state(thread["thread_id"])
    schemas = await client.assistants.get_schemas(assistants[0]["assistant_id"])
    return chunks, state, {"assistants": assistants, "thread": thread, "schemas": schemas}


def test_langgraph_json_names_the_served_graph() -> None:
    """The config the CLI validates names a module (not a file path relative to the working
    directory) whose `graph` is the compiled m2io graph."""
    config = validate_config_file(REPO / "langgraph.json")
    module, variable = config["graphs"]["m2io"].split(":")
    assert "/" not in module
    graph = getattr(importlib.import_module(module), variable)
    assert graph.name == "m2io"
    assert {"retrieve", "generate_text", "extract_candidates"} <= set(graph.get_graph().nodes)
    assert set(graph.get_context_jsonschema()["properties"]) == PER_REQUEST


@pytest.mark.slow  # ingest + server start + first embedder load: ~50 s on 2 cores
def test_langgraph_dev_serves_the_graph_and_streams_both_branches(server_url: str) -> None:
    chunks, state, extra = asyncio.run(ask_through_server(server_url))

    assert [a["graph_id"] for a in extra["assistants"]] == ["m2io"]
    assert not [data for event, data in chunks if event == "error"], chunks
    updates = [data for event, data in chunks if event == "updates"]
    nodes = [node for update in updates for node in update]
    # the two branches run in the same superstep: both arrive after retrieve, before insert_images
    assert nodes[0] == "retrieve" and nodes[-2:] == ["insert_images", "merge"]
    assert sorted(nodes[1:3]) == ["extract_candidates", "generate_text"] and len(nodes) == 5
    by_node = {node: update[node] for update in updates for node in update}
    assert by_node["generate_text"]["sentences"]
    assert any(c["path"].endswith("ssh-L.png") for c in by_node["extract_candidates"]["candidates"])
    answer = by_node["merge"]["answer"]
    assert "![" in answer and "ssh" in answer.lower()

    values = state["values"]
    assert state["next"] == [] and values["answer"] == answer and values["query"] == QUESTION
    assert len(values["documents"]) == 2  # the per-run `configurable` reached the nodes
    assert values["inserter"] == "rule" and values["fallback"] is None
    assert set(values["timings"]) >= {"retrieve", "generate_text", "extract_candidates"}

    # what Studio shows as the assistant's knobs: each per-request setting with its meaning,
    # defaults from the server's M2IO_* environment
    context = extra["schemas"]["context_schema"]["properties"]
    assert set(context) == PER_REQUEST
    assert all(setting["description"] for setting in context.values())
    assert context["generator"]["default"] == "extractive"
    assert context["k"]["maximum"] == 50
