"""The settings a request may set, as a pydantic model derived from `M2IOConfig`'s metadata.

One model serves the graph's context schema (LangGraph Studio, `langgraph dev`) and, narrowed,
the server's `configurable` schema (LangServe), so a setting's bounds and meaning are written
once, on its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Annotated, Any, Literal, get_args, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, create_model
from pydantic_core import CoreSchema

from m2io_graph.config import M2IOConfig

_FIELDS = {f.name: f for f in fields(M2IOConfig)}


def bounds(name: str) -> dict[str, float]:
    """The bounds (`ge`, `le`) a request is held to for setting `name`, as pydantic spells them."""
    return dict(_FIELDS[name].metadata["bounds"])


def _bounded(kind: Any, limits: Mapping[str, float]) -> Any:
    """`kind` held to `limits` by a type of its own, not by `Field` metadata: LangServe rebuilds
    the settings model from each field's bare annotation, default and description, which would
    drop the bounds (pydantic keeps `Annotated` constraints beside the annotation)."""
    if not limits:
        return kind
    constrained = Annotated[kind, Field(**limits)]

    class Bounded:
        @classmethod
        def __get_pydantic_core_schema__(
            cls, source: Any, handler: GetCoreSchemaHandler
        ) -> CoreSchema:
            return handler.generate_schema(constrained)

    return Bounded


def _named(hint: Any) -> Any:
    """The type a request can send: a name where the setting also takes an object in code."""
    return str if str in get_args(hint) else hint


def request_settings(
    config: M2IOConfig | Mapping[str, Any] | None = None,
    *,
    choices: Mapping[str, Sequence[str]] | None = None,
    name: str = "M2IOSettings",
    extra: Literal["ignore", "forbid"] = "ignore",
) -> type[BaseModel]:
    """The settings a request may set, as a pydantic model built from the field metadata.

    Defaults are `config`'s (an `M2IOConfig`, or defaults given to `build_graph` over the
    environment), so a request that leaves a key out gets what the graph was built with, and
    Studio or the playground shows it. `choices` narrows a string setting to the values named. A
    setting held as an object (a chat model given in code) is left out: a request cannot name it.
    No field is Optional: the LangServe playground's form renderer fails on `null` types.
    """
    cfg = config if isinstance(config, M2IOConfig) else M2IOConfig.from_env().updated(config or {})
    hints = get_type_hints(M2IOConfig)
    choices = choices or {}
    definitions: dict[str, Any] = {}
    for setting, spec in _FIELDS.items():
        default = getattr(cfg, setting)
        if not spec.metadata["request"] or not isinstance(default, str | int | float):
            continue
        kind = Literal[tuple(choices[setting])] if setting in choices else _named(hints[setting])
        definitions[setting] = (
            _bounded(kind, bounds(setting)),
            Field(default, description=spec.metadata["description"]),
        )
    return create_model(name, __config__=ConfigDict(extra=extra), **definitions)
