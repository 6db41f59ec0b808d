"""Chat models for text generation, chosen by name from the config."""

from __future__ import annotations

import os
from functools import lru_cache

from langchain_core.language_models import BaseChatModel


class UnknownModelError(ValueError):
    """A generator name that no factory knows."""


@lru_cache(maxsize=4)
def local_chat_model(path: str, max_new_tokens: int) -> BaseChatModel:
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


def get_chat_model(
    name: str, *, model: str = "", base_url: str | None = None, max_new_tokens: int = 160
) -> BaseChatModel:
    """The chat model called `name`: `smollm2`, `openai`, or `hf:<folder or hub name>`."""
    if name == "smollm2":
        from m2io_graph.models.smollm2 import smollm2_path

        return local_chat_model(str(smollm2_path()), max_new_tokens)
    if name == "openai":
        return openai_chat_model(model, base_url, max_new_tokens)
    if name.startswith("hf:"):
        return local_chat_model(name[3:], max_new_tokens)
    raise UnknownModelError(
        f"unknown generator {name!r}: use smollm2, extractive, openai or hf:<model>"
    )
