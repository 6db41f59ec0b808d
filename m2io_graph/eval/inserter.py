"""Inserter evaluation on gold text: which images, after which sentence, in a valid format.

Every system sees the same examples of an inserter dataset (`m2io train data`): the passage's
sentences and its shuffled candidates (gold images and as many distractors). Scores use the
same functions as the rewards (`m2io_graph.scoring`), so training and evaluation agree.
"""

from __future__ import annotations

import difflib
import json
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from m2io_graph.config import M2IOConfig
from m2io_graph.inserter.grammar import GrammarError, guide, parse
from m2io_graph.inserter.single_shot import parse_single_shot, single_shot_messages
from m2io_graph.scoring import ordering_score, position_accuracy, precision_recall_f1

Plan = dict[int, int]
"""candidate number → sentence number."""
System = Callable[[Mapping[str, Any]], Plan | None]
"""An example in, a plan out, or None when the system's output broke the format."""

SINGLE_SHOT_QUERY = "Explain this passage in your own words and show the images that illustrate it."


@dataclass
class Scores:
    system: str
    examples: int
    format_validity: float
    precision: float
    recall: float
    f1: float
    position_accuracy: float
    ordering: float
    seconds_per_example: float


def gold_plan(example: Mapping[str, Any]) -> Plan:
    return {item["image"]: item["after"] for item in example["gold"]}


def rule_system(embedder: Any, threshold: float) -> System:
    from m2io_graph.inserter.rule import rule_plan

    def plan(example: Mapping[str, Any]) -> Plan:
        candidates = list(example["candidates"])
        number = {c["id"]: n for n, c in enumerate(candidates, start=1)}
        chosen = rule_plan(embedder, list(example["sentences"]), candidates, threshold)
        return {number[i["image_id"]]: i["after"] for i in chosen}

    return plan


def chat_system(chat: Any, guided: bool = False) -> System:
    """A chat model given the example's own prompt, hints included (the base model, SFT,
    SFT+GRPO, an API): exactly what it was trained on. `guided`: decoding held to the grammar,
    as the `r1` strategy does (`InserterChatModel` only)."""

    def plan(example: Mapping[str, Any]) -> Plan | None:
        messages = [(m["role"], m["content"]) for m in example["prompt"]]
        n, m = example["n_sentences"], example["n_candidates"]
        reply = chat.invoke(messages, **({"guide": guide(n, m)} if guided else {}))
        try:
            return dict(parse(str(reply.content), n, m))
        except GrammarError:
            return None

    return plan


def single_shot_system(chat: Any) -> System:
    """The Single-Shot baseline: the model rewrites the passage with image markers; each of its
    sentences is mapped to the most similar gold sentence to score the position."""

    def plan(example: Mapping[str, Any]) -> Plan | None:
        sentences, candidates = list(example["sentences"]), list(example["candidates"])
        context = "[1] " + " ".join(sentences)
        reply = chat.invoke(single_shot_messages(SINGLE_SHOT_QUERY, context, candidates))
        written, insertions = parse_single_shot(str(reply.content), candidates)
        if not written:
            return None
        number = {c["id"]: n for n, c in enumerate(candidates, start=1)}
        return {number[i["image_id"]]: _closest(written, i["after"], sentences) for i in insertions}

    return plan


def _closest(written: list[str], after: int, gold: list[str]) -> int:
    if after == 0:
        return 0
    target = written[after - 1]
    ratios = [difflib.SequenceMatcher(None, target, s).ratio() for s in gold]
    return ratios.index(max(ratios)) + 1


def _sequence(plan: Plan) -> list[int]:
    return [image for image, _ in sorted(plan.items(), key=lambda item: (item[1], item[0]))]


