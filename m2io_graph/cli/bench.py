"""`m2io bench`: speed figures, each beside a baseline measured in the same run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from m2io_graph.config import M2IOConfig


def add_bench_parser(commands: Any) -> None:
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
    bench.add_argument(
        "--demo-dir",
        type=Path,
        help="folder holding the demo corpus (debian-handbook/) and questions.jsonl: a "
        "checkout's data/demo (default: the checkout this package runs from)",
    )
    bench.add_argument(
        "--pdf-dir",
        type=Path,
        help="PDFs for the PDF ingest speed (default: the checkout's tests/pdfs excerpts)",
    )
    bench.add_argument("--out", type=Path, default=Path("runs/bench.json"), help="JSON output")
    bench.set_defaults(run=_bench)


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
        demo_dir=args.demo_dir,
        pdf_dir=args.pdf_dir,
    )
    run_bench(options, args.out)
    return 0
