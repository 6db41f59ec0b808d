"""Chat models for text generation, chosen by name from the config."""

from __future__ import annotations

import os
from functools import lru_cache

from langchain_core.language_models import BaseChatModel

from m2io_graph.models.offline import OFFLINE_MODELS

LOCAL_PREFIX = "gguf:"


class UnknownModelError(ValueError):
    """A generator name that no factory knows."""


def is_local(name: str) -> bool:
    """A name that llama.cpp runs: an offline model or `gguf:PATH`."""
    return name in OFFLINE_MODELS or name.startswith(LOCAL_PREFIX)


def llamacpp_chat_model(
    name: str, max_new_tokens: int, *, threads: int = 0, n_ctx: int = 4096
) -> BaseChatModel:
    """An offline model (joined from its wheels on first use) or any GGUF file, on llama.cpp.

    A light repetition penalty keeps small models out of loops over a long context.
    """
    from m2io_graph.models.llamacpp import LlamaCppChatModel
    from m2io_graph.models.offline import resolve_gguf

    return LlamaCppChatModel(
        gguf=str(resolve_gguf(name)),
        max_tokens=max_new_tokens,
        threads=threads,
        n_ctx=n_ctx,
        repeat_penalty=1.1,
    )


@lru_cache(maxsize=4)
def transformers_chat_model(path: str, max_new_tokens: int) -> BaseChatModel:
    """A transformers causal LM at `path` (folder or hub name) as a LangChain chat model.

    The tokenizer is passed explicitly: without it `ChatHuggingFace` asks the hub for one.
    Greedy decoding keeps answers reproducible.
    """
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
    from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    generate = pipeline(
        "text-generation",
        model=model,
        tokenizer=tokenizer,
        max_new_tokens=max_new_tokens,
        do_sample=False,
        repetition_penalty=1.2,
        return_full_text=False,
    )
    return ChatHuggingFace(
        llm=HuggingFacePipeline(pipeline=generate), tokenizer=tokenizer, model_id=f"local/{path}"
    )


def openai_chat_model(model: str, base_url: str | None, max_tokens: int) -> BaseChatModel:
    """Any OpenAI-compatible endpoint (OpenAI itself, vLLM, llama.cpp server, ...).

    A self-hosted endpoint rarely checks keys, so a placeholder is used when none is set.
    """
    from langchain_openai import ChatOpenAI

    api_key = os.environ.get("OPENAI_API_KEY") or ("EMPTY" if base_url else None)
    if api_key is None:
        raise UnknownModelError(
            "generator 'openai' needs OPENAI_API_KEY, or base_url for a self-hosted endpoint"
        )
    return ChatOpenAI(
        model=model, base_url=base_url, api_key=api_key, max_tokens=max_tokens, temperature=0
    )


GENERATOR_NAMES = f"{', '.join(OFFLINE_MODELS)}, {LOCAL_PREFIX}PATH, extractive, openai, hf:<model>"


def get_chat_model(
    name: str,
    *,
    model: str = "",
    base_url: str | None = None,
    max_new_tokens: int = 160,
    threads: int = 0,
    n_ctx: int = 4096,
) -> BaseChatModel:
    """The chat model called `name`: an offline GGUF model or `gguf:PATH` (llama.cpp),
    `openai`, or `hf:<folder or hub name>` (transformers)."""
    if is_local(name):
        return llamacpp_chat_model(name, max_new_tokens, threads=threads, n_ctx=n_ctx)
    if name == "openai":
        return openai_chat_model(model, base_url, max_new_tokens)
    if name.startswith("hf:"):
        return transformers_chat_model(name[3:], max_new_tokens)
    raise UnknownModelError(f"unknown generator {name!r}: use {GENERATOR_NAMES}")
