"""Inserter evaluation on gold text: which images, after which sentence, in a valid format.

Every system is a strategy of the registry (`m2io_graph.inserter.strategies`) with the settings
it runs under, and sees the same examples of an inserter dataset (`m2io train data`): each
example becomes the `InsertionTask` the graph's `insert_images` node would give it, so what is
measured is what the graph runs. Scores use the same functions as the rewards
(`m2io_graph.scoring`), so training and evaluation agree.
"""

from __future__ import annotations

import difflib
import json
import logging
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from m2io_graph.config import M2IOConfig
from m2io_graph.inserter.cues import is_cue_model
from m2io_graph.inserter.plan import validate_plan
from m2io_graph.inserter.strategies import InsertionTask, Strategy, get_strategy
from m2io_graph.models import INSERTER_RUNTIMES
from m2io_graph.models.chat import UnknownModelError
from m2io_graph.models.offline import ModelFileError
from m2io_graph.scoring import ordering_score, position_accuracy, precision_recall_f1
from m2io_graph.state import Candidate, Chunk

log = logging.getLogger(__name__)

Plan = dict[int, int]
"""candidate number → sentence number."""

SINGLE_SHOT_QUERY = "Explain this passage in your own words and show the images that illustrate it."
"""The task's question: an inserter example has gold text but no question of its own."""

SETUP_ERRORS = (ModelFileError, UnknownModelError)
"""A model that cannot be loaded is the configuration's fault, not a plan: it stops the eval."""


@dataclass(frozen=True)
class System:
    """A strategy and the settings it runs under, by the name the table shows."""

    name: str
    strategy: Strategy
    settings: Mapping[str, Any] = field(default_factory=dict)
    """`M2IOConfig` fields set on top of the eval's configuration."""


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


def system_for(spec: str) -> System:
    """A system by name: any registered strategy (`rule`, `r1`, `llm`, `single_shot`, a user's
    own), `base` (`r1` on the untrained SmolLM2) or `NAME=CHECKPOINT` (`r1` on a checkpoint,
    `cues` on a model file written by `m2io train cues`).
    A `@llamacpp` / `@transformers` suffix sets the local models' runtime (`r1@transformers`).
    UnknownStrategyError for any other name, before any work."""
    head, _, runtime = spec.rpartition("@")
    settings: dict[str, Any] = {}
    if head and runtime in INSERTER_RUNTIMES:
        settings["inserter_runtime"] = runtime
    else:
        head = spec
    name, named, checkpoint = head.partition("=")
    if name == "base":
        name, settings["inserter_checkpoint"] = "r1", "smollm2"
    elif named:
        if not checkpoint:
            raise ValueError(f"{spec!r} names no checkpoint: write NAME=CHECKPOINT")
        if is_cue_model(checkpoint):
            name, settings["cues_model"] = "cues", checkpoint
        else:
            name, settings["inserter_checkpoint"] = "r1", checkpoint
    return System(spec, get_strategy(name), {"inserter": name, **settings})


def gold_plan(example: Mapping[str, Any]) -> Plan:
    return {item["image"]: item["after"] for item in example["gold"]}


def task_for(example: Mapping[str, Any]) -> InsertionTask:
    """The task the graph would give an inserter for this example: its sentences, paragraph
    ends and candidates, and, for a strategy that writes the text itself (`single_shot`), the
    passage as the one retrieved chunk and SINGLE_SHOT_QUERY as the question."""
    sentences = list(example["sentences"])
    passage = Chunk(
        id=str(example.get("id", "")),
        doc_id=str(example.get("doc_id", "")),
        title="",
        source="",
        text=" ".join(sentences),
        images=[],
        score=1.0,
    )
    return InsertionTask(
        query=SINGLE_SHOT_QUERY,
        sentences=sentences,
        candidates=[Candidate(**{"score": 0.0, **c}) for c in example["candidates"]],
        documents=[passage],
        paragraph_ends=list(example.get("paragraph_ends") or []),
    )


def plan_for(strategy: Strategy, task: InsertionTask, cfg: M2IOConfig) -> Plan:
    """The strategy's plan in candidate numbers, checked as the graph checks it
    (InvalidPlanError otherwise). A strategy that wrote its own sentences (`single_shot`) has
    each of them mapped to the most similar gold sentence, to score the position."""
    result = strategy(task, cfg, {})
    written = task.sentences if result.sentences is None else result.sentences
    ids = [c["id"] for c in task.candidates]
    number = {image: n for n, image in enumerate(ids, start=1)}
    insertions = validate_plan(result.insertions, len(written), ids)
    if result.sentences is None:
        return {number[i["image_id"]]: i["after"] for i in insertions}
    return {
        number[i["image_id"]]: _closest(written, i["after"], task.sentences) for i in insertions
    }


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
        from training.dataset_io import load_inserter_dataset

        dataset = load_inserter_dataset(path)
        if split not in dataset:
            raise ValueError(f"{path} has no split {split!r}; it has: {', '.join(dataset)}")
        return [dict(row) for row in dataset[split]]
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def evaluate(
    system: System,
    examples: Iterable[Mapping[str, Any]],
    cfg: M2IOConfig,
    *,
    progress: bool = True,
    predictions: list[dict[str, Any]] | None = None,
) -> Scores:
    """Macro-averaged scores (×100, as MRAMG reports them).

    A plan that breaks the format or the candidates (GrammarError, InvalidPlanError), or any
    other error the strategy raises, counts as an invalid plan with no image, as the graph
    falls back on either; its reason goes with the example's plan into `predictions` (when
    given: a table says how far a system is from another, its plans say why). A model that
    cannot be loaded (SETUP_ERRORS) stops the eval instead.
    """
    cfg = cfg.updated(system.settings)
    rows: list[tuple[float, ...]] = []
    seconds: list[float] = []
    errors: list[str] = []
    for example in tqdm(
        list(examples), desc=system.name, unit="ex", leave=False, disable=not progress
    ):
        task = task_for(example)
        error = None
        start = time.perf_counter()
        try:
            plan = plan_for(system.strategy, task, cfg)
        except SETUP_ERRORS:
            raise
        except Exception as failure:  # a strategy's output must never crash the eval
            plan, error = {}, f"{type(failure).__name__}: {failure}"
            errors.append(error)
        seconds.append(time.perf_counter() - start)
        gold = gold_plan(example)
        if predictions is not None:
            predictions.append(
                {
                    "system": system.name,
                    "id": example.get("id", ""),
                    "valid": error is None,
                    "error": error or "",
                    "gold": {str(k): v for k, v in gold.items()},
                    "predicted": {str(k): v for k, v in plan.items()},
                }
            )
        prf = precision_recall_f1(gold=gold, predicted=plan)
        rows.append(
            (
                float(error is None),
                prf.precision,
                prf.recall,
                prf.f1,
                position_accuracy(gold=gold, predicted=plan),
                ordering_score(gold=_sequence(gold), predicted=_sequence(plan)),
            )
        )
    if errors:
        log.warning(
            "%s: %d of %d plans invalid (first: %s)", system.name, len(errors), len(rows), errors[0]
        )
    means = (
        [100 * statistics.fmean(column) for column in zip(*rows, strict=True)]
        if rows
        else [0.0] * 6
    )
    return Scores(system.name, len(rows), *means, statistics.fmean(seconds) if seconds else 0.0)


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
