"""The vector store of chunks: Chroma embedded on disk, or a Chroma server.

Chunk ids are content hashes and writes are upserts, so ingesting twice stores nothing new and an
interrupted ingest, run again, ends with every chunk present exactly once.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar
from urllib.parse import urlparse

import httpx
from langchain_core.embeddings import Embeddings

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.state import Chunk, ImageRef

if TYPE_CHECKING:
    from chromadb.api.models.Collection import Collection

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

_ROOTS_KEY = "m2io_image_roots"
"""Collection metadata: the folders ingested, as a JSON list (Chroma metadata holds scalars)."""
NO_IMAGE_ROOTS = (
    "the store records no ingested folder (it was ingested by an older version), so answer "
    "pages show no local images: run `m2io ingest` on the corpus again (it stores nothing new, "
    "it only records the folder)"
)


class StoreError(RuntimeError):
    """The store cannot be opened or reached."""


P = ParamSpec("P")
R = TypeVar("R")


def _reached(doing: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A Chroma server that stops answering (killed, restarting, network gone) is a StoreError
    that says what is kept and how to go on, not an httpx traceback."""

    def wrap(method: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(method)
        def reached(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(*args, **kwargs)
            except httpx.TransportError as error:
                store = args[0]
                raise StoreError(
                    f"the Chroma server at {getattr(store, 'location', '?')} stopped answering "
                    f"while {doing} ({type(error).__name__}: {error}). Everything stored before "
                    "is kept: once it answers again, run the same command again (an ingest "
                    "resumes, skipping the chunks already stored)"
                ) from error

        return reached

    return wrap


class CorpusStore:
    """Chunks of illustrated documents with their images, searchable by meaning."""

    def __init__(
        self,
        embedder: Embeddings,
        *,
        store_dir: str | None = None,
        chroma_url: str | None = None,
        collection: str = "m2io",
    ) -> None:
        import chromadb
        from chromadb.config import Settings
        from langchain_chroma import Chroma

        settings = Settings(anonymized_telemetry=False)
        try:
            if chroma_url:
                url = urlparse(chroma_url)
                client = chromadb.HttpClient(
                    host=url.hostname or "localhost",
                    port=url.port or 8000,
                    ssl=url.scheme == "https",
                    settings=settings,
                )
            else:
                Path(store_dir or ".").mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=store_dir, settings=settings)
            self._chroma = Chroma(
                client=client,
                collection_name=f"{collection}-chunks",
                embedding_function=embedder,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        except Exception as error:  # chromadb raises many kinds; the user needs the location
            where = chroma_url or store_dir
            raise StoreError(f"cannot open the Chroma store at {where}: {error}") from error
        self.location = chroma_url or str(store_dir)

    @_reached("counting chunks")
    def count(self) -> int:
        return self._chroma._collection.count()

    def require_documents(self) -> None:
        """Raise StoreError, saying what to run, when nothing was ingested: commands that answer
        stop here instead of answering every question with "no documents"."""
        if self.count() == 0:
            raise StoreError(f"the store at {self.location} is empty: run `m2io ingest PATH` first")

    @_reached("recording the ingested folder")
    def add_image_root(self, folder: Path) -> None:
        """Record a folder an ingest read: local images are shown only from these."""
        roots = self.image_roots()
        if folder.resolve() not in roots:
            metadata = dict(self._collection().metadata or {})
            metadata[_ROOTS_KEY] = json.dumps([*map(str, roots), str(folder.resolve())])
            self._chroma._collection.modify(metadata=metadata)

    @_reached("reading the ingested folders")
    def image_roots(self) -> list[Path]:
        """The folders ingested into this store (as they were recorded, newest last)."""
        recorded = (self._collection().metadata or {}).get(_ROOTS_KEY)
        return [Path(root) for root in json.loads(str(recorded or "[]"))]

    def _collection(self) -> Collection:
        """The collection as stored now: another process may have ingested since we opened it."""
        return self._chroma._client.get_collection(self._chroma._collection.name)

    @_reached("checking stored chunks")
    def existing_ids(self, ids: list[str]) -> set[str]:
        """Which of `ids` are stored already (lets ingest skip embedding them again)."""
        if not ids:
            return set()
        return set(self._chroma.get(ids=ids, include=[])["ids"])

    @_reached("storing chunks")
    def add(self, chunks: list[StoredChunk]) -> None:
        """Upsert chunks; their images travel as JSON in the metadata (Chroma wants scalars)."""
        if not chunks:
            return
        self._chroma.add_texts(
            texts=[c.text for c in chunks],
            ids=[c.id for c in chunks],
            metadatas=[
                {
                    "doc_id": c.doc_id,
                    "title": c.title,
                    "source": c.source,
                    "images": json.dumps(c.images),
                    "sentences": json.dumps(c.sentences),
                    "paragraph_ends": json.dumps(c.paragraph_ends),
                    "n_images": len(c.images),
                    "position": c.position,
                }
                for c in chunks
            ],
        )

    def iter_chunks(self, batch_size: int = 500) -> Iterator[StoredChunk]:
        """Every stored chunk as it was chunked (sentences, images with their gold `after`),
        read a page at a time so that a large collection is never fetched in one request.

        Training data is built from these; a store ingested before chunks kept their sentences
        raises StoreError, since the gold `after` numbers would have nothing to point at. One
        ingested before they kept paragraph ends gives chunks whose ends are unknown ([]).
        """
        for offset in range(0, self.count(), batch_size):
            page = self._chroma.get(include=["metadatas"], limit=batch_size, offset=offset)
            for meta in page["metadatas"]:
                if "sentences" not in meta:
                    raise StoreError(
                        f"the store at {self.location} has no sentences in its chunks (it was "
                        "ingested by an older version): ingest the documents again into a new store"
                    )
                yield StoredChunk(
                    doc_id=str(meta["doc_id"]),
                    title=str(meta["title"]),
                    source=str(meta["source"]),
                    position=int(meta["position"]),  # type: ignore[arg-type]
                    sentences=json.loads(str(meta["sentences"])),
                    images=json.loads(str(meta["images"])),
                    paragraph_ends=json.loads(str(meta.get("paragraph_ends") or "[]")),
                )

    @_reached("reading images")
    def images_of(self, doc_ids: list[str]) -> list[ImageRef]:
        """Every image of these documents, in document order.

        A figure often sits a chunk away from the sentences that announce it ("see Figure 9.3"),
        so candidates come from whole retrieved documents, not only the retrieved chunks.
        """
        if not doc_ids:
            return []
        found = self._chroma.get(
            where={"$and": [{"doc_id": {"$in": doc_ids}}, {"n_images": {"$gt": 0}}]},
            include=["metadatas"],
        )
        rows = sorted(found["metadatas"], key=lambda m: (doc_ids.index(m["doc_id"]), m["position"]))
        return [image for row in rows for image in json.loads(str(row["images"]))]

    @_reached("searching")
    def search(self, query: str, k: int) -> list[Chunk]:
        """The `k` chunks closest to `query`, best first."""
        hits = self._chroma.similarity_search_with_relevance_scores(query, k=k)
        return [
            Chunk(
                id=str(doc.id),
                doc_id=str(doc.metadata.get("doc_id", "")),
                title=str(doc.metadata.get("title", "")),
                source=str(doc.metadata.get("source", "")),
                text=doc.page_content,
                images=json.loads(str(doc.metadata.get("images") or "[]")),
                score=round(float(score), 4),
            )
            for doc, score in hits
        ]
