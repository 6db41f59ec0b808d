"""Decoding speed of one model on the two runtimes: the same SmolLM2-135M weights through
transformers (dequantized to fp32) and through llama.cpp (its Q4_1 GGUF), same prompt, greedy."""

from __future__ import annotations

import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

PROMPT = [HumanMessage("Write a long story about a lighthouse keeper and a storm.")]


def _tokens_per_s(model: BaseChatModel, tokens: int, runs: int) -> float:
    model.invoke(PROMPT, max_tokens=4)  # load outside the timing
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        reply = model.invoke(PROMPT, max_tokens=tokens)
        seconds = time.perf_counter() - start
        rates.append((reply.usage_metadata or {}).get("output_tokens", 0) / seconds)
    return max(rates)


def measure_decoding(tokens: int = 128, runs: int = 2, threads: int = 0) -> dict[str, Any]:
    """Output tokens per second of a whole call (short prompt, so decoding dominates)."""
    from m2io_graph.inserter.chat_model import InserterChatModel
    from m2io_graph.models.llamacpp import LlamaCppChatModel
    from m2io_graph.models.offline import offline_gguf

    llama = _tokens_per_s(
        LlamaCppChatModel(gguf=str(offline_gguf("smollm2")), threads=threads), tokens, runs
    )
    torch_rate = _tokens_per_s(InserterChatModel(checkpoint="smollm2"), tokens, runs)
    return {
        "model": "smollm2",
        "tokens": tokens,
        "transformers_tokens_per_s": torch_rate,
        "llamacpp_tokens_per_s": llama,
        "llamacpp_vs_transformers": llama / torch_rate if torch_rate else 0.0,
    }
