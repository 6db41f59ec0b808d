"""The graph on the real embedder and a real Chroma store holding the demo corpus."""

import sqlite3

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import FakeListChatModel, GenericFakeChatModel
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from m2io_graph import build_graph
from m2io_graph.errors import InvalidQueryError
from m2io_graph.grounding import LEFT_OUT
from m2io_graph.inserter.strategies import InsertionResult, register
from m2io_graph.prompts import DECLINE

QUESTION = "How do I forward a local port to a remote server through an SSH tunnel?"
NODES = {"retrieve", "generate_text", "extract_candidates", "insert_images", "merge"}


def run(settings, **extra):
    return build_graph(settings).invoke(
        {"query": QUESTION, **extra.pop("input", {})}, {"configurable": extra}
    )


def test_nodes_and_edges_are_the_designed_ones():
    graph = build_graph().get_graph()
    assert NODES <= set(graph.nodes)
    edges = {(e.source, e.target) for e in graph.edges}
    assert {
        ("retrieve", "generate_text"),
        ("retrieve", "extract_candidates"),
        ("generate_text", "insert_images"),
        ("extract_candidates", "insert_images"),
        ("insert_images", "merge"),
    } <= edges


def test_answer_has_text_images_and_timings(demo_store):
    result = run(demo_store)
    assert set(result["timings"]) == NODES
    assert result["sentences"] and result["text"]
    assert any("ssh" in d["text"].lower() for d in result["documents"])
    shown = {i["image_id"] for i in result["insertions"]}
    assert shown <= {c["id"] for c in result["candidates"]}
    assert any("ssh-L.png" in c["path"] for c in result["candidates"])
    for image in result["candidates"]:
        if image["id"] in shown:
            assert image["path"] in result["answer"]


def test_branches_share_one_superstep(demo_store):
    graph = build_graph(demo_store, checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "parallel"}}
    graph.invoke({"query": QUESTION}, config)
    pending = [set(s.next) for s in graph.get_state_history(config)]
    assert {"generate_text", "extract_candidates"} in pending
    assert {"generate_text"} not in pending and {"extract_candidates"} not in pending


def test_stream_updates_show_both_branches(demo_store):
    chunks = list(build_graph(demo_store).stream({"query": QUESTION}, stream_mode="updates"))
    order = [name for chunk in chunks for name in chunk]
    assert order[0] == "retrieve" and order[-2:] == ["insert_images", "merge"]
    assert set(order[1:3]) == {"generate_text", "extract_candidates"}
    updates = {name: update for chunk in chunks for name, update in chunk.items()}
    assert "sentences" in updates["generate_text"] and "candidates" in updates["extract_candidates"]


def test_works_as_a_node_of_a_parent_graph(demo_store):
    class Parent(TypedDict, total=False):
        query: str
        answer: str
        notices: list[str]

    parent = StateGraph(Parent)
    parent.add_node("m2io", build_graph(demo_store))
    parent.add_edge(START, "m2io")
    parent.add_edge("m2io", END)
    app = parent.compile()
    events = list(app.stream({"query": QUESTION}, stream_mode="updates", subgraphs=True))
    namespaces = {ns for ns, _ in events}
    assert () in namespaces and any(ns and ns[0].startswith("m2io") for ns in namespaces)
    inner = {name for ns, update in events if ns for name in update}
    assert NODES <= inner
    assert app.invoke({"query": QUESTION})["answer"]


@pytest.mark.parametrize("saver", ["memory", "sqlite"])
def test_state_round_trips_through_checkpointers(demo_store, tmp_path, saver):
    checkpointer = (
        InMemorySaver()
        if saver == "memory"
        else SqliteSaver(sqlite3.connect(tmp_path / "cp.db", check_same_thread=False))
    )
    graph = build_graph(demo_store, checkpointer=checkpointer)
    config = {"configurable": {"thread_id": "t1"}}
    result = graph.invoke({"query": QUESTION}, config)
    saved = graph.get_state(config).values
    assert saved["answer"] == result["answer"]
    assert saved["candidates"] == result["candidates"]


def test_a_fake_chat_model_can_be_the_generator(demo_store):
    model = GenericFakeChatModel(
        messages=iter(["Use ssh -L to forward a local port. The tunnel ends on the intermediary."])
    )
    result = run(demo_store, generator=model)
    assert result["sentences"] == [
        "Use ssh -L to forward a local port.",
        "The tunnel ends on the intermediary.",
    ]


def test_paragraphs_of_the_answer_reach_the_inserter_and_the_markdown(demo_store):
    class Prompts(BaseCallbackHandler):
        def __init__(self):
            self.seen: list[str] = []

        def on_chat_model_start(self, serialized, messages, **kwargs):
            self.seen.append(str(messages[0][-1].content))

    generator = GenericFakeChatModel(
        messages=iter(
            ["Use ssh -L to forward a local port. It listens locally.\n\nThe tunnel ends there."]
        )
    )
    inserter = FakeListChatModel(responses=['<answer>[{"image": 1, "after": 2}]</answer>'])
    prompts = Prompts()
    result = build_graph(demo_store).invoke(
        {"query": QUESTION},
        {
            "configurable": {"generator": generator, "inserter": "llm", "inserter_llm": inserter},
            "callbacks": [prompts],
        },
    )
    assert result["paragraph_ends"] == [2, 3]
    [prompt] = [p for p in prompts.seen if p.startswith("Sentences:")]
    assert "[2] It listens locally.\n\n[3] The tunnel ends there." in prompt
    assert "end [2]" in prompt or "end [3]" in prompt
    text, image, last = result["answer"].split("\n\n")
    assert text == "Use ssh -L to forward a local port. It listens locally."
    assert image.startswith("![") and last == "The tunnel ends there."


