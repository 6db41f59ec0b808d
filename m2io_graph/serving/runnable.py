"""The graph as the server exposes it: a stricter input type and the settings a client may change.

LangServe validates every request against the runnable's input and config schemas before the graph
runs, so a bad request is a 422 naming the field, even on the streaming endpoints where a failure
inside the graph could only show up as an error event after the response has started. The settings
are the graph's own request settings (`M2IOConfig`'s field metadata: descriptions, bounds), narrowed
to the names this server can run and closed to other keys. Store location, endpoints and model
paths stay fixed at start-up: a client must not make the server read another folder, load
arbitrary weights or call another URL.
"""

from __future__ import annotations

from typing import Annotated, Any, NotRequired

from langchain_core.runnables import Runnable, RunnableBinding
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from typing_extensions import TypedDict

from m2io_graph.config import M2IOConfig
from m2io_graph.errors import EmptyQueryError
from m2io_graph.inserter import strategies
from m2io_graph.models.offline import OFFLINE_MODELS
from m2io_graph.settings_schema import bounds, request_settings


def _has_words(query: str) -> str:
    if not query.strip():
        raise EmptyQueryError()
    return query


class Question(TypedDict):
    """What a client sends as `input`: the graph's `InputState`, checked."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    query: Annotated[str, AfterValidator(_has_words)]
    """The question; must contain some non-space text."""
    k: NotRequired[Annotated[int, Field(**bounds("k"))]]
    """How many chunks to retrieve for this call."""


def client_settings(cfg: M2IOConfig) -> type[BaseModel]:
    """The `configurable` keys a client may send, with bounds; unknown keys are refused.

    Each default is the server's own setting. The inserter is one of the registered strategies,
    the generator one of the offline models (or the server's own), never a path or an endpoint.
    """
    choices = {"inserter": strategies.names()}
    if isinstance(cfg.generator, str):
        choices["generator"] = sorted({"extractive", *OFFLINE_MODELS, cfg.generator})
    return request_settings(cfg, choices=choices, name="M2IOClientSettings", extra="forbid")


class ServedGraph(RunnableBinding):
    """The compiled graph with the server's config schema in place of the graph's own (which
    LangGraph has deprecated reading through `config_schema`, and which leaves `configurable`
    open and nullable); everything else is delegated."""

    settings_model: Any = None
    """The pydantic model of the allowed `configurable` keys (see `client_settings`)."""

    def config_schema(self, *, include: Any = None) -> type[BaseModel]:
        return create_model(
            "M2IOConfig",
            configurable=(self.settings_model, self.settings_model()),
        )

    def with_config(self, config: Any = None, **kwargs: Any) -> ServedGraph:
        bound = super().with_config(config, **kwargs)
        bound.settings_model = self.settings_model
        return bound

    def with_types(self, **kwargs: Any) -> ServedGraph:
        bound = super().with_types(**kwargs)
        bound.settings_model = self.settings_model
        return bound


def served_graph(graph: Runnable, cfg: M2IOConfig) -> Runnable:
    """The graph built from `cfg`, behind the checked input type and client settings."""
    return ServedGraph(
        bound=graph,
        custom_input_type=Question,
        settings_model=client_settings(cfg),
    )
