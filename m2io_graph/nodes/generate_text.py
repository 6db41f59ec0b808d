"""`generate_text`: the answer's text, from the retrieved chunks only."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.grounding import LEFT_OUT, ground
from m2io_graph.models.llamacpp import LocalModelError
from m2io_graph.nodes.timing import timed
from m2io_graph.prompts import DECLINE, declines, format_context
from m2io_graph.state import State
from m2io_graph.text import flatten_markdown, paragraph_ends, split_paragraphs


def _text(paragraphs: list[list[str]], notices: list[str]) -> dict[str, Any]:
    sentences = [s for paragraph in paragraphs for s in paragraph]
    return {
        "text": " ".join(sentences),
        "sentences": sentences,
        "paragraph_ends": paragraph_ends(paragraphs),
        "notices": notices,
    }


@timed("generate_text")
def generate_text(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Reads `query` and `documents`; writes `text`, `sentences`, `paragraph_ends` and
    `notices`.

    The generator's answer, held to the passages: no documents, or an answer that declines,
    reads `DECLINE`; a model that fails (`LocalModelError`) or writes nothing gives way to the
    extractive generator, with a notice; sentences naming commands, options or paths that the
    passages lack are left out (`grounding`), and when that leaves less than half of the
    answer, it declines. A small model invents what the passages lack, so nothing it writes
    reaches the answer unchecked.
    """
    documents = state.get("documents") or []
    if not documents:
        return _text([[DECLINE]], [])
    cfg = M2IOConfig.from_runnable_config(config)
    context = format_context(documents)
    inputs = {"query": state["query"], "context": context, "documents": documents}
    name = getattr(cfg.generator, "_llm_type", cfg.generator)
    notices: list[str] = []
    try:
        written = models.text_generator(cfg).invoke(inputs, config)
    except LocalModelError as error:
        notices.append(f"The {name} generator failed ({error}); extracted sentences instead.")
        written = ""
    if not written.strip() and not notices:
        notices.append(f"The {name} generator wrote nothing; extracted sentences instead.")
    if not written.strip():
        extractive = models.text_generator(cfg.updated({"generator": "extractive"}))
        written = extractive.invoke(inputs, config)
        return _text(split_paragraphs(written) or [[DECLINE]], notices)
    if declines(written):
        return _text([[DECLINE]], notices)
    written_paragraphs = split_paragraphs(flatten_markdown(written))
    paragraphs, unsupported = ground(written_paragraphs, context)
    if not unsupported:
        return _text(paragraphs, notices)
    terms = ", ".join(f"`{t}`" for t in unsupported[:5])
    notices.append(
        f"{LEFT_OUT} the {name} generator wrote about {terms}: the retrieved documents do "
        "not contain it."
    )
    kept, total = (sum(len(p) for p in ps) for ps in (paragraphs, written_paragraphs))
    # an answer mostly made of what the passages lack was invented; its remnant is no answer
    return _text(paragraphs if 2 * kept >= total else [[DECLINE]], notices)