def load_examples(path: Path, split: str = "test") -> list[dict[str, Any]]:
    """The examples of a folder written by `m2io train data` (one split), or of one of its
    jsonl files."""
    if path.is_dir():
        from training.data import load_inserter_dataset

        dataset = load_inserter_dataset(path)
        if split not in dataset:
            raise ValueError(f"{path} has no split {split!r}; it has: {', '.join(dataset)}")
        return [dict(row) for row in dataset[split]]
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(
    name: str,
    system: System,
    examples: Iterable[Mapping[str, Any]],
    *,
    progress: bool = True,
    predictions: list[dict[str, Any]] | None = None,
) -> Scores:
    """Macro-averaged scores (×100, as MRAMG reports them); an invalid output counts as no image.
    Each example's plan is appended to `predictions` when given: a table says how far a system
    is from another, its plans say why."""
    rows: list[tuple[float, ...]] = []
    seconds: list[float] = []
    for example in tqdm(list(examples), desc=name, unit="ex", leave=False, disable=not progress):
        start = time.perf_counter()
        predicted = system(example)
        seconds.append(time.perf_counter() - start)
        gold = gold_plan(example)
        plan = predicted or {}
        if predictions is not None:
            predictions.append(
                {
                    "system": name,
                    "id": example.get("id", ""),
                    "valid": predicted is not None,
                    "gold": {str(k): v for k, v in gold.items()},
                    "predicted": {str(k): v for k, v in plan.items()},
                }
            )
        prf = precision_recall_f1(gold=gold, predicted=plan)
        rows.append(
            (
                float(predicted is not None),
                prf.precision,
                prf.recall,
                prf.f1,
                position_accuracy(gold=gold, predicted=plan),
                ordering_score(gold=_sequence(gold), predicted=_sequence(plan)),
            )
        )
    means = (
        [100 * statistics.fmean(column) for column in zip(*rows, strict=True)]
        if rows
        else [0.0] * 6
    )
    return Scores(name, len(rows), *means, statistics.fmean(seconds) if seconds else 0.0)


def rows(scores: Sequence[Scores]) -> list[dict[str, Any]]:
    """Table rows, rounded, in the README's column order."""
    return [
        {
            "system": s.system,
            "n": s.examples,
            "format %": round(s.format_validity, 1),
            "P": round(s.precision, 1),
            "R": round(s.recall, 1),
            "F1": round(s.f1, 1),
            "position acc.": round(s.position_accuracy, 1),
            "ordering": round(s.ordering, 1),
            "s/example": round(s.seconds_per_example, 2),
        }
        for s in scores
    ]


def alpha_sweep(
    scores: Sequence[Scores], alphas: Sequence[float]
) -> dict[str, list[tuple[float, float]]]:
    """The mean training reward (format + α·F1 + (1−α)·position, each 0..1) of every system at
    each α: the rewards are linear in the scores, so the means give it without re-running."""
    return {
        s.system: [
            (a, (s.format_validity + a * s.f1 + (1 - a) * s.position_accuracy) / 100)
            for a in alphas
        ]
        for s in scores
    }


def as_dicts(scores: Sequence[Scores]) -> list[dict[str, Any]]:
    return [asdict(s) for s in scores]


def system_for(spec: str, cfg: M2IOConfig) -> tuple[str, System]:
    """A system by name: `rule`, `base` (the untrained SmolLM2), `r1` (the configured or shipped
    checkpoint) or `NAME=PATH` (a checkpoint), `llm` (the configured inserter LLM, prompted like
    r1), `single_shot` (the configured inserter LLM writing text with markers). The local models
    (base, r1, checkpoints) run on `cfg.inserter_runtime`, or on the runtime a `@llamacpp` /
    `@transformers` suffix names (`r1@transformers`), and decode guided by the grammar unless
    `cfg.inserter_guided` is off."""
    from m2io_graph import models
    from m2io_graph.inserter.grammar import PLAN_TOKENS

    head, _, runtime = spec.rpartition("@")
    if head and runtime in models.INSERTER_RUNTIMES:
        cfg = cfg.updated({"inserter_runtime": runtime})
    else:
        head = spec
    name, _, checkpoint = head.partition("=")
    if name == "rule":
        return spec, rule_system(models.embedder(cfg), cfg.rule_threshold)
    if name == "llm":
        return spec, chat_system(models.inserter_llm(cfg, PLAN_TOKENS))
    if name == "single_shot":
        return spec, single_shot_system(
            models.inserter_llm(cfg, cfg.max_new_tokens + 8 * cfg.max_candidates)
        )
    guided = cfg.inserter_guided
    if name == "base":
        checkpoint = "smollm2"
    elif name != "r1" and not checkpoint:
        raise ValueError(
            f"unknown inserter system {spec!r}: use rule, base, r1, llm, single_shot or "
            "NAME=CHECKPOINT, with @llamacpp or @transformers for the local models"
        )
    chat = models.inserter_model(
        cfg.updated({"inserter_checkpoint": checkpoint or cfg.inserter_checkpoint})
    )
    return spec, chat_system(chat, guided)
