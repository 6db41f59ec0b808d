"""`m2io eval` (scores of strategies on a dataset) and `m2io bench` (speed, with ratios).

Both import their heavy parts lazily so `m2io --help` stays quick.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from m2io_graph.config import M2IOConfig

INSERTER_METRICS = ["format %", "P", "R", "F1", "position acc.", "ordering"]


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None
    if not values or any(not 0 <= v <= 1 for v in values):
        raise argparse.ArgumentTypeError("α values must lie in 0..1")
    return values


def add_eval_parsers(
    commands: Any, store_options: Callable[[argparse.ArgumentParser], None]
) -> None:
    text = (
        "Score inserter strategies on a dataset: MRAMG question jsonl (the whole graph answers "
        "each question; --store must hold the ingested corpus) or an inserter dataset from "
        "`m2io train data` (the inserter alone on gold text). Prints a table and writes "
        "scores.csv/json and PNG plots to --out."
    )
    ev = commands.add_parser("eval", help="score strategies on a dataset", description=text)
    ev.add_argument("--data", type=Path, required=True, help="MRAMG *_mqa.jsonl or dataset folder")
    ev.add_argument(
        "--stage",
        choices=["auto", "graph", "inserter"],
        default="auto",
        help="graph: answer end to end; inserter: gold text (default: from --data)",
    )
    ev.add_argument(
        "--inserter",
        dest="strategies",
        default="rule,r1",
        help="comma-separated: rule, r1, llm, single_shot; with --stage inserter also base and "
        "NAME=CHECKPOINT (default: rule,r1)",
    )
    ev.add_argument(
        "--alpha",
        type=_floats,
        default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        help="α values of the reward sweep plot (inserter stage; default 0,0.2,...,1)",
    )
    ev.add_argument("--limit", type=int, default=0, help="first N questions/examples (0 = all)")
    ev.add_argument("--split", default="test", help="dataset split (inserter stage; default test)")
    ev.add_argument("--images-info", type=Path, help="MRAMG images-info JSON (default: found)")
    ev.add_argument("--out", type=Path, default=Path("runs/eval"), help="output folder")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    ev.add_argument(
        "--generator",
        help="comma-separated text generators for the graph stage, each answering with each "
        "inserter (e.g. extractive,smollm2,qwen2.5-coder-0.5b,qwen2.5-coder-1.5b; default: the "
        "configured one)",
    )
    ev.add_argument("--base-url", help="OpenAI-compatible endpoint for --generator openai")
    ev.add_argument("--inserter-checkpoint", help="checkpoint that r1 loads (default: shipped)")
    ev.add_argument(
        "--inserter-runtime",
        help="where r1, base and checkpoints run: llamacpp (default) or transformers; a system "
        "may name its own with a suffix (r1@transformers)",
    )
    ev.add_argument(
        "--unguided",
        action="store_true",
        help="let r1 (and base and checkpoints) decode freely, to measure their own format "
        "validity (default: guided by the inserter grammar)",
    )
    ev.add_argument("--k", type=int, help="chunks to retrieve (graph stage; default 4)")
    store_options(ev)
    ev.set_defaults(run=_eval)

    bench = commands.add_parser(
        "bench",
        help="measure latency, parallelism, inserter cost and store scaling",
        description="One run that prints every figure beside a baseline measured in the same "
        "run, and writes them as JSON so commits can be compared.",
    )
    bench.add_argument(
        "--generator",
        default="extractive,smollm2,qwen2.5-coder-0.5b,qwen2.5-coder-1.5b",
        help="comma-separated generators whose answer latency is measured; the last one is "
        "also timed from a cold `m2io ask` (default: extractive and the three offline LMs)",
    )
    bench.add_argument("--runs", type=int, default=1, help="passes over the questions")
    bench.add_argument(
        "--questions", type=int, default=10, help="demo questions per pass (default: 10)"
    )
    bench.add_argument(
        "--scales", default="1000,10000,100000", help="store sizes (chunks) for retrieval"
    )
    bench.add_argument(
        "--inserter-examples", type=int, default=20, help="examples for the inserter cost (0: all)"
    )
    bench.add_argument(
        "--inserter-data",
        type=Path,
        help="an inserter dataset (`m2io train data`) for the inserter cost, e.g. the held-out "
        "handbook (default: examples built from the demo store)",
    )
    bench.add_argument(
        "--r1-runtimes",
        default="llamacpp,transformers",
        help="runtimes r1 is measured on, comma-separated (empty: skip r1)",
    )
    bench.add_argument("--no-r1", action="store_true", help="skip r1 in the inserter cost")
    bench.add_argument(
        "--no-decoding", action="store_true", help="skip tokens/s on transformers vs llama.cpp"
    )
    bench.add_argument(
        "--no-cold-start", action="store_true", help="skip the cold `m2io ask` timings"
    )
    bench.add_argument("--out", type=Path, default=Path("runs/bench.json"), help="JSON output")
    bench.set_defaults(run=_bench)


def _is_inserter_dataset(path: Path) -> bool:
    if path.is_dir():
        return True
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "{}")
    try:
        record = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(record, dict) and "gold" in record and "candidates" in record


def _eval(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    if not args.data.exists():
        print(f"error: {args.data} does not exist", file=sys.stderr)
        return 2
    stage = args.stage
    if stage == "auto":
        stage = "inserter" if _is_inserter_dataset(args.data) else "graph"
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if args.unguided:
        cfg = replace(cfg, inserter_guided=False)
    if stage == "inserter":
        return _eval_inserter(args, cfg, strategies)
    return _eval_graph(args, cfg, strategies)


def _eval_inserter(args: argparse.Namespace, cfg: M2IOConfig, strategies: list[str]) -> int:
    from m2io_graph.eval import report
    from m2io_graph.eval.inserter import alpha_sweep, evaluate, load_examples, rows, system_for

    examples = load_examples(args.data, args.split)
    if args.limit:
        examples = examples[: args.limit]
    systems = [system_for(spec, cfg) for spec in strategies]  # fail on a bad name before work
    plans: list[dict[str, Any]] = []
    scores = [
        evaluate(name, system, examples, progress=not args.quiet, predictions=plans)
        for name, system in systems
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


def _eval_graph(args: argparse.Namespace, cfg: M2IOConfig, strategies: list[str]) -> int:
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
    table = summarize(runs)
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


def _bench(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph.bench.run import BenchOptions, run_bench

    def names(text: str) -> list[str]:
        return [n.strip() for n in text.split(",") if n.strip()]

    options = BenchOptions(
        generators=names(args.generator),
        runs=args.runs,
        questions_per_run=args.questions,
        scales=[int(s) for s in names(args.scales)],
        inserter_examples=args.inserter_examples,
        inserter_data=args.inserter_data,
        runtimes=[] if args.no_r1 else names(args.r1_runtimes),
        decoding=not args.no_decoding,
        cold_start=not args.no_cold_start,
    )
    run_bench(options, args.out)
    return 0
