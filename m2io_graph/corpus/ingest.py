"""Ingest: documents on disk → chunks with images → the store, idempotently and resumably.

Each document's chunks are written as soon as it is parsed, so an ingest killed half-way keeps
what it finished; running it again skips chunks whose content hash is already stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from m2io_graph.corpus.chunking import chunk_document
from m2io_graph.corpus.loaders import ingest_root, iter_documents
from m2io_graph.corpus.pdf_loader import default_figures_dir
from m2io_graph.corpus.sources import MAX_FILE_BYTES, unexpected
from m2io_graph.corpus.store import CorpusStore


@dataclass
class IngestReport:
    """What an ingest did, for the user and for tests."""

    documents: int = 0
    chunks_added: int = 0
    chunks_existing: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.documents} documents, {self.chunks_added} chunks added, "
            f"{self.chunks_existing} already stored, {self.images} images, "
            f"{len(self.problems)} problems"
        )


def ingest(
    path: Path,
    store: CorpusStore,
    *,
    fmt: str | None = None,
    progress: bool = True,
    max_file_bytes: int = MAX_FILE_BYTES,
    figures_dir: Path | None = None,
) -> IngestReport:
    """Load every document under `path` into `store`; bad parts are reported and skipped.

    Whatever goes wrong inside one document, page or image is a problem in the report naming
    its file, and the ingest goes on; only KeyboardInterrupt and MemoryError end it, and errors
    of the store itself (unreachable, disk full), which every later document would meet too.
    The folder is recorded in the store: the answer page shows local images from there only,
    and from `figures_dir`, where the figures of PDFs are rendered (one document per page: the
    bar counts pages).
    """
    report = IngestReport()
    figures = Path(figures_dir or default_figures_dir())
    documents = iter_documents(Path(path), fmt, max_file_bytes=max_file_bytes, figures_dir=figures)
    store.add_image_root(ingest_root(Path(path)))
    recorded_figures = False
    for doc in tqdm(documents, desc="ingest", unit="doc", disable=not progress):
        if doc.source.lower().endswith(".pdf") and not recorded_figures:
            store.add_image_root(figures)
            recorded_figures = True
        report.documents += 1
        report.problems.extend(doc.skipped)
        try:
            chunks, problems = chunk_document(doc)
        except Exception as error:
            report.problems.append(f"{doc.source}: {doc.doc_id} not ingested ({unexpected(error)})")
            continue
        report.problems.extend(problems)
        existing = store.existing_ids([c.id for c in chunks])
        fresh = [c for c in chunks if c.id not in existing]
        store.add(fresh)
        report.chunks_added += len(fresh)
        report.chunks_existing += len(chunks) - len(fresh)
        report.images += sum(len(c.images) for c in chunks)
    return report
