"""What the nodes ask for: "the embedder", "the store", "the text generator" for a config.

Nodes never name a concrete model class; swapping a model is a config change.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.store import CorpusStore
from m2io_graph.models.chat import UnknownModelError, get_chat_model
from m2io_graph.models.embeddings import get_embedder
from m2io_graph.models.extractive import extractive_generator
from m2io_graph.prompts import ANSWER_PROMPT


def embedder(cfg: M2IOConfig) -> Embeddings:
    """The configured embedder: the one named, or the `Embeddings` object given."""
    return get_embedder(cfg.embedder)


class _Same:
    """An embedder object as a cache key, by identity: `Embeddings` objects are often
    unhashable (pydantic models). The key holds the object, so its id is not reused while the
    cached store lives."""

    def __init__(self, embedder: Embeddings) -> None:
        self.embedder = embedder

    def __hash__(self) -> int:
        return id(self.embedder)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.embedder is self.embedder


def corpus_store(cfg: M2IOConfig) -> CorpusStore:
    """One open store per location and embedder, shared by every run in the process."""
    key = cfg.embedder if isinstance(cfg.embedder, str) else _Same(cfg.embedder)
    return _store(key, cfg.store_dir, cfg.chroma_url, cfg.collection)


@lru_cache(maxsize=8)
def _store(
    embedder: str | _Same, store_dir: str, chroma_url: str | None, collection: str
) -> CorpusStore:
    return CorpusStore(
        get_embedder(embedder.embedder if isinstance(embedder, _Same) else embedder),
        store_dir=store_dir,
        chroma_url=chroma_url,
        collection=collection,
    )


def _chat(
    cfg: M2IOConfig,
    name: str | BaseChatModel,
    model: str,
    base_url: str | None,
    max_new_tokens: int,
) -> BaseChatModel:
    if isinstance(name, BaseChatModel):
        return name
    return get_chat_model(
        name,
        model=model,
        base_url=base_url,
        max_new_tokens=max_new_tokens,
        threads=cfg.llm_threads,
        n_ctx=cfg.llm_context,
    )


def generator_chat(cfg: M2IOConfig) -> BaseChatModel | None:
    """The chat model that writes answers (None for the extractive generator, which has none)."""
    if cfg.generator == "extractive":
        return None
    return _chat(cfg, cfg.generator, cfg.generator_model, cfg.base_url, cfg.max_new_tokens)


def text_generator(cfg: M2IOConfig) -> Runnable[dict[str, Any], str]:
    """A runnable `{"query", "context", "documents"} -> answer text`."""
    chat = generator_chat(cfg)
    if chat is None:
        return extractive_generator(embedder(cfg))
    return ANSWER_PROMPT | chat | StrOutputParser()


def inserter_llm(cfg: M2IOConfig, max_new_tokens: int) -> BaseChatModel:
    """The chat model the `llm` and `single_shot` inserters prompt."""
    return _chat(
        cfg, cfg.inserter_llm, cfg.inserter_llm_model, cfg.inserter_base_url, max_new_tokens
    )


INSERTER_RUNTIMES = ("llamacpp", "transformers")


@lru_cache(maxsize=4)
def _inserter_model(checkpoint: str) -> BaseChatModel:
    from m2io_graph.inserter.chat_model import InserterChatModel

    return InserterChatModel(checkpoint=checkpoint)


def inserter_model(cfg: M2IOConfig) -> BaseChatModel:
    """The trained inserter (`r1`) on the configured runtime: llama.cpp runs the checkpoint's
    GGUF form (base + LoRA adapter), transformers its PEFT form (`InserterChatModel`)."""
    if cfg.inserter_runtime == "transformers":
        return _inserter_model(cfg.inserter_checkpoint)
    if cfg.inserter_runtime != "llamacpp":
        raise UnknownModelError(
            f"unknown inserter_runtime {cfg.inserter_runtime!r}: use "
            + " or ".join(INSERTER_RUNTIMES)
        )
    from m2io_graph.inserter.checkpoints import gguf_form
    from m2io_graph.inserter.grammar import GUIDED_PLAN_TOKENS, PLAN_TOKENS
    from m2io_graph.models.llamacpp import LlamaCppChatModel

    base, adapter = gguf_form(cfg.inserter_checkpoint)
    return LlamaCppChatModel(
        gguf=base,
        lora=adapter,
        threads=cfg.llm_threads,
        n_ctx=cfg.llm_context,
        max_tokens=PLAN_TOKENS,
        guided_max_tokens=GUIDED_PLAN_TOKENS,
    )
