"""Chroma at 1k–100k chunks: insert throughput, query p50 and recall against exact search.

Vectors are generated (unit-normalized Gaussian, the embedder's 384 dimensions): the figures
measure the store, not the embedder, and 100k real chunks would take hours to embed on a CPU.
The baseline is exact top-k by one NumPy matrix product over the same vectors.
"""

from __future__ import annotations

import resource
import tempfile
import time
from typing import Any

import numpy as np

from m2io_graph.bench.pipeline import percentile

DIMENSIONS = 384
K = 4


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_scale(size: int, queries: int = 50, seed: int = 0) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings

    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((size, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    probes = vectors[rng.choice(size, queries, replace=False)] + 0.05 * rng.standard_normal(
        (queries, DIMENSIONS)
    ).astype(np.float32)
    with tempfile.TemporaryDirectory() as folder:
        client = chromadb.PersistentClient(folder, settings=Settings(anonymized_telemetry=False))
        collection = client.create_collection("bench", configuration={"hnsw": {"space": "cosine"}})
        batch = client.get_max_batch_size()
        start = time.perf_counter()
        for first in range(0, size, batch):
            block = vectors[first : first + batch]
            collection.add(
                ids=[str(i) for i in range(first, first + len(block))],
                embeddings=block,
                metadatas=[{"doc": i % 97} for i in range(first, first + len(block))],
            )
        insert_s = time.perf_counter() - start
        chroma_ms, exact_ms, hits = [], [], 0
        for probe in probes:
            start = time.perf_counter()
            found = collection.query(query_embeddings=[probe], n_results=K)["ids"][0]
            chroma_ms.append(1000 * (time.perf_counter() - start))
            start = time.perf_counter()
            scores = vectors @ probe
            exact = np.argpartition(-scores, K)[:K]
            exact_ms.append(1000 * (time.perf_counter() - start))
            hits += len({int(i) for i in found} & {int(i) for i in exact})
    chroma_p50, exact_p50 = percentile(chroma_ms, 50), percentile(exact_ms, 50)
    return {
        "chunks": size,
        "insert_per_s": size / insert_s,
        "query_p50_ms": chroma_p50,
        "query_p95_ms": percentile(chroma_ms, 95),
        "exact_numpy_p50_ms": exact_p50,
        "query_vs_exact": chroma_p50 / exact_p50 if exact_p50 else 0.0,
        "recall_at_4": hits / (K * queries),
        "peak_memory_mb": peak_memory_mb(),
    }
