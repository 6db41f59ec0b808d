"""Runs every bench section, prints each figure with its ratio to a same-run baseline, and
writes one JSON document (with the commit and machine) so figures compare across commits."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from m2io_graph.config import M2IOConfig

REPO = Path(__file__).resolve().parents[2]
DEMO_CORPUS = REPO / "data" / "demo" / "debian-handbook"
DEMO_QUESTIONS = REPO / "data" / "demo" / "questions.jsonl"


@dataclass(frozen=True)
class BenchOptions:
    generator: str = "extractive"
    runs: int = 3
    scales: list[int] = field(default_factory=lambda: [1000, 10000, 100000])
    inserter_examples: int = 20
    with_r1: bool = True
    corpus: Path = DEMO_CORPUS
    questions: Path = DEMO_QUESTIONS


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _questions(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def _print_pipeline(ingest: dict[str, Any], answers: dict[str, Any], generator: str) -> None:
    print(
        f"ingest: {ingest['documents']} documents, {ingest['chunks']} chunks, "
        f"{ingest['images']} images in {ingest['seconds']:.1f} s = "
        f"{ingest['chunks_per_s']:.1f} chunks/s"
    )
    print(f"answers ({answers['answers']}, generator={generator}):")
    print(f"  {'node':<20} {'p50 ms':>9} {'p95 ms':>9}")
    for node, ms in answers["nodes_ms"].items():
        print(f"  {node:<20} {ms['p50']:9.1f} {ms['p95']:9.1f}")
    whole = answers["answer_ms"]
    print(f"  {'whole answer':<20} {whole['p50']:9.1f} {whole['p95']:9.1f}")
    print(
        f"parallel superstep ÷ slower branch: {answers['overlap_p50']:.2f} "
        f"(1.00 = full overlap; one after the other would be {answers['sequential_p50']:.2f})"
    )


def _print_inserters(cost: dict[str, Any]) -> None:
    print(f"inserter cost on {cost['examples']} examples (baseline: unbatched pairwise):")
    print(f"  {'system':<18} {'ms/example':>11} {'× baseline':>11} {'F1':>6} {'pos.':>6}")
    for name, s in cost["systems"].items():
        print(
            f"  {name:<18} {s['ms_per_example']:11.1f} {s['time_vs_baseline']:11.2f} "
            f"{s['f1']:6.1f} {s['position_accuracy']:6.1f}"
        )


def _print_scale(rows: list[dict[str, Any]]) -> None:
    print("store scaling (generated 384-d vectors; baseline: exact NumPy search):")
    print(
        f"  {'chunks':>8} {'insert/s':>10} {'query p50 ms':>13} {'exact p50 ms':>13} "
        f"{'× exact':>8} {'recall@4':>9} {'peak MB':>8}"
    )
    for r in rows:
        print(
            f"  {r['chunks']:>8} {r['insert_per_s']:10.0f} {r['query_p50_ms']:13.2f} "
            f"{r['exact_numpy_p50_ms']:13.2f} {r['query_vs_exact']:8.2f} "
            f"{r['recall_at_4']:9.2f} {r['peak_memory_mb']:8.0f}"
        )


def run_bench(options: BenchOptions, out: Path) -> dict[str, Any]:
    from m2io_graph import build_graph, models
    from m2io_graph.bench.inserter_cost import measure_inserters
    from m2io_graph.bench.pipeline import measure_answers, measure_ingest
    from m2io_graph.bench.store_scale import measure_scale, peak_memory_mb

    if not options.corpus.is_dir() or not options.questions.is_file():
        raise FileNotFoundError(
            f"the bench reads the demo corpus at {options.corpus} and {options.questions}: "
            "run it from a checkout of the repository"
        )
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
    }
    with tempfile.TemporaryDirectory() as store_dir:
        settings = {"store_dir": store_dir, "generator": options.generator}
        cfg = M2IOConfig().updated(settings)
        embedder = models.embedder(cfg)
        embedder.embed_documents(["load the embedder outside the timing"])
        store = models.corpus_store(cfg)
        result["ingest"] = measure_ingest(options.corpus, store)
        result["answers"] = measure_answers(
            build_graph(settings), _questions(options.questions), options.runs
        )
        _print_pipeline(result["ingest"], result["answers"], options.generator)
        result["inserters"] = measure_inserters(
            store, embedder, cfg.rule_threshold, options.inserter_examples, options.with_r1
        )
        _print_inserters(result["inserters"])
    result["scale"] = [measure_scale(size) for size in options.scales]
    _print_scale(result["scale"])
    result["peak_memory_mb"] = peak_memory_mb()
    print(f"peak memory: {result['peak_memory_mb']:.0f} MB")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return result
