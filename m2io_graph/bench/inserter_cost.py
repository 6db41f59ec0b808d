"""What placing images costs: `rule`, `cues` and `r1` against an unbatched pairwise baseline.

The baseline is what a first implementation does: score every sentence × image pair with its
own embedding call and put each image after its best sentence if the match clears the
threshold. `rule` computes the same similarities in one batched call, `cues` the same call and
its placement model's dot products; `r1` runs a language
model, guided by the grammar, on llama.cpp and on transformers. Each is the registry's strategy
run as `m2io eval` runs it, scored on the same examples: drawn from the bench's own store, or
an inserter dataset (`m2io train data`, e.g. the held-out handbook).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.store import CorpusStore
from m2io_graph.describe import describe
from m2io_graph.eval.inserter import Scores, System, evaluate, system_for
from m2io_graph.inserter.strategies import InsertionResult, InsertionTask, get_strategy
from m2io_graph.state import Insertion


def pairwise(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """The baseline, as a strategy (not registered: the graph has no use for it)."""
    embedder = models.embedder(cfg)
    plan: list[Insertion] = []
    for candidate in task.candidates:
        text = describe(candidate)
        scores = [
            float(np.dot(*np.asarray(embedder.embed_documents([sentence, text]))))
            for sentence in task.sentences
        ]
        if scores and max(scores) >= cfg.rule_threshold:
            plan.append(Insertion(image_id=candidate["id"], after=int(np.argmax(scores)) + 1))
    return InsertionResult(plan)


def examples_from(store: CorpusStore, limit: int) -> list[dict[str, Any]]:
    """Inserter examples (gold images 1:1 with distractors) from every passage of the store.
    Without hints: the strategies build their own prompts."""
    from training.dataset_options import DataOptions
    from training.examples import build_examples

    examples = build_examples(store.iter_chunks(), DataOptions(all_test=True), "bench")
    positives = [e for e in examples if e["gold"]]
    return [dict(e) for e in positives[:limit]]


def measure_inserters(
    examples: list[dict[str, Any]],
    cfg: M2IOConfig,
    runtimes: Sequence[str] = ("llamacpp", "transformers"),
) -> dict[str, Any]:
    """ms per example, × the pairwise baseline and × rule, and the scores of each system."""
    systems = [System("pairwise baseline", pairwise), system_for("rule"), system_for("cues")]
    for runtime in runtimes:
        settings = {"inserter_runtime": runtime, "inserter_guided": True}
        chat = models.inserter_model(cfg.updated(settings))
        chat.invoke("load the weights outside the timing", max_tokens=1)
        systems.append(System(f"r1 ({runtime})", get_strategy("r1"), settings))
    scores: list[Scores] = [evaluate(system, examples, cfg, progress=False) for system in systems]
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
