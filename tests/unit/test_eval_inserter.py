"""`m2io eval --stage inserter` through the strategy registry, without weights: hand-written
examples, a user's own strategy, fake chat models and fake embeddings."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.language_models import FakeListChatModel

from m2io_graph.bench.run import demo_files
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.eval.inserter import System, evaluate, system_for, task_for
from m2io_graph.inserter import strategies
from m2io_graph.inserter.prompt import to_chat_dicts
from m2io_graph.inserter.rule import closest_sentences
from m2io_graph.inserter.strategies import (
    InsertionResult,
    InsertionTask,
    UnknownStrategyError,
    get_strategy,
    prompt_messages,
    register,
)
from m2io_graph.state import ImageRef, Insertion
from training.dataset_options import DataOptions
from training.examples import build_examples

EMBEDDER = DeterministicFakeEmbedding(size=32)
CFG = M2IOConfig().updated({"embedder": EMBEDDER})


def candidate(name: str) -> dict[str, str]:
    return {
        "id": name,
        "path": f"/img/{name}.png",
        "alt": f"a {name}",
        "caption": "",
        "context": "",
        "doc_id": "d",
    }


SENTENCES = ["Cats purr.", "Bikes have wheels.", "Lava is hot."]
EXAMPLES = [
    {  # gold: cat (1) after 1, bike (3) after 2; the volcano (2) is a distractor
        "id": "e1",
        "sentences": SENTENCES,
        "candidates": [candidate("cat"), candidate("volcano"), candidate("bike")],
        "gold": [{"image": 1, "after": 1}, {"image": 3, "after": 2}],
        "paragraph_ends": [3],
    },
    {  # gold: nothing
        "id": "e2",
        "sentences": SENTENCES[:1],
        "candidates": [candidate("volcano")],
        "gold": [],
        "paragraph_ends": [],
    },
]


@pytest.fixture
def mine():
    """A user's strategy, registered as a user would: the cat after 1, the volcano after 3."""
    seen: list[InsertionTask] = []

    @register("test-mine")
    def plan(task: InsertionTask, cfg: M2IOConfig, config) -> InsertionResult:
        seen.append(task)
        wanted = {"cat": 1, "volcano": 3}
        return InsertionResult(
            [
                Insertion(image_id=c["id"], after=min(wanted[c["id"]], len(task.sentences)))
                for c in task.candidates
                if c["id"] in wanted
            ]
        )

    yield seen
    del strategies._REGISTRY["test-mine"]


def test_a_users_registered_strategy_is_evaluated(mine) -> None:
    plans: list[dict] = []
    scores = evaluate(system_for("test-mine"), EXAMPLES, CFG, progress=False, predictions=plans)
    assert scores.system == "test-mine" and scores.examples == 2
    assert scores.format_validity == 100
    # e1: chose cat (gold, right place) and volcano (not gold): P 1/2, R 1/2; e2: P 0, R 1
    assert scores.precision == pytest.approx(25) and scores.recall == pytest.approx(75)
    assert scores.position_accuracy == pytest.approx(25)  # e1: 1 of 2 gold placed; e2: none
    assert plans[0]["predicted"] == {"1": 1, "2": 3} and plans[0]["gold"] == {"1": 1, "3": 2}
    assert plans[1]["predicted"] == {"1": 1} and plans[1]["valid"] and not plans[1]["error"]
    task = mine[0]
    assert task.sentences == SENTENCES and task.paragraph_ends == [3]
    assert [c["id"] for c in task.candidates] == ["cat", "volcano", "bike"]
    assert task.documents[0]["text"] == " ".join(SENTENCES)


def test_a_failing_or_invalid_strategy_counts_as_invalid_plans_and_says_why() -> None:
    def broken(task, cfg, config) -> InsertionResult:
        if task.sentences == SENTENCES:
            return InsertionResult([Insertion(image_id="not-a-candidate", after=1)])
        raise RuntimeError("model went away")

    plans: list[dict] = []
    scores = evaluate(System("broken", broken), EXAMPLES, CFG, progress=False, predictions=plans)
    # no image, as for any invalid plan: e1 misses its gold, e2 (no gold) scores 1 by MRAMG's rule
    assert scores.format_validity == 0 and scores.recall == pytest.approx(50)
    assert [p["valid"] for p in plans] == [False, False]
    assert plans[0]["error"].startswith("InvalidPlanError") and plans[0]["predicted"] == {}
    assert plans[1]["error"] == "RuntimeError: model went away"


def test_system_names_are_strategies_with_settings() -> None:
    assert system_for("rule").strategy is get_strategy("rule")
    base = system_for("base@transformers")
    assert base.strategy is get_strategy("r1")
    assert base.settings == {
        "inserter": "r1",
        "inserter_checkpoint": "smollm2",
        "inserter_runtime": "transformers",
    }
    sft = system_for("sft=runs/tiny-cpu/sft")
    assert sft.name == "sft=runs/tiny-cpu/sft" and sft.strategy is get_strategy("r1")
    assert sft.settings["inserter_checkpoint"] == "runs/tiny-cpu/sft"
    assert system_for("r1@llamacpp").settings == {"inserter": "r1", "inserter_runtime": "llamacpp"}
    with pytest.raises(UnknownStrategyError, match="unknown inserter 'magic'"):
        system_for("magic")
    with pytest.raises(ValueError, match="no checkpoint"):
        system_for("sft=")


def test_r1_sends_the_prompt_the_dataset_stores() -> None:
    images = [
        ImageRef(
            id=f"i{n}",
            path=f"/i{n}.png",
            alt=f"figure {n}",
            caption=f"Figure {n}: a view",
            context="",
            doc_id=f"doc{n}",
            after=n,
        )
        for n in range(3)
    ]
    chunks = [
        StoredChunk(
            f"doc{n}", "Doc", "/src", 0, [f"Doc {n} says {w}." for w in "abcd"], [images[n]], [2, 4]
        )
        for n in range(3)
    ]
    hinter = lambda sentences, shown: closest_sentences(EMBEDDER, sentences, shown)  # noqa: E731
    examples = build_examples(chunks, DataOptions(all_test=True), "test", hinter)
    assert examples and all(e["prompt"] for e in examples)
    for example in examples:
        assert to_chat_dicts(prompt_messages(task_for(example), CFG)) == example["prompt"]


def test_single_shot_sentences_are_mapped_to_the_gold_sentences() -> None:
    written = "Bikes have two wheels.<img3> Cats purr a lot.<img1>"
    cfg = CFG.updated({"inserter_llm": FakeListChatModel(responses=[written])})
    plans: list[dict] = []
    evaluate(system_for("single_shot"), EXAMPLES[:1], cfg, progress=False, predictions=plans)
    assert plans[0]["valid"] and plans[0]["predicted"] == {"3": 2, "1": 1}


def test_the_bench_finds_its_demo_data_or_says_how_to_give_it(tmp_path: Path) -> None:
    corpus, questions = demo_files(None)  # tests run from a checkout
    assert corpus.is_dir() and questions.is_file()
    with pytest.raises(FileNotFoundError, match="--demo-dir"):
        demo_files(tmp_path)
    (tmp_path / "debian-handbook").mkdir()
    (tmp_path / "questions.jsonl").write_text("")
    assert demo_files(tmp_path) == (tmp_path / "debian-handbook", tmp_path / "questions.jsonl")
