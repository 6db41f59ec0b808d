"""What placing images costs: `rule` and `r1` against an unbatched pairwise baseline.

The baseline is what a first implementation does: score every sentence × image pair with its
own embedding call and put each image after its best sentence if the match clears the
threshold. `rule` computes the same similarities in one batched call; `r1` runs a language
model, guided by the grammar as the `r1` strategy runs it, on llama.cpp and on transformers.
All are scored on the same examples: drawn from the bench's own store, or an inserter dataset
(`m2io train data`, e.g. the held-out handbook).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.store import CorpusStore
from m2io_graph.describe import describe
from m2io_graph.eval.inserter import Plan, Scores, System, chat_system, evaluate, rule_system
from m2io_graph.inserter.rule import closest_sentences


def pairwise_system(embedder: Embeddings, threshold: float) -> System:
    def plan(example: Mapping[str, Any]) -> Plan:
        chosen: Plan = {}
        for number, candidate in enumerate(example["candidates"], start=1):
            text = describe(candidate)
            scores = [
                float(np.dot(*np.asarray(embedder.embed_documents([sentence, text]))))
                for sentence in example["sentences"]
            ]
            if scores and max(scores) >= threshold:
                chosen[number] = int(np.argmax(scores)) + 1
        return chosen

    return plan


def examples_from(store: CorpusStore, embedder: Embeddings, limit: int) -> list[dict[str, Any]]:
    """Inserter examples (gold images 1:1 with distractors) from every passage of the store."""
    from training.data import DataOptions, build_examples

    hinter = functools.partial(closest_sentences, embedder)
    examples = build_examples(store.iter_chunks(), DataOptions(all_test=True), "bench", hinter)
    positives = [e for e in examples if e["gold"]]
    return [dict(e) for e in positives[:limit]]


def measure_inserters(
    examples: list[dict[str, Any]],
    embedder: Embeddings,
    cfg: M2IOConfig,
    runtimes: Sequence[str] = ("llamacpp", "transformers"),
) -> dict[str, Any]:
    """ms per example, × the pairwise baseline and × rule, and the scores of each system."""
    from m2io_graph import models

    systems: dict[str, System] = {
        "pairwise baseline": pairwise_system(embedder, cfg.rule_threshold),
        "rule": rule_system(embedder, cfg.rule_threshold),
    }
    for runtime in runtimes:
        chat = models.inserter_model(cfg.updated({"inserter_runtime": runtime}))
        chat.invoke("load the weights outside the timing", max_tokens=1)
        systems[f"r1 ({runtime})"] = chat_system(chat, guided=True)
    scores: list[Scores] = [
        evaluate(name, system, examples, progress=False) for name, system in systems.items()
    ]
    baseline, rule = (scores[0].seconds_per_example, scores[1].seconds_per_example)
    return {
        "examples": len(examples),
        "systems": {
            s.system: {
                "ms_per_example": 1000 * s.seconds_per_example,
                "time_vs_baseline": s.seconds_per_example / baseline if baseline else 0.0,
                "time_vs_rule": s.seconds_per_example / rule if rule else 0.0,
                "format_validity": s.format_validity,
                "f1": s.f1,
                "position_accuracy": s.position_accuracy,
            }
            for s in scores
        },
    }
