"""`InserterChatModel`: the image inserter as a LangChain chat model over a local causal LM.

Being a `BaseChatModel` gives it `invoke`, `batch`, `stream`, callbacks and tracing for free, so
the same object serves the graph, the evaluation and an OpenAI-compatible endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from threading import Thread
from typing import Any

import torch
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field
from transformers import LogitsProcessorList, TextIteratorStreamer

from m2io_graph.inserter.checkpoints import default_checkpoint, load_inserter
from m2io_graph.inserter.grammar import GUIDED_PLAN_TOKENS, PLAN_TOKENS
from m2io_graph.inserter.guided import regex_processor
from m2io_graph.inserter.prompt import to_chat_dicts


def _regex(options: dict[str, Any]) -> str | None:
    """The call's `regex=`, or the regex of its `guide=` pattern."""
    guide = options.get("guide")
    return guide.regex() if guide is not None else options.get("regex")


class InserterChatModel(BaseChatModel):
    """A Hugging Face causal LM fine-tuned to write `<answer>[{"image": i, "after": s}]</answer>`.

    `checkpoint` is a LoRA adapter or model folder, `smollm2` (the untrained offline base), a hub
    name, or empty for the adapter shipped with the package. Decoding is greedy by default: a
    placement should not change between two runs.

    A call may pass `regex=...` (`invoke(messages, regex=...)`, or `bind`) to hold the completion
    to a regular expression (`guided.regex_processor`), as vLLM's guided decoding does, or
    `guide=` a pattern (`inserter.pattern`), decoded as its regex; the `r1` strategy passes the
    inserter grammar, so its answer always parses. `max_tokens=` caps one call.
    """

    checkpoint: str = ""
    max_new_tokens: int = PLAN_TOKENS
    guided_max_new_tokens: int = GUIDED_PLAN_TOKENS
    """The cap of a call with a `regex` or `guide` (`grammar.GUIDED_PLAN_TOKENS`)."""
    temperature: float = Field(default=0.0, ge=0.0)

    @property
    def _llm_type(self) -> str:
        return "m2io-inserter"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint or "shipped",
            "max_new_tokens": self.max_new_tokens,
            "temperature": self.temperature,
        }

    def _inputs(
        self, messages: list[BaseMessage], regex: str | None = None, max_tokens: int | None = None
    ) -> tuple[Any, Any, dict[str, Any]]:
        model, tokenizer = load_inserter(self.checkpoint or default_checkpoint())
        ids = tokenizer.apply_chat_template(
            to_chat_dicts(messages),
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        sampling = (
            {"do_sample": True, "temperature": self.temperature}
            if self.temperature > 0
            else {"do_sample": False}
        )
        options = {
            **ids,
            **sampling,
            "max_new_tokens": max_tokens
            or (self.max_new_tokens if regex is None else self.guided_max_new_tokens),
            "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id,
        }
        if regex is not None:
            options["logits_processor"] = LogitsProcessorList(
                [regex_processor(model, tokenizer, regex)]
            )
        return model, tokenizer, options

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        model, tokenizer, options = self._inputs(messages, _regex(kwargs), kwargs.get("max_tokens"))
        with torch.inference_mode():
            output = model.generate(**options)
        new = output[0][options["input_ids"].shape[1] :]
        text = tokenizer.decode(new, skip_special_tokens=True)
        usage = {
            "input_tokens": int(options["input_ids"].shape[1]),
            "output_tokens": int(new.shape[0]),
            "total_tokens": int(output.shape[1]),
        }
        message = AIMessage(content=text, usage_metadata=usage)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        model, tokenizer, options = self._inputs(messages, _regex(kwargs), kwargs.get("max_tokens"))
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True)

        def generate() -> None:
            with torch.inference_mode():
                model.generate(**options, streamer=streamer)

        worker = Thread(target=generate, daemon=True)
        worker.start()
        for text in streamer:
            if not text:
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
            if run_manager:
                run_manager.on_llm_new_token(text, chunk=chunk)
            yield chunk
        worker.join()
