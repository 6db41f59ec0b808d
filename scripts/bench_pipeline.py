"""Measure ingest throughput and per-node answer latency on the demo corpus.

    .venv/bin/python scripts/bench_pipeline.py [--generator extractive|smollm2] [--runs N]

Prints one table; numbers depend on the machine (quote them with its core count).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from m2io_graph import build_graph, models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.ingest import ingest

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", default="extractive")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in (REPO / "data/demo/questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory() as store_dir:
        settings = {"store_dir": store_dir, "generator": args.generator}
        cfg = M2IOConfig().updated(settings)
        store = models.corpus_store(cfg)
        models.embedder(cfg).embed_query("load the embedder before timing")
        start = time.perf_counter()
        report = ingest(REPO / "data/demo/debian-handbook", store, progress=False)
        seconds = time.perf_counter() - start
        print(
            f"ingest: {report.summary()} in {seconds:.1f} s "
            f"= {report.chunks_added / seconds:.1f} chunks/s, {report.documents / seconds:.2f} docs/s"
        )
        graph = build_graph(settings)
        graph.invoke({"query": questions[0]})  # load models once
        timings: dict[str, list[float]] = {}
        totals: list[float] = []
        for _ in range(args.runs):
            for question in questions:
                start = time.perf_counter()
                result = graph.invoke({"query": question})
                totals.append(time.perf_counter() - start)
                for node, value in result["timings"].items():
                    timings.setdefault(node, []).append(value)
        print(f"answer latency over {len(totals)} questions, generator={args.generator}:")
        for node, values in timings.items():
            print(f"  {node:<20} p50 {statistics.median(values) * 1000:8.1f} ms")
        print(f"  {'whole answer':<20} p50 {statistics.median(totals) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
