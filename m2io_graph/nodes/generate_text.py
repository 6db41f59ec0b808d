"""`generate_text`: the answer's text, from the retrieved chunks only."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.nodes.timing import timed
from m2io_graph.prompts import format_context
from m2io_graph.state import State
from m2io_graph.text import paragraph_ends, split_paragraphs

NOTHING_FOUND = "The ingested documents do not contain anything about this question."


@timed("generate_text")
def generate_text(state: State, config: RunnableConfig) -> dict[str, Any]:
    documents = state.get("documents") or []
    if not documents:
        return {"text": NOTHING_FOUND, "sentences": [NOTHING_FOUND], "paragraph_ends": []}
    cfg = M2IOConfig.from_runnable_config(config)
    inputs = {"query": state["query"], "context": format_context(documents), "documents": documents}
    paragraphs = split_paragraphs(models.text_generator(cfg).invoke(inputs, config))
    notices: list[str] = []
    if not paragraphs:
        notices.append(f"The {cfg.generator} generator wrote nothing; extracted sentences instead.")
        extractive = models.text_generator(cfg.updated({"generator": "extractive"}))
        paragraphs = split_paragraphs(extractive.invoke(inputs, config)) or [[NOTHING_FOUND]]
    sentences = [s for paragraph in paragraphs for s in paragraph]
    return {
        "text": " ".join(sentences),
        "sentences": sentences,
        "paragraph_ends": paragraph_ends(paragraphs),
        "notices": notices,
    }
