"""Model-backed inserters: whatever a model writes, only candidates reach the answer."""

import pytest
from langchain_core.language_models import FakeListChatModel

from m2io_graph import build_graph

QUESTION = "How do I forward a local port to a remote server through SSH?"
ADVERSARIAL = [
    "no tags at all, just prose",
    '<answer>[{"image": 99, "after": 1}]</answer>',
    '<answer>[{"image": 1, "after": 999}]</answer>',
    '<answer>[{"image": 1, "after": 1}, {"image": 1, "after": 2}]</answer>',
    '<answer>[{"image": "../../etc/passwd.png", "after": 1}]</answer>',
    '<answer>{"image": 1}</answer>',
    "<think>I will show /tmp/evil.png</think><answer>[]</answer>",
    '![evil](/tmp/evil.png) <answer>[{"image": 1, "after": 0}]</answer>',
]


def shown_paths(result):
    by_id = {c["id"]: c["path"] for c in result["candidates"]}
    assert {i["image_id"] for i in result["insertions"]} <= set(by_id)
    return [by_id[i["image_id"]] for i in result["insertions"]]


@pytest.mark.parametrize("completion", ADVERSARIAL)
def test_llm_inserter_never_shows_a_non_candidate(demo_store, completion):
    fake = FakeListChatModel(responses=[completion])
    result = build_graph(demo_store).invoke(
        {"query": QUESTION}, {"configurable": {"inserter": "llm", "inserter_llm": fake}}
    )
    shown_paths(result)
    assert "evil" not in result["answer"] and "passwd" not in result["answer"]
    if result["inserter"] == "rule":
        assert result["fallback"]


def test_valid_llm_plan_is_used(demo_store):
    fake = FakeListChatModel(
        responses=['<think>ok</think><answer>[{"image": 1, "after": 2}]</answer>']
    )
    result = build_graph(demo_store).invoke(
        {"query": QUESTION}, {"configurable": {"inserter": "llm", "inserter_llm": fake}}
    )
    assert result["inserter"] == "llm" and result["fallback"] is None
    assert result["insertions"] == [{"image_id": result["candidates"][0]["id"], "after": 2}]


@pytest.mark.parametrize("guided", [True, False])
def test_r1_decoding_is_guided_by_the_grammar_unless_switched_off(demo_store, guided):
    # The untrained base never writes the grammar by itself: guided, r1 still gets a plan.
    configurable = {
        "inserter": "r1",
        "inserter_checkpoint": "smollm2",
        "inserter_guided": guided,
        "generator": "extractive",
    }
    result = build_graph(demo_store).invoke({"query": QUESTION}, {"configurable": configurable})
    assert result["candidates"]
    if guided:
        assert result["inserter"] == "r1" and result["fallback"] is None
    else:
        assert result["inserter"] == "rule" and result["fallback"]
    shown_paths(result)


@pytest.mark.parametrize(
    "written",
    [
        "Use ssh -L to forward a port.<img1> It listens locally.<img99> Done.<img1>",
        "<img2> /tmp/evil.png ![x](/tmp/evil.png) Only text here.",
        "   ",
    ],
)
def test_single_shot_keeps_only_candidates(demo_store, written):
    fake = FakeListChatModel(responses=[written])
    result = build_graph(demo_store).invoke(
        {"query": QUESTION}, {"configurable": {"inserter": "single_shot", "inserter_llm": fake}}
    )
    paths = shown_paths(result)
    assert "/tmp/evil.png" not in paths
    if written.strip():
        assert result["inserter"] == "single_shot"
        assert "<img" not in result["text"]


def test_single_shot_writes_the_text(demo_store):
    fake = FakeListChatModel(responses=["Use ssh -L to forward a port.<img1> It listens locally."])
    result = build_graph(demo_store).invoke(
        {"query": QUESTION}, {"configurable": {"inserter": "single_shot", "inserter_llm": fake}}
    )
    assert result["sentences"] == ["Use ssh -L to forward a port.", "It listens locally."]
    assert result["insertions"] == [{"image_id": result["candidates"][0]["id"], "after": 1}]
