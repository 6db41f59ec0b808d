"""Local GGUF models on llama.cpp (xllamacpp, in-process) as LangChain chat models.

llama.cpp decodes a quantized model on a CPU several times faster than transformers does the
dequantized one (SmolLM2-135M: ~90 tokens/s against ~10 on two cores) and loads it in under a
second. One llama.cpp server is loaded per (file, adapter, context, threads) and process, and
shared by every chat model object that names them. Its request queue serializes calls, so two
concurrent requests never share a decoding state; each request carries its own sampling
settings, stop words and grammar.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.chat_models import generate_from_stream
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    convert_to_openai_messages,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from m2io_graph.cancellation import current_scope, raise_if_cancelled
from m2io_graph.models.offline import ModelFileError, check_gguf


class LocalModelError(RuntimeError):
    """llama.cpp could not answer a request (a grammar it cannot parse, a prompt too long);
    the message says why. A model that cannot be loaded is a `ModelFileError`."""


class ContextWindowExceeded(LocalModelError):
    """The prompt does not fit the model's context window."""


def default_threads() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class _Key:
    gguf: str
    lora: str | None
    n_ctx: int
    threads: int


_MAX_LOADED = 4
_servers: OrderedDict[_Key, Any] = OrderedDict()
_servers_lock = threading.Lock()


def _load(key: _Key) -> Any:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(check_gguf(Path(key.gguf)))
    params.n_ctx = key.n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = key.threads
    params.cpuparams_batch.n_threads = key.threads
    params.verbosity = 0
    # The in-process server also listens on a loopback port; a random key keeps others off it.
    params.api_keys = [secrets.token_urlsafe(24)]
    if key.lora:
        params.lora_adapters = [
            xllamacpp.CommonAdapterLoraInfo(str(check_gguf(Path(key.lora))), 1.0)
        ]
    try:
        return xllamacpp.Server(params)
    except RuntimeError as error:
        size = Path(key.gguf).stat().st_size
        adapter = f" with the adapter {key.lora}" if key.lora else ""
        raise ModelFileError(
            f"llama.cpp could not load {key.gguf} ({size:,} bytes){adapter}: the file is "
            "truncated, corrupt, or not a model llama.cpp supports"
        ) from error


def _server(key: _Key) -> Any:
    """The loaded server for `key`, loading it on first use; the least recently used of more
    than a few is dropped."""
    with _servers_lock:
        if key in _servers:
            _servers.move_to_end(key)
            return _servers[key]
        server = _load(key)
        _servers[key] = server
        while len(_servers) > _MAX_LOADED:
            _servers.popitem(last=False)
        return server


def _raise_for(reply: Any) -> None:
    if isinstance(reply, dict) and "error" in reply:
        error = reply["error"]
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        if isinstance(error, dict) and error.get("type") == "exceed_context_size_error":
            raise ContextWindowExceeded(
                f"the prompt ({error.get('n_prompt_tokens')} tokens) does not fit the "
                f"context window ({error.get('n_ctx')} tokens): {message}"
            )
        raise LocalModelError(f"llama.cpp: {message}")


def _usage(usage: dict[str, Any] | None) -> UsageMetadata | None:
    if not usage:
        return None
    return UsageMetadata(
        input_tokens=int(usage.get("prompt_tokens", 0)),
        output_tokens=int(usage.get("completion_tokens", 0)),
        total_tokens=int(usage.get("total_tokens", 0)),
    )


class LlamaCppChatModel(BaseChatModel):
    """A GGUF chat model run in-process by llama.cpp.

    Per call (`invoke(messages, grammar=...)` or `bind`): `grammar` (GBNF, or llguidance Lark
    after a `%llguidance` line), `guide` (an `inserter.pattern.Pattern`, sent in its Lark form,
    the faster engine), `max_tokens`, and `stop`. Decoding is greedy by default, so an answer
    or a plan does not change between runs.
    """

    gguf: str
    """Path of the GGUF file (`models.offline.resolve_gguf` turns names into paths)."""
    lora: str | None = None
    """A LoRA adapter in GGUF form, applied over the model."""
    n_ctx: int = Field(default=4096, ge=64)
    """The context window, prompt and answer together."""
    threads: int = Field(default=0, ge=0)
    """CPU threads; 0 uses every core this process may run on."""
    max_tokens: int = Field(default=256, ge=1)
    guided_max_tokens: int | None = Field(default=None, ge=1)
    """The cap of a call with a `guide` or `grammar`, when it differs: a guided completion ends
    where its grammar ends, so its cap only has to stop a grammar with no end."""
    temperature: float = Field(default=0.0, ge=0.0)
    repeat_penalty: float = Field(default=1.0, gt=0.0)
    stop: list[str] | None = None

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "gguf": self.gguf,
            "lora": self.lora,
            "n_ctx": self.n_ctx,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }

    def _server(self) -> Any:
        key = _Key(self.gguf, self.lora, self.n_ctx, self.threads or default_threads())
        return _server(key)

    def load(self) -> None:
        """Load the model now rather than at the first call (a server does it before it opens
        its port); a model already loaded in this process is reused."""
        self._server()

    def _cap(self, options: dict[str, Any]) -> int:
        guided = options.get("guide") is not None or bool(options.get("grammar"))
        return (self.guided_max_tokens or self.max_tokens) if guided else self.max_tokens

    def _request(
        self, messages: list[BaseMessage], stop: list[str] | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": convert_to_openai_messages(messages),
            "max_tokens": int(options.get("max_tokens") or self._cap(options)),
            "temperature": self.temperature,
            "repeat_penalty": self.repeat_penalty,
            "cache_prompt": True,
        }
        if self.temperature == 0:
            request["top_k"] = 1
        if stop or self.stop:
            request["stop"] = list(stop or self.stop or [])
        grammar = options.get("grammar")
        if options.get("guide") is not None:
            grammar = options["guide"].lark()
        if grammar:
            request["grammar"] = grammar
        return request

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if current_scope() is not None:  # serving: decode token by token, so it can be stopped
            return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))
        reply = self._server().handle_chat_completions(self._request(messages, stop, kwargs))
        _raise_for(reply)
        choice = reply["choices"][0]
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=_usage(reply.get("usage")),
            response_metadata={
                "finish_reason": choice.get("finish_reason"),
                "timings": reply.get("timings", {}),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """Tokens as llama.cpp writes them. Its streaming call blocks and hands each chunk to a
        callback, so it runs in a worker thread; a consumer that stops early stops decoding, and
        so does the end of the request being served (`cancellation`), with `RunCancelled`."""
        request = {
            **self._request(messages, stop, kwargs),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        chunks: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()
        request_scope = current_scope()
        done = object()

        def produce() -> None:
            try:
                reply = self._server().handle_chat_completions(
                    request, lambda chunk: chunks.put(chunk) or cancelled.is_set()
                )
                if reply is not None:
                    chunks.put(reply)
            except Exception as error:  # handed to the consumer, raised there
                chunks.put(error)
            finally:
                chunks.put(done)

        worker = threading.Thread(target=produce, daemon=True)
        worker.start()
        try:
            while (item := chunks.get()) is not done:
                raise_if_cancelled(request_scope)
                if isinstance(item, Exception):
                    raise item
                _raise_for(item)
                text = "".join(
                    (c.get("delta") or {}).get("content") or "" for c in item.get("choices", [])
                )
                usage = _usage(item.get("usage"))
                if not text and usage is None:
                    continue
                chunk = ChatGenerationChunk(
                    message=AIMessageChunk(content=text, usage_metadata=usage)
                )
                if run_manager and text:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
        finally:
            cancelled.set()
            worker.join()
