"""Inserter evaluation on gold text: which images, after which sentence, in a valid format.

Every system sees the same examples of an inserter dataset (`m2io train data`): the passage's
sentences and its shuffled candidates (gold images and as many distractors). Scores use the
same functions as the rewards (`m2io_graph.scoring`), so training and evaluation agree.
"""

from __future__ import annotations

import difflib
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from tqdm.auto import tqdm

from m2io_graph.inserter.grammar import GrammarError, parse
from m2io_graph.inserter.prompt import parse_single_shot, single_shot_messages
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


def chat_system(chat: Any) -> System:
    """A chat model given the example's own prompt, hints included (the base model, SFT,
    SFT+GRPO, an API): exactly what it was trained on."""

    def plan(example: Mapping[str, Any]) -> Plan | None:
        messages = [(m["role"], m["content"]) for m in example["prompt"]]
        reply = chat.invoke(messages)
        try:
            return dict(parse(str(reply.content), example["n_sentences"], example["n_candidates"]))
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


def evaluate(name: str, system: System, examples: Iterable[Mapping[str, Any]]) -> Scores:
    """Macro-averaged scores (×100, as MRAMG reports them); an invalid output counts as no image."""
    rows: list[tuple[float, ...]] = []
    seconds: list[float] = []
    for example in tqdm(list(examples), desc=name, unit="ex", leave=False):
        start = time.perf_counter()
        predicted = system(example)
        seconds.append(time.perf_counter() - start)
        gold = gold_plan(example)
        plan = predicted or {}
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


def table(scores: list[Scores]) -> str:
    """A Markdown table, for the terminal and the README."""
    header = "| system | n | format % | P | R | F1 | position acc. | ordering | s/example |"
    lines = [header, "|" + " --- |" * 9]
    for s in scores:
        lines.append(
            f"| {s.system} | {s.examples} | {s.format_validity:.1f} | {s.precision:.1f} | "
            f"{s.recall:.1f} | {s.f1:.1f} | {s.position_accuracy:.1f} | {s.ordering:.1f} | "
            f"{s.seconds_per_example:.2f} |"
        )
    return "\n".join(lines)


def as_dicts(scores: list[Scores]) -> list[dict[str, Any]]:
    return [asdict(s) for s in scores]
