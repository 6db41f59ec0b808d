"""The M2IO workflow, wired as in the diagram:

START → retrieve ─┬→ generate_text ──────┬→ insert_images → merge → END
                  └→ extract_candidates ─┘
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Checkpointer

from m2io_graph.config import M2IOConfig
from m2io_graph.nodes import extract_candidates, generate_text, insert_images, merge, retrieve
from m2io_graph.settings_schema import request_settings
from m2io_graph.state import InputState, OutputState, State


def build_graph(
    config: M2IOConfig | Mapping[str, Any] | None = None, *, checkpointer: Checkpointer = None
) -> CompiledStateGraph:
    """Compile the graph; `config` sets defaults that each call's `configurable` can override.

    The context schema declares the settings a request may change, with their defaults, bounds
    and meanings, for LangGraph Studio, `langgraph dev` (which copies a run's `context` into
    `configurable`) and LangServe. Nodes read every setting from `configurable`.
    """
    workflow = StateGraph(
        State,
        context_schema=request_settings(config),
        input_schema=InputState,
        output_schema=OutputState,
    )
    workflow.add_node("retrieve", retrieve)
    workflow.add_node("generate_text", generate_text)
    workflow.add_node("extract_candidates", extract_candidates)
    workflow.add_node("insert_images", insert_images)
    workflow.add_node("merge", merge)

    workflow.add_edge(START, "retrieve")
    workflow.add_edge("retrieve", "generate_text")
    workflow.add_edge("retrieve", "extract_candidates")
    workflow.add_edge(["generate_text", "extract_candidates"], "insert_images")
    workflow.add_edge("insert_images", "merge")
    workflow.add_edge("merge", END)

    graph = workflow.compile(checkpointer=checkpointer, name="m2io")
    defaults = config.as_configurable() if isinstance(config, M2IOConfig) else dict(config or {})
    return graph.with_config(configurable=defaults) if defaults else graph
