"""Ingest throughput, per-node latency and how well the two parallel branches overlap."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from m2io_graph.corpus.ingest import ingest
from m2io_graph.corpus.store import CorpusStore

BRANCHES = ("generate_text", "extract_candidates")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); exact on the small samples a bench takes."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def measure_ingest(corpus: Path, store: CorpusStore) -> dict[str, float]:
    start = time.perf_counter()
    report = ingest(corpus, store, progress=False)
    seconds = time.perf_counter() - start
    return {
        "documents": report.documents,
        "chunks": report.chunks_added,
        "images": report.images,
        "seconds": seconds,
        "chunks_per_s": report.chunks_added / seconds,
        "documents_per_s": report.documents / seconds,
    }


def measure_pdf_ingest(folder: Path, store: CorpusStore, figures_dir: Path) -> dict[str, float]:
    """PDF ingest in pages per second: the loader alone (layout, figures rendered), then the
    whole ingest (chunks embedded and stored) into an empty store. (A page of figures only
    joins the page before it, so there are a few fewer page documents than pages.)"""
    import pypdfium2 as pdfium

    from m2io_graph.corpus.loaders import iter_documents

    files = sorted(folder.rglob("*.pdf"))
    pages = sum(len(pdfium.PdfDocument(file)) for file in files)
    start = time.perf_counter()
    for _ in iter_documents(folder, "pdf", figures_dir=figures_dir / "load"):
        pass
    loading = time.perf_counter() - start
    start = time.perf_counter()
    report = ingest(folder, store, fmt="pdf", progress=False, figures_dir=figures_dir / "ingest")
    seconds = time.perf_counter() - start
    return {
        "pdf_files": len(files),
        "pages": pages,
        "documents": report.documents,
        "chunks": report.chunks_added,
        "images": report.images,
        "load_seconds": loading,
        "seconds": seconds,
        "load_pages_per_s": pages / loading,
        "pages_per_s": pages / seconds,
    }


def _answer(graph: Any, question: str) -> tuple[float, dict[str, float], float]:
    """Total seconds, node timings, and the wall time of the parallel superstep: from the
    moment `retrieve`'s update arrives to the moment both branches' updates have arrived."""
    start = time.perf_counter()
    arrived: dict[str, float] = {}
    timings: dict[str, float] = {}
    for update in graph.stream({"query": question}, stream_mode="updates"):
        now = time.perf_counter()
        for node, values in update.items():
            arrived[node] = now
            timings.update((values or {}).get("timings", {}))
    total = time.perf_counter() - start
    superstep = max(arrived[b] for b in BRANCHES) - arrived["retrieve"]
    return total, timings, superstep


def measure_answers(graph: Any, questions: Sequence[str], runs: int) -> dict[str, Any]:
    """p50/p95 per node and per answer; overlap = superstep wall ÷ slower branch alone (1.0 is
    perfect overlap; `sequential` is what running the branches one after the other would give)."""
    _answer(graph, questions[0])  # load models outside the timing
    totals: list[float] = []
    nodes: dict[str, list[float]] = {}
    overlap: list[float] = []
    sequential: list[float] = []
    for _ in range(runs):
        for question in questions:
            total, timings, superstep = _answer(graph, question)
            totals.append(total)
            for node, seconds in timings.items():
                nodes.setdefault(node, []).append(seconds)
            branches = [timings[b] for b in BRANCHES]
            overlap.append(superstep / max(branches))
            sequential.append(sum(branches) / max(branches))
    return {
        "answers": len(totals),
        "nodes_ms": {
            node: {"p50": 1000 * percentile(v, 50), "p95": 1000 * percentile(v, 95)}
            for node, v in nodes.items()
        },
        "answer_ms": {"p50": 1000 * percentile(totals, 50), "p95": 1000 * percentile(totals, 95)},
        "overlap_p50": statistics.median(overlap),
        "sequential_p50": statistics.median(sequential),
    }