def test_empty_generation_falls_back_to_extraction(demo_store):
    result = run(demo_store, generator=GenericFakeChatModel(messages=iter(["   "])))
    assert result["sentences"] and any("wrote nothing" in n for n in result["notices"])


@pytest.mark.parametrize("query", ["", "   \n\t "])
def test_empty_query_is_a_clear_error(demo_store, query):
    with pytest.raises(InvalidQueryError, match="empty"):
        build_graph(demo_store).invoke({"query": query})


def test_huge_query_is_cut_with_a_notice(demo_store):
    result = build_graph(demo_store).invoke({"query": QUESTION + " tunnel" * 2000})
    assert any("longer than 1000 characters" in n for n in result["notices"])
    assert result["answer"]


def test_empty_store_says_so(tmp_path):
    result = build_graph({"store_dir": str(tmp_path / "empty"), "generator": "extractive"}).invoke(
        {"query": QUESTION}
    )
    assert result["candidates"] == [] and result["insertions"] == []
    assert any("m2io ingest" in n for n in result["notices"])


def test_question_without_relevant_images_gets_text_only(demo_store):
    result = run(demo_store, input={"query": "What is the meaning of the word chrysanthemum?"})
    assert result["insertions"] == []
    assert "![" not in result["answer"]


def test_invalid_plan_falls_back_to_rule(demo_store):
    @register("adversarial-test")
    def adversarial(task, cfg, config):
        return InsertionResult([{"image_id": "not-a-candidate", "after": 1}])

    result = run(demo_store, inserter="adversarial-test")
    assert result["inserter"] == "rule"
    assert "not among the candidates" in result["fallback"]
    assert "not-a-candidate" not in result["answer"]


def test_crashing_strategy_falls_back_to_rule(demo_store):
    @register("crashing-test")
    def crashing(task, cfg, config):
        raise RuntimeError("model server went away")

    result = run(demo_store, inserter="crashing-test")
    assert result["inserter"] == "rule" and "went away" in result["fallback"]


def test_per_call_k_and_max_candidates(demo_store):
    result = run(demo_store, input={"k": 2}, max_candidates=1)
    assert len(result["documents"]) == 2 and len(result["candidates"]) <= 1


class _FailingChatModel(GenericFakeChatModel):
    """A local model whose request fails the way llama.cpp's do (a prompt too long)."""

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        from m2io_graph.models.llamacpp import ContextWindowExceeded

        raise ContextWindowExceeded("the prompt (5000 tokens) does not fit the context window")


def test_a_failing_local_generator_gives_way_to_extraction(demo_store):
    result = run(demo_store, generator=_FailingChatModel(messages=iter([])))
    assert result["sentences"] and any("context window" in n for n in result["notices"])
    assert "ssh" in result["text"].lower()


def test_an_answer_that_declines_shows_no_image(demo_store):
    model = GenericFakeChatModel(messages=iter(["The passages do not cover this question."]))
    result = run(demo_store, generator=model)
    assert result["sentences"] == [DECLINE]
    assert result["insertions"] == [] and "![" not in result["answer"]


def test_sentences_naming_what_the_passages_lack_are_left_out(demo_store):
    model = GenericFakeChatModel(
        messages=iter(
            [
                "Use ssh -L to forward a local port. "
                "Then run `sudo systemctl restart sshd-tunnel --now` to apply it."
            ]
        )
    )
    result = run(demo_store, generator=model)
    assert result["sentences"] == ["Use ssh -L to forward a local port."]
    [notice] = [n for n in result["notices"] if n.startswith(LEFT_OUT)]
    assert "`sudo`" in notice and "`--now`" in notice


def test_a_question_no_passage_matches_is_declined_without_images(demo_store):
    result = run(demo_store, input={"query": "How do I bake sourdough bread at home?"})
    assert result["documents"] == [] and result["sentences"] == [DECLINE]
    assert result["candidates"] == [] and result["insertions"] == []
    assert any("min_relevance" in n for n in result["notices"])
    relaxed = run(demo_store, input={"query": "How do I bake sourdough bread?"}, min_relevance=0)
    assert relaxed["documents"]


def test_an_answer_mostly_made_of_what_the_passages_lack_declines(demo_store):
    model = GenericFakeChatModel(
        messages=iter(
            [
                "Install it with `sudo apt-get install samba`. Edit /etc/samba/smb.conf. "
                "Add a section for the folder. Restart it with `systemctl restart smbd`."
            ]
        )
    )
    result = run(demo_store, generator=model)
    assert result["sentences"] == [DECLINE] and result["insertions"] == []
    assert any(n.startswith(LEFT_OUT) and "`samba`" in n for n in result["notices"])
