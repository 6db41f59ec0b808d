"""What `LlamaCppChatModel` asks llama.cpp for, and how it reads llama.cpp's errors (no model is
loaded: these are the request and reply shapes)."""

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from m2io_graph.inserter.grammar import completion
from m2io_graph.models.llamacpp import (
    ContextWindowExceeded,
    LlamaCppChatModel,
    LocalModelError,
    _raise_for,
)

MESSAGES = [SystemMessage("Be brief."), HumanMessage("Hi")]


def test_a_plain_request_is_greedy_capped_and_cached():
    model = LlamaCppChatModel(gguf="/m.gguf", max_tokens=50)
    request = model._request(MESSAGES, None, {})
    assert request["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    assert request["max_tokens"] == 50 and request["temperature"] == 0 and request["top_k"] == 1
    assert request["cache_prompt"] and "grammar" not in request and "stop" not in request


def test_per_call_options_reach_the_request():
    model = LlamaCppChatModel(gguf="/m.gguf", max_tokens=50, guided_max_tokens=900)
    assert model._request(MESSAGES, ["\n"], {"max_tokens": 7})["stop"] == ["\n"]
    assert model._request(MESSAGES, None, {"max_tokens": 7})["max_tokens"] == 7
    guided = model._request(MESSAGES, None, {"guide": completion(2, 1)})
    assert guided["grammar"].startswith("%llguidance") and guided["max_tokens"] == 900
    gbnf = model._request(MESSAGES, None, {"grammar": 'root ::= "a"'})
    assert gbnf["grammar"] == 'root ::= "a"' and gbnf["max_tokens"] == 900
    sampled = LlamaCppChatModel(gguf="/m.gguf", temperature=0.7)._request(MESSAGES, None, {})
    assert sampled["temperature"] == 0.7 and "top_k" not in sampled


def test_llama_cpp_errors_become_exceptions_that_say_what_happened():
    _raise_for({"choices": []})  # a reply is not an error
    with pytest.raises(ContextWindowExceeded, match="5031 tokens.*4096"):
        _raise_for(
            {
                "error": {
                    "code": 400,
                    "message": "request (5031 tokens) exceeds the available context size",
                    "type": "exceed_context_size_error",
                    "n_prompt_tokens": 5031,
                    "n_ctx": 4096,
                }
            }
        )
    with pytest.raises(LocalModelError, match="failed to parse grammar"):
        _raise_for({"error": {"code": 400, "message": "failed to parse grammar"}})
