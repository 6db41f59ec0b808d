"""`m2io eval`'s work: run the strategies over a dataset, print the table, write the files.

Two stages: the inserter alone on gold text (an inserter dataset from `m2io train data`) and
the whole graph on questions (MRAMG jsonl or a hand-written question file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from m2io_graph.config import M2IOConfig

INSERTER_METRICS = ["format %", "P", "R", "F1", "position acc.", "ordering"]


def is_inserter_dataset(path: Path) -> bool:
    if path.is_dir():
        return True
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "{}")
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and "gold" in record and "candidates" in record


def eval_inserter(args: argparse.Namespace, cfg: M2IOConfig, strategies: list[str]) -> int:
    from m2io_graph.eval import report
    from m2io_graph.eval.inserter import alpha_sweep, evaluate, load_examples, rows, system_for

    examples = load_examples(args.data, args.split)
    if args.limit:
        examples = examples[: args.limit]
    systems = [system_for(spec) for spec in strategies]  # fail on a bad name before work
    plans: list[dict[str, Any]] = []
    scores = [
        evaluate(system, examples, cfg, progress=not args.quiet, predictions=plans)
        for system in systems
    ]
    table = rows(scores)
    print(report.markdown_table(table))
    written = report.write_rows(args.out, "scores", table)
    written += report.write_rows(args.out, "plans", plans)
    sweep = alpha_sweep(scores, args.alpha)
    written += report.write_rows(
        args.out,
        "alpha_sweep",
        [
            {"system": s, "alpha": a, "reward": round(v, 4)}
            for s, pts in sweep.items()
            for a, v in pts
        ],
    )
    latency = {s.system: {"insert_images": s.seconds_per_example} for s in scores}
    for path in (
        report.plot_metrics(table, INSERTER_METRICS, args.out / "metrics.png"),
        report.plot_latency(latency, args.out / "latency.png"),
        report.plot_alpha(sweep, args.out / "alpha_sweep.png"),
    ):
        if path:
            written.append(path)
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0


def eval_graph(args: argparse.Namespace, cfg: M2IOConfig, strategies: list[str]) -> int:
    from m2io_graph import models
    from m2io_graph.eval import report
    from m2io_graph.eval.answers import evaluate_answers, load_questions, stage_latency, summarize
    from m2io_graph.graph import build_graph
    from m2io_graph.inserter.strategies import get_strategy
    from m2io_graph.metrics import AnswerScores

    for name in strategies:
        get_strategy(name)  # an unknown name fails now, not after an hour of answers
    generators = [g.strip() for g in (args.generator or "").split(",") if g.strip()]
    systems = {
        (f"{generator}/{strategy}" if len(generators) > 1 else strategy): {
            "inserter": strategy,
            **({"generator": generator} if generator else {}),
        }
        for generator in generators or [""]
        for strategy in strategies
    }
    questions = load_questions(args.data, args.images_info)
    if args.limit:
        questions = questions[: args.limit]
    models.corpus_store(cfg).require_documents()
    runs = evaluate_answers(build_graph(cfg), questions, systems, progress=not args.quiet)
    table = summarize(runs, {q.id: q.images for q in questions})
    print(report.markdown_table(table))
    written = report.write_rows(args.out, "scores", table)
    written += report.write_rows(
        args.out,
        "answers",
        [
            {
                "system": r.strategy,
                "id": r.question_id,
                **r.scores._asdict(),
                "seconds": round(r.seconds, 3),
                "fallback": r.fallback,
                "answerable": r.answerable,
                "declined": r.declined,
                "grounding_cut": r.cut,
                "images": " ".join(r.predicted),
                **({"page": r.page, "page_retrieved": r.page_retrieved} if r.page else {}),
                "text": r.text,
            }
            for r in runs
        ],
    )
    for path in (
        report.plot_metrics(table, AnswerScores._fields, args.out / "metrics.png"),
        report.plot_latency(stage_latency(runs), args.out / "latency.png"),
    ):
        if path:
            written.append(path)
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0
