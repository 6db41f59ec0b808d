"""README command (a) as a new user runs it: the default offline generator (Qwen2.5-Coder-1.5B
on llama.cpp) answers the SSH question from the handbook text, with the local-forwarding
figure, and names nothing the retrieved chunks do not contain."""

import pytest

from m2io_graph import build_graph
from m2io_graph.config import M2IOConfig
from m2io_graph.grounding import technical_terms, unsupported_terms
from m2io_graph.prompts import DECLINE, format_context

pytestmark = pytest.mark.slow

README_QUESTION = "How do I forward a local port to a remote server through SSH?"


@pytest.fixture(scope="module")
def answer(demo_store):
    settings = {k: v for k, v in demo_store.items() if k != "generator"}
    assert M2IOConfig().generator == "qwen2.5-coder-1.5b"
    return build_graph(settings).invoke({"query": README_QUESTION})


def test_the_default_answer_explains_ssh_l_from_the_handbook(answer):
    assert "ssh -L" in answer["text"] or "`-L`" in answer["text"]
    context = format_context(answer["documents"])
    assert "ssh -L" in context
    for sentence in answer["sentences"]:
        assert unsupported_terms(sentence, context) == [], sentence
    assert any(technical_terms(s) for s in answer["sentences"])


def test_the_local_forwarding_figure_follows_a_sentence_about_it(answer):
    paths = {c["id"]: c["path"] for c in answer["candidates"]}
    placed = {paths[i["image_id"]].rsplit("/", 1)[-1]: i["after"] for i in answer["insertions"]}
    assert "ssh-L.png" in placed
    sentence = answer["sentences"][placed["ssh-L.png"] - 1]
    assert any(word in sentence.lower() for word in ("-l", "local", "tunnel", "forward"))
    assert "ssh-L.png" in answer["answer"]


def test_a_question_the_demo_corpus_cannot_answer_is_declined(demo_store):
    settings = {k: v for k, v in demo_store.items() if k != "generator"}
    result = build_graph(settings).invoke(
        {"query": "How do I configure a WireGuard VPN tunnel between two servers?"}
    )
    assert result["sentences"] == [DECLINE] and result["insertions"] == []
