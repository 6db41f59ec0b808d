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
from m2io_graph.inserter.guided import regex_processor
from m2io_graph.inserter.prompt import to_chat_dicts


class InserterChatModel(BaseChatModel):
    """A Hugging Face causal LM fine-tuned to write `<answer>[{"image": i, "after": s}]</answer>`.

    `checkpoint` is a LoRA adapter or model folder, `smollm2` (the untrained offline base), a hub
    name, or empty for the adapter shipped with the package. Decoding is greedy by default: a
    placement should not change between two runs.

    A call may pass `regex=...` (`invoke(messages, regex=...)`, or `bind`) to hold the completion
    to a regular expression (`guided.regex_processor`), as vLLM's guided decoding does; the `r1`
    strategy passes the inserter grammar, so its answer always parses.
    """

    checkpoint: str = ""
    max_new_tokens: int = 224
    """Room for the notes (about 8 tokens an image, 12 more for each image shown) and a plan of
    four images among eight candidates: 164 tokens, the longest in the training data."""
    guided_max_new_tokens: int = 1024
    """The cap of a guided call. A guided completion stops where its regex ends (the inserter
    grammar's longest, eight images all shown, is 284 SmolLM2 tokens); the cap only stops a regex
    with no end, so a long legal plan is never cut into an invalid one."""
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
        self, messages: list[BaseMessage], regex: str | None = None
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
            "max_new_tokens": self.max_new_tokens if regex is None else self.guided_max_new_tokens,
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
        model, tokenizer, options = self._inputs(messages, kwargs.get("regex"))
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
        model, tokenizer, options = self._inputs(messages, kwargs.get("regex"))
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
