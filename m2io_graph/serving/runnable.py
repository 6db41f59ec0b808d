"""The graph as the server exposes it: a stricter input type and the settings a client may change.

LangServe validates every request against the runnable's input and config schemas before the graph
runs, so a bad request is a 422 naming the field, even on the streaming endpoints where a failure
inside the graph could only show up as an error event after the response has started. The
compiled graph declares no config schema, which would make LangServe drop every `configurable`
a client sends; `ServedGraph` supplies one listing the per-call settings that are safe to expose.
Store location, endpoints and model paths stay fixed at start-up: a client must not make the
server read another folder, load arbitrary weights or call another URL.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from langchain_core.runnables import Runnable, RunnableBinding
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from typing_extensions import TypedDict

from m2io_graph.config import M2IOConfig
from m2io_graph.inserter import strategies
from m2io_graph.models.offline import OFFLINE_MODELS

MAX_K = 50
"""More chunks than this only makes the answer slower; the embedder reads ~256 tokens of each."""


def _has_words(query: str) -> str:
    if not query.strip():
        raise ValueError("the query is empty: ask a question with some words in it")
    return query


class Question(TypedDict):
    """What a client sends as `input`: the graph's `InputState`, checked."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]

    query: Annotated[str, AfterValidator(_has_words)]
    """The question; must contain some non-space text."""
    k: NotRequired[Annotated[int, Field(ge=1, le=MAX_K)]]
    """How many chunks to retrieve for this call."""


def client_settings(cfg: M2IOConfig) -> type[BaseModel]:
    """The `configurable` keys a client may send, with bounds; unknown keys are refused.

    Each default is the server's own setting, so a request that leaves a key out gets what the
    server was started with, and the playground shows it. No field is Optional: the playground's
    form renderer fails on `null` types.
    """
    # Bounds go inside the annotations: LangServe rebuilds this model keeping only each field's
    # annotation, default and description.
    fields: dict[str, Any] = {
        "k": (Annotated[int, Field(ge=1, le=MAX_K)], cfg.k, "chunks to retrieve"),
        "max_candidates": (
            Annotated[int, Field(ge=0, le=32)],
            cfg.max_candidates,
            "images offered to the inserter",
        ),
        "inserter": (Literal[tuple(strategies.names())], cfg.inserter, "inserter strategy"),
        "rule_threshold": (
            Annotated[float, Field(ge=-1.0, le=1.0)],
            cfg.rule_threshold,
            "rule inserter: least sentence-image similarity",
        ),
        "min_candidate_score": (
            Annotated[float, Field(ge=-1.0, le=1.0)],
            cfg.min_candidate_score,
            "least question-image similarity of a candidate",
        ),
        "max_new_tokens": (
            Annotated[int, Field(ge=1, le=1024)],
            cfg.max_new_tokens,
            "length cap of the generated answer",
        ),
    }
    if isinstance(cfg.generator, str):  # a chat model object given in code cannot be named
        names = tuple(sorted({"extractive", *OFFLINE_MODELS, cfg.generator}))
        fields["generator"] = (Literal[names], cfg.generator, "text generator")
    return create_model(
        "M2IOClientSettings",
        __config__=ConfigDict(extra="forbid"),
        **{
            name: (kind, Field(default, description=text))
            for name, (kind, default, text) in fields.items()
        },
    )


class ServedGraph(RunnableBinding):
    """The compiled graph with a declared config schema; everything else is delegated."""

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
