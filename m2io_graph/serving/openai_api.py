"""`/v1/chat/completions` and `/v1/models`: the trained inserter behind an OpenAI-compatible API.

Many agents (or many `m2io` graphs with `inserter="llm", inserter_llm="openai"`) can then share
one loaded inserter instead of each loading its own, and anything that speaks to vLLM or OpenAI
speaks to it. The model is the one `r1` runs (`models.inserter_model`): on llama.cpp by default,
or `InserterChatModel` on transformers; both take `max_tokens` per call. Generation is serialised by a semaphore (one at a time by default): on a CPU, two
`generate` calls side by side only fight over the same cores and both finish later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from langchain_core.messages import BaseMessage
from starlette.concurrency import run_in_threadpool

from m2io_graph.serving.errors import error_response
from m2io_graph.serving.openai_format import (
    DONE,
    ChatCompletionRequest,
    Completion,
    StopScanner,
    UnsupportedContent,
    cut_at_stop,
    sse,
    to_langchain,
    usage,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from m2io_graph.inserter.chat_model import InserterChatModel

DEFAULT_MODEL_NAME = "m2io-inserter"


def count_tokens(
    model: InserterChatModel, messages: list[BaseMessage], text: str
) -> tuple[int, int]:
    """Prompt and completion token counts, with the model's own tokenizer and chat template, for
    a model whose stream does not report them (transformers)."""
    from m2io_graph.inserter.checkpoints import default_checkpoint, load_inserter
    from m2io_graph.inserter.prompt import to_chat_dicts

    _, tokenizer = load_inserter(model.checkpoint or default_checkpoint())
    prompt = tokenizer.apply_chat_template(
        to_chat_dicts(messages), add_generation_prompt=True, return_dict=True
    )["input_ids"]
    completion = tokenizer(text, add_special_tokens=False)["input_ids"]
    return len(prompt), len(completion)


def _finish_reason(stopped: bool, completion_tokens: int, limit: int) -> str:
    return "length" if not stopped and completion_tokens >= limit else "stop"


class InserterEndpoint:
    """One shared inserter model answering chat-completion requests, one at a time."""

    def __init__(self, model: BaseChatModel, name: str, concurrency: int = 1) -> None:
        self.model = model
        self.name = name
        self.gate = asyncio.Semaphore(concurrency)
        self.created = int(time.time())

    def _for(self, body: ChatCompletionRequest) -> BaseChatModel:
        model = self.model.model_copy(update={"temperature": body.temperature or 0.0})
        return model.bind(max_tokens=body.token_limit)

    async def complete(self, body: ChatCompletionRequest, messages: list[BaseMessage]) -> dict:
        async with self.gate:
            reply = await self._for(body).ainvoke(messages)
        text, stopped = cut_at_stop(str(reply.content), body.stops)
        meta = reply.usage_metadata or {"input_tokens": 0, "output_tokens": 0}
        finish = _finish_reason(stopped, meta["output_tokens"], body.token_limit)
        counts = usage(meta["input_tokens"], meta["output_tokens"])
        return Completion(self.name).body(text, finish, counts)

    async def stream(
        self, body: ChatCompletionRequest, messages: list[BaseMessage]
    ) -> AsyncIterator[str]:
        """SSE chunks: the role, then content deltas, then the finish reason (and usage), then
        `[DONE]`. A failure after the first byte can only be reported inside the stream."""
        completion = Completion(self.name)
        with_usage = body.wants_usage
        yield completion.chunk({"role": "assistant", "content": ""}, with_usage=with_usage)
        scanner = StopScanner(body.stops)
        generated: list[str] = []
        reported = None
        try:
            async with self.gate:
                async for chunk in self._for(body).astream(messages):
                    reported = chunk.usage_metadata or reported
                    generated.append(str(chunk.content))
                    if text := scanner.feed(str(chunk.content)):
                        yield completion.chunk({"content": text}, with_usage=with_usage)
                    if scanner.stopped:
                        break
            if text := scanner.flush():
                yield completion.chunk({"content": text}, with_usage=with_usage)
            if reported:
                prompt_tokens = reported["input_tokens"]
                completion_tokens = reported["output_tokens"]
            else:
                prompt_tokens, completion_tokens = await run_in_threadpool(
                    count_tokens, self.model, messages, "".join(generated)
                )
        except Exception as error:  # the status line has gone out: say it in the stream
            message = f"generation failed: {type(error).__name__}: {error}"
            yield sse(
                {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
            )
            yield DONE
            return
        finish = _finish_reason(scanner.stopped, completion_tokens, body.token_limit)
        yield completion.chunk({}, finish, with_usage=with_usage)
        if with_usage:
            yield completion.usage_chunk(usage(prompt_tokens, completion_tokens))
        yield DONE


def openai_router(endpoint: InserterEndpoint) -> APIRouter:
    """The `/v1` routes; mount with `app.include_router(router, prefix="/v1")`."""
    router = APIRouter(tags=["OpenAI-compatible inserter"])

    @router.get("/models")
    async def list_models() -> dict:
        model = {
            "id": endpoint.name,
            "object": "model",
            "created": endpoint.created,
            "owned_by": "m2io",
        }
        return {"object": "list", "data": [model]}

    @router.post("/chat/completions", response_model=None)
    async def chat_completions(
        body: ChatCompletionRequest, request: Request
    ) -> dict | JSONResponse | StreamingResponse:
        if body.model != endpoint.name:
            return error_response(
                request,
                404,
                f"model {body.model!r} is not served here; this server serves {endpoint.name!r} (see GET /v1/models)",
                param="model",
                code="model_not_found",
            )
        try:
            messages = to_langchain(body.messages)
        except UnsupportedContent as error:
            return error_response(request, 400, str(error), param="messages")
        if body.stream:
            return StreamingResponse(
                endpoint.stream(body, messages),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        return await endpoint.complete(body, messages)

    return router
