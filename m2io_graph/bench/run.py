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
"""The checkout this module runs from, if it runs from one (an installed package has none)."""
CHECKOUT_DEMO = REPO / "data" / "demo"
CHECKOUT_PDFS = REPO / "tests" / "pdfs"
DEMO_CORPUS = "debian-handbook"
DEMO_QUESTIONS = "questions.jsonl"


def demo_files(demo_dir: Path | None) -> tuple[Path, Path]:
    """The demo corpus and questions in `demo_dir` (default: the checkout's data/demo), or
    FileNotFoundError saying where they were looked for and how to give them."""
    folder = demo_dir or CHECKOUT_DEMO
    corpus, questions = folder / DEMO_CORPUS, folder / DEMO_QUESTIONS
    if not corpus.is_dir() or not questions.is_file():
        given = "in" if demo_dir else "in the checkout's data/demo,"
        raise FileNotFoundError(
            f"the bench reads the demo corpus {given} {folder} ({DEMO_CORPUS}/ and "
            f"{DEMO_QUESTIONS}), and they are not there: pass --demo-dir with the data/demo "
            "folder of a checkout of the repository"
        )
    return corpus, questions


GENERATORS = ["extractive", "smollm2", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]


@dataclass(frozen=True)
class BenchOptions:
    generators: list[str] = field(default_factory=lambda: list(GENERATORS))
    runs: int = 1
    questions_per_run: int = 10
    scales: list[int] = field(default_factory=lambda: [1000, 10000, 100000])
    inserter_examples: int = 20
    inserter_data: Path | None = None
    """An inserter dataset (`m2io train data`) for the inserter cost; None: the demo store's."""
    runtimes: list[str] = field(default_factory=lambda: ["llamacpp", "transformers"])
    """The runtimes r1 is measured on; empty skips r1."""
    decoding: bool = True
    cold_start: bool = True
    demo_dir: Path | None = None
    """The folder with the demo corpus and questions (`demo_files`); None: the checkout's."""
    pdf_dir: Path | None = None
    """PDFs for the PDF ingest speed; None: the checkout's test excerpts, when there."""


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


def _print_ingest(ingest: dict[str, Any]) -> None:
    print(
        f"ingest: {ingest['documents']} documents, {ingest['chunks']} chunks, "
        f"{ingest['images']} images in {ingest['seconds']:.1f} s = "
        f"{ingest['chunks_per_s']:.1f} chunks/s"
    )


def _print_pdf_ingest(pdf: dict[str, Any]) -> None:
    print(
        f"PDF ingest: {pdf['pdf_files']} files, {pdf['pages']} pages, {pdf['images']} figures: "
        f"loading {pdf['load_pages_per_s']:.1f} pages/s, ingest (embedded, stored) "
        f"{pdf['pages_per_s']:.1f} pages/s"
    )


def _print_answers(answers: dict[str, Any], generator: str) -> None:
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
    print(
        f"  {'system':<20} {'ms/example':>11} {'× baseline':>11} {'× rule':>8} {'valid %':>8} "
        f"{'F1':>6} {'pos.':>6}"
    )
    for name, s in cost["systems"].items():
        print(
            f"  {name:<20} {s['ms_per_example']:11.1f} {s['time_vs_baseline']:11.2f} "
            f"{s['time_vs_rule']:8.2f} {s['format_validity']:8.1f} {s['f1']:6.1f} "
            f"{s['position_accuracy']:6.1f}"
        )


def _print_decoding(d: dict[str, Any]) -> None:
    print(
        f"decoding {d['model']} ({d['tokens']} tokens, greedy): transformers "
        f"{d['transformers_tokens_per_s']:.1f} tokens/s, llama.cpp "
        f"{d['llamacpp_tokens_per_s']:.1f} tokens/s ({d['llamacpp_vs_transformers']:.1f}×)"
    )


def _print_generators(answers: dict[str, dict[str, Any]]) -> None:
    print("answer latency per generator (same questions; baseline: extractive):")
    print(f"  {'generator':<20} {'p50 ms':>9} {'p95 ms':>9} {'× extractive':>13}")
    base = answers.get("extractive", {}).get("answer_ms", {}).get("p50")
    for name, a in answers.items():
        ratio = f"{a['answer_ms']['p50'] / base:13.1f}" if base else f"{'—':>13}"
        print(f"  {name:<20} {a['answer_ms']['p50']:9.0f} {a['answer_ms']['p95']:9.0f} {ratio}")


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


def _inserter_examples(options: BenchOptions, store: Any) -> list[dict[str, Any]]:
    from m2io_graph.bench.inserter_cost import examples_from
    from m2io_graph.eval.inserter import load_examples

    if options.inserter_data is None:
        return examples_from(store, options.inserter_examples)
    examples = load_examples(options.inserter_data)
    return examples[: options.inserter_examples] if options.inserter_examples else examples


def run_bench(options: BenchOptions, out: Path) -> dict[str, Any]:
    from m2io_graph import build_graph, models
    from m2io_graph.bench.cold_start import measure_cold_start
    from m2io_graph.bench.decoding import measure_decoding
    from m2io_graph.bench.inserter_cost import measure_inserters
    from m2io_graph.bench.pipeline import measure_answers, measure_ingest, measure_pdf_ingest
    from m2io_graph.bench.store_scale import measure_scale, peak_memory_mb

    corpus, questions_file = demo_files(options.demo_dir)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "options": {
            **{k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
            "demo_dir": str(corpus.parent),
        },
    }
    questions = _questions(questions_file)[: options.questions_per_run]
    with tempfile.TemporaryDirectory() as store_dir:
        cfg = M2IOConfig().updated({"store_dir": store_dir})
        embedder = models.embedder(cfg)
        embedder.embed_documents(["load the embedder outside the timing"])
        store = models.corpus_store(cfg)
        result["ingest"] = measure_ingest(corpus, store)
        _print_ingest(result["ingest"])
        pdfs = options.pdf_dir or (CHECKOUT_PDFS if CHECKOUT_PDFS.is_dir() else None)
        if pdfs is not None:
            with tempfile.TemporaryDirectory() as pdf_store:
                other = models.corpus_store(cfg.updated({"store_dir": pdf_store}))
                result["pdf_ingest"] = measure_pdf_ingest(pdfs, other, Path(pdf_store) / "f")
            _print_pdf_ingest(result["pdf_ingest"])
        result["answers"] = {}
        for generator in options.generators:
            graph = build_graph({"store_dir": store_dir, "generator": generator})
            result["answers"][generator] = measure_answers(graph, questions, options.runs)
            _print_answers(result["answers"][generator], generator)
        _print_generators(result["answers"])
        examples = _inserter_examples(options, store)
        result["inserters"] = measure_inserters(examples, cfg, options.runtimes)
        _print_inserters(result["inserters"])
        if options.cold_start:
            generator = options.generators[-1] if options.generators else cfg.generator
            result["cold_start"] = measure_cold_start(questions[0], store_dir, str(generator))
            c = result["cold_start"]
            print(
                f"first answer from a cold process (`m2io ask`, generator={c['generator']}): "
                f"{c['ask_s']:.1f} s; with --inserter r1: {c['ask_r1_s']:.1f} s"
            )
    if options.decoding:
        result["decoding"] = measure_decoding()
        _print_decoding(result["decoding"])
    result["scale"] = [measure_scale(size) for size in options.scales]
    _print_scale(result["scale"])
    result["peak_memory_mb"] = peak_memory_mb()
    print(f"peak memory: {result['peak_memory_mb']:.0f} MB")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"wrote {out}")
    return result
