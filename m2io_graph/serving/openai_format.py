"""The slice of OpenAI's chat-completions format this server speaks: requests in, JSON and SSE out.

Only what an inserter needs: text messages, `max_tokens`, `temperature`, `stop`, `stream` (with
`stream_options.include_usage`), one choice. Other fields clients habitually send (`top_p`,
`presence_penalty`, `user`, ...) are accepted and ignored; anything that would change the answer
and cannot be honoured (images, tools, `n` > 1) is refused with a message.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ConfigDict, Field

MAX_TOKENS = 512
"""An inserter plan is under a hundred tokens; the cap keeps one request from holding the model."""
DEFAULT_MAX_TOKENS = 128


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    temperature: float | None = Field(None, ge=0.0, le=2.0)
    stop: str | list[str] | None = None
    n: Literal[1] = 1

    @property
    def token_limit(self) -> int:
        return self.max_completion_tokens or self.max_tokens or DEFAULT_MAX_TOKENS

    @property
    def stops(self) -> list[str]:
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        return [s for s in stops if s]

    @property
    def wants_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class UnsupportedContent(ValueError):
    """A message part this text-only model cannot read (an image, audio, ...)."""


def _text(message: ChatMessage) -> str:
    if message.content is None or isinstance(message.content, str):
        return message.content or ""
    texts = []
    for part in message.content:
        if part.type != "text":
            raise UnsupportedContent(
                f"this model reads text only; got a content part of type {part.type!r}"
            )
        texts.append(part.text or "")
    return "".join(texts)


_MESSAGE = {
    "system": SystemMessage,
    "developer": SystemMessage,
    "user": HumanMessage,
    "assistant": AIMessage,
}


def to_langchain(messages: list[ChatMessage]) -> list[BaseMessage]:
    return [_MESSAGE[m.role](content=_text(m)) for m in messages]


def cut_at_stop(text: str, stops: list[str]) -> tuple[str, bool]:
    """The text up to the first stop sequence, and whether one was found."""
    hits = [i for i in (text.find(s) for s in stops) if i >= 0]
    return (text[: min(hits)], True) if hits else (text, False)


class StopScanner:
    """Applies stop sequences to a stream: holds back just enough text that a stop sequence split
    across two chunks is never sent in part."""

    def __init__(self, stops: list[str]) -> None:
        self.stops = stops
        self.pending = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        if self.stopped:
            return ""
        self.pending += text
        kept, self.stopped = cut_at_stop(self.pending, self.stops)
        if self.stopped:
            self.pending = ""
            return kept
        hold = max((len(s) - 1 for s in self.stops), default=0)
        ready = len(self.pending) - hold
        if ready <= 0:
            return ""
        out, self.pending = self.pending[:ready], self.pending[ready:]
        return out

    def flush(self) -> str:
        out, self.pending = ("" if self.stopped else self.pending), ""
        return out


class Completion:
    """Ids and timestamps shared by one response's JSON body or all of its chunks."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def _head(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def body(self, text: str, finish_reason: str, usage: dict[str, int]) -> dict[str, Any]:
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "logprobs": None,
            "finish_reason": finish_reason,
        }
        return self._head("chat.completion") | {"choices": [choice], "usage": usage}

    def chunk(
        self, delta: dict[str, Any], finish_reason: str | None = None, *, with_usage: bool = False
    ) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        body = self._head("chat.completion.chunk") | {"choices": [choice]}
        return sse(body | ({"usage": None} if with_usage else {}))

    def usage_chunk(self, usage: dict[str, int]) -> str:
        return sse(self._head("chat.completion.chunk") | {"choices": [], "usage": usage})


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def sse(data: dict[str, Any] | str) -> str:
    return f"data: {data if isinstance(data, str) else json.dumps(data)}\n\n"


DONE = sse("[DONE]")
