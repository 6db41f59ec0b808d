"""Guided decoding: a logits processor that lets a local model write only what a regex accepts.

The regex is compiled against the tokenizer's vocabulary by outlines (outlines-core), the
engine behind vLLM's and TGI's guided decoding, so the model can only pick tokens that keep the
text on a path the regex allows, and it stops when the regex is complete. Compiling is cheap
(tens of milliseconds for an inserter prompt) but is cached, as an evaluation repeats sizes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4)
def _vocabulary(model: Any, tokenizer: Any) -> Any:
    """The tokenizer's vocabulary as outlines-core reads it (token strings with their spacing)."""
    import outlines
    from outlines.backends.outlines_core import OutlinesCoreBackend

    return OutlinesCoreBackend(outlines.from_transformers(model, tokenizer)).vocabulary


@lru_cache(maxsize=64)
def _index(model: Any, tokenizer: Any, regex: str) -> Any:
    from outlines_core import Index

    return Index(regex, _vocabulary(model, tokenizer))


def regex_processor(model: Any, tokenizer: Any, regex: str) -> Any:
    """A fresh logits processor for one `generate` call (it tracks that call's progress)."""
    from outlines.backends.outlines_core import OutlinesCoreLogitsProcessor

    return OutlinesCoreLogitsProcessor(_index(model, tokenizer, regex), "torch")
