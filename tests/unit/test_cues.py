"""The `cues` inserter: its features, its fit, its file, and its place among the strategies.

The fit is tested on a synthetic manual whose figures follow the sentence that announces them
("… like this:"), never the sentence most like them: a model that reads the cue must learn it,
and similarity alone (`rule`) cannot.
"""

from __future__ import annotations

import json
from pathlib import Path
from random import Random

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings
from test_eval_inserter import candidate

from m2io_graph.config import M2IOConfig
from m2io_graph.eval.inserter import system_for
from m2io_graph.inserter import strategies
from m2io_graph.inserter.cues import (
    GAP_FEATURES,
    SENTENCE_CUES,
    CueModelError,
    cue_plan,
    gap_features,
    is_cue_model,
    load_cue_model,
    open_gaps,
    sentence_cues,
)
from m2io_graph.inserter.rule import rule_plan, similarity
from m2io_graph.inserter.strategies import InsertionTask
from m2io_graph.state import Candidate
from training.cues import fit_cue_model

TOPICS = ["cat", "bike", "lava", "boat", "tree", "lamp", "kite", "drum"]


class TopicEmbeddings(Embeddings):
    """One axis per topic word, plus a little of a shared axis: texts naming the same topic are
    alike, others are not (a real embedder's behaviour, without its download)."""

    def _vector(self, text: str) -> list[float]:
        words = text.lower()
        vector = np.array([float(t in words) for t in TOPICS] + [0.3])
        return (vector / np.linalg.norm(vector)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def announced(rng: Random, corpus: str = "synthetic") -> dict:
    """A passage of three paragraphs: the figure's topic is named in the first paragraph, and
    the figure follows the second one's announcing sentence (`… looks like this:`)."""
    gold, distractor = rng.sample(TOPICS, 2)
    sentences = [
        f"The {gold} is described here.",
        "It has many options.",
        "Open the dialog.",
        "The dialog looks like this:",
        "Close it when done.",
        "That is all.",
    ]
    order = [gold, distractor] if rng.random() < 0.5 else [distractor, gold]
    return {
        "id": f"{corpus}-{rng.random()}",
        "corpus": corpus,
        "sentences": sentences,
        "candidates": [candidate(t) for t in order],
        "gold": [{"image": order.index(gold) + 1, "after": 4}],
        "paragraph_ends": [2, 4, 6],
    }


def test_sentence_cues_read_what_a_reader_sees() -> None:
    flags = dict(zip(SENTENCE_CUES, sentence_cues("The dialog looks like this:"), strict=True))
    assert flags["colon"] and flags["announce"] and flags["names_figure"]
    assert not flags["heading"]
    heading = dict(zip(SENTENCE_CUES, sentence_cues("Layer Modes"), strict=True))
    assert heading["heading"] and heading["short"] and not heading["colon"]
    assert dict(zip(SENTENCE_CUES, sentence_cues("16.1."), strict=True))["number"]
    assert dict(zip(SENTENCE_CUES, sentence_cues("As shown above."), strict=True))["refers_back"]


def test_only_block_boundaries_are_open() -> None:
    assert open_gaps([2, 4], 6).tolist() == [True, False, True, False, True, False, True]
    # Unknown paragraphs ([]) leave every sentence open, as the prompt does.
    assert open_gaps([], 3).all()
    features = gap_features(np.array([0.1, 0.9, 0.2]), np.zeros((3, len(SENTENCE_CUES))), [])
    assert features.shape == (4, len(GAP_FEATURES))


def test_the_fit_learns_the_announcing_sentence_that_similarity_misses(tmp_path: Path) -> None:
    rng = Random(0)
    embedder = TopicEmbeddings()
    model = fit_cue_model([announced(rng) for _ in range(60)], embedder, ["synthetic"])
    path = tmp_path / "cues.json"
    model.save(path)
    loaded = load_cue_model(str(path))
    assert loaded.trained_on == ["synthetic"] and is_cue_model(path) and is_cue_model(tmp_path)

    test = [announced(Random(seed)) for seed in range(100, 120)]
    placed_by_cues = placed_by_rule = shown_right = 0
    for example in test:
        candidates = [Candidate(score=0.0, **c) for c in example["candidates"]]
        sims = similarity(embedder, example["sentences"], candidates)
        gold = example["gold"][0]
        gold_id = example["candidates"][gold["image"] - 1]["id"]
        plan = cue_plan(loaded, sims, example["sentences"], candidates, example["paragraph_ends"])
        shown_right += [i["image_id"] for i in plan] == [gold_id]
        placed_by_cues += any(i == {"image_id": gold_id, "after": 4} for i in plan)
        ruled = rule_plan(embedder, example["sentences"], candidates, 0.45)
        placed_by_rule += any(i == {"image_id": gold_id, "after": 4} for i in ruled)
    assert shown_right == len(test) and placed_by_cues == len(test)
    assert placed_by_rule == 0  # rule puts it after the sentence naming the topic


def test_corpora_weigh_the_same_whatever_their_size() -> None:
    """A big manual that puts figures under the first paragraph must not outvote a small one
    that puts them after the announcement: with both, the small one's habit still counts."""
    rng = Random(1)
    embedder = TopicEmbeddings()
    small = [announced(rng, "small") for _ in range(20)]
    big = []
    for _ in range(200):
        example = announced(rng, "big")
        example["gold"] = [{**example["gold"][0], "after": 2}]
        big.append(example)
    balanced = fit_cue_model(small + big, embedder)
    only_big = fit_cue_model(big, embedder)
    example = announced(Random(7))
    candidates = [Candidate(score=0.0, **c) for c in example["candidates"]]
    sims = similarity(embedder, example["sentences"], candidates)
    gold = example["gold"][0]["image"] - 1
    cues = np.stack([sentence_cues(s) for s in example["sentences"]])
    features = gap_features(sims[:, gold], cues, example["paragraph_ends"])

    def margin(model) -> float:  # score of the announced gap over the first paragraph's end
        scores = model.gap_scores(features)
        return float(scores[4] - scores[2])

    assert margin(balanced) > margin(only_big) + 1.0


def test_bad_model_files_are_refused_by_name(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"kind": "something"}))
    with pytest.raises(CueModelError, match="not a cue model"):
        load_cue_model(str(other))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"kind": "m2io-cues", "gap_weights": {}, "image_weights": {}}))
    with pytest.raises(CueModelError, match="train it again"):
        load_cue_model(str(old))
    with pytest.raises(CueModelError, match="cannot read"):
        load_cue_model(str(tmp_path / "missing.json"))
    assert not is_cue_model(other) and not is_cue_model(tmp_path / "missing.json")


def test_the_shipped_model_runs_as_a_strategy_and_eval_names_files(tmp_path: Path) -> None:
    shipped = load_cue_model()
    assert len(shipped.trained_on) == 6 and 0 < shipped.threshold < 1
    cfg = M2IOConfig().updated({"embedder": TopicEmbeddings()})
    example = announced(Random(3))
    task = InsertionTask(
        query="q",
        sentences=example["sentences"],
        candidates=[Candidate(score=0.0, **c) for c in example["candidates"]],
        documents=[],
        paragraph_ends=example["paragraph_ends"],
    )
    result = strategies.get_strategy("cues")(task, cfg, {})
    assert all(i["after"] in (0, 2, 4, 6) for i in result.insertions)
    assert (
        strategies.get_strategy("cues")(
            InsertionTask("q", [], task.candidates, []), cfg, {}
        ).insertions
        == []
    )
    path = tmp_path / "mine.json"
    shipped.save(path)
    system = system_for(f"mine={path}")
    assert system.settings == {"inserter": "cues", "cues_model": str(path)}
    assert system_for("sft=runs/x/sft").settings["inserter"] == "r1"
