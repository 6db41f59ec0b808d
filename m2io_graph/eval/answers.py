"""End-to-end evaluation: the whole graph answers MRAMG-style questions, scored like MRAMG.

A question file is MRAMG-Bench's `<name>_mqa.jsonl`: one `{"id", "question", "ground_truth",
"images_list"}` per line, the images named by the ids of the corpus' images-info JSON; a file
written by hand may name gold images by file name instead (`data/demo/questions.jsonl`). The store
names images by content hash (`corpus.image_files.image_id`), so gold ids are translated through the
same images-info file the ingest read; an image the ingest could not find stays in the gold set
under its MRAMG id, where no answer can show it (it counts as missed, as it should).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from tqdm.auto import tqdm

from m2io_graph.bench.pipeline import percentile
from m2io_graph.corpus.image_files import BadImage, image_id
from m2io_graph.corpus.mramg_loader import Resolver, find_images_info, read_images_info
from m2io_graph.corpus.sources import LoadError, read_bytes
from m2io_graph.grounding import LEFT_OUT
from m2io_graph.metrics import AnswerScores, macro_average, score_answer
from m2io_graph.prompts import declines

_QUESTION_KEYS = ("question", "query")
_REFERENCE_KEYS = ("ground_truth", "answer", "reference")
_IMAGES_KEYS = ("images_list", "images", "image_ids", "expected_images")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    reference: str
    """The reference answer; its image markers are ignored when the text is scored."""
    images: list[str]
    """Gold images in reading order, as store ids (content hashes) where they resolve."""
    answerable: bool = True
    """False for a question the corpus does not answer: the right answer declines."""
    page: str = ""
    """The document the question asks about (`m2io questions`); its images are `images`."""


def _field(record: Mapping[str, Any], keys: Sequence[str], default: Any) -> Any:
    return next((record[k] for k in keys if k in record), default)


def _store_ids(path: Path, images_info: Path | None) -> Callable[[str], str]:
    """MRAMG image id → the id the ingest gave that image (or the MRAMG id when unresolved)."""
    try:
        info_file = images_info or find_images_info(path)
    except LoadError:
        return lambda name: name  # questions without an images-info file name store ids already
    info, resolver = read_images_info(info_file), Resolver(path, info_file)

    def translate(name: str) -> str:
        entry = info.get(name)
        src = resolver.src(entry) if entry else None
        if src is None:
            return name
        try:
            return image_id(src)
        except BadImage:
            return name

    return translate


def load_questions(path: Path, images_info: Path | None = None) -> list[Question]:
    """Every well-formed line of an MRAMG question file; a bad line stops with its number, since
    a silently shorter benchmark gives numbers that cannot be compared."""
    translate = _store_ids(path, images_info)
    questions = []
    for number, line in enumerate(read_bytes(path).decode("utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question = str(_field(record, _QUESTION_KEYS, "")).strip()
            images = [str(i) for i in _field(record, _IMAGES_KEYS, [])]
        except (json.JSONDecodeError, TypeError, AttributeError) as error:
            raise LoadError(path, f"line {number}: not a question record ({error})") from error
        if not question:
            raise LoadError(path, f"line {number}: no question (keys: {', '.join(record)})")
        questions.append(
            Question(
                id=str(record.get("id", number)),
                question=question,
                reference=str(_field(record, _REFERENCE_KEYS, "")),
                images=[translate(i) for i in images],
                answerable=record.get("answerable", True) is not False,
                page=str(record.get("page") or ""),
            )
        )
    return questions


@dataclass
class AnswerRun:
    """One system (a generator and an inserter) answering one question."""

    strategy: str
    question_id: str
    scores: AnswerScores
    timings: dict[str, float]
    seconds: float
    fallback: bool
    predicted: list[str] = field(default_factory=list)
    answerable: bool = True
    declined: bool = False
    """The answer says that the documents do not cover the question."""
    cut: bool = False
    """Grounding left out sentences that named terms the passages lack."""
    text: str = ""
    page: str = ""
    page_retrieved: bool = False
    """The asked page is among the retrieved documents."""


def shown_images(result: Mapping[str, Any]) -> list[str]:
    """The answer's images in reading order (by sentence; ties keep the inserter's order)."""
    return [i["image_id"] for i in sorted(result.get("insertions", []), key=lambda i: i["after"])]


def in_gold_terms(result: Mapping[str, Any], gold: Sequence[str]) -> list[str]:
    """The shown images named the way the gold list names them: by store id, or by file name
    for question files written by hand (`"expected_images": ["ssh-L.png"]`)."""
    paths = {c["id"]: c["path"] for c in result.get("candidates", [])}
    wanted = set(gold)
    named = []
    for image in shown_images(result):
        name = PurePosixPath(paths.get(image, "")).name
        named.append(name if image not in wanted and name in wanted else image)
    return named


def evaluate_answers(
    graph: Any,
    questions: Sequence[Question],
    systems: Mapping[str, Mapping[str, Any]],
    *,
    progress: bool = True,
) -> list[AnswerRun]:
    """Each system (a name and its `configurable`: generator, inserter, ...) answers every
    question with the same graph."""
    runs = []
    for name, configurable in systems.items():
        config = {"configurable": dict(configurable)}
        for q in tqdm(questions, desc=name, unit="q", disable=not progress, leave=False):
            start = time.perf_counter()
            result = graph.invoke({"query": q.question}, config)
            seconds = time.perf_counter() - start
            predicted = in_gold_terms(result, q.images)
            scores = score_answer(
                gold_images=q.images,
                predicted_images=predicted,
                reference=q.reference,
                prediction=result.get("text", ""),
            )
            runs.append(
                AnswerRun(
                    name,
                    q.id,
                    scores,
                    dict(result.get("timings", {})),
                    seconds,
                    bool(result.get("fallback")),
                    predicted,
                    answerable=q.answerable,
                    declined=declines(result.get("text", "")),
                    cut=any(n.startswith(LEFT_OUT) for n in result.get("notices", [])),
                    text=result.get("text", ""),
                    page=q.page,
                    page_retrieved=any(d["doc_id"] == q.page for d in result.get("documents", [])),
                )
            )
    return runs


def _share(runs: Sequence[AnswerRun], flag: str) -> float | None:
    return round(100 * statistics.fmean(getattr(r, flag) for r in runs), 1) if runs else None


def page_focus(runs: Sequence[AnswerRun], gold: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """For questions about one page: the share of all shown images that are the page's (pooled
    over answers, so an answer showing five images weighs five times one showing one), the
    share of answers showing at least one of them, images per answer, and how often the page
    was retrieved at all (the ceiling of the other two)."""
    asked = [r for r in runs if r.page]
    if not asked:
        return {}
    shown = sum(len(r.predicted) for r in asked)
    from_page = [sum(i in set(gold[r.question_id]) for i in r.predicted) for r in asked]
    return {
        "from asked page %": round(100 * sum(from_page) / shown, 1) if shown else None,
        "shows asked page %": round(100 * statistics.fmean(n > 0 for n in from_page), 1),
        "images / answer": round(shown / len(asked), 2),
        "page retrieved %": _share(asked, "page_retrieved"),
    }


def summarize(
    runs: Sequence[AnswerRun], gold: Mapping[str, Sequence[str]] | None = None
) -> list[dict[str, Any]]:
    """One row per system: MRAMG's scores ×100, how often it declines unanswerable questions
    (it should) and answerable ones (it should not), grounding cuts, fallbacks, latency; with
    `gold` (question id → gold images), the page-focus shares of questions about one page."""
    rows = []
    for strategy in dict.fromkeys(r.strategy for r in runs):
        mine = [r for r in runs if r.strategy == strategy]
        answerable = [r for r in mine if r.answerable]
        unanswerable = [r for r in mine if not r.answerable]
        rows.append(
            {
                "system": strategy,
                "n": len(mine),
                **{
                    k: None if v is None else round(v, 2)
                    for k, v in macro_average(r.scores for r in mine).items()
                },
                "declines unanswerable %": _share(unanswerable, "declined"),
                "declines answerable %": _share(answerable, "declined"),
                "grounding cut %": _share(mine, "cut"),
                "fallback %": round(100 * statistics.fmean(r.fallback for r in mine), 1),
                "p50 s": round(statistics.median(r.seconds for r in mine), 3),
                "p95 s": round(percentile([r.seconds for r in mine], 95), 3),
                **page_focus(mine, gold or {}),
            }
        )
    return rows


def stage_latency(runs: Sequence[AnswerRun]) -> dict[str, dict[str, float]]:
    """strategy → node → median seconds, for the latency plot."""
    samples: dict[str, dict[str, list[float]]] = {}
    for r in runs:
        for node, seconds in r.timings.items():
            samples.setdefault(r.strategy, {}).setdefault(node, []).append(seconds)
    return {
        s: {node: statistics.median(v) for node, v in nodes.items()} for s, nodes in samples.items()
    }
