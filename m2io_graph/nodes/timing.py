"""Per-node wall time, recorded in the state's `timings`."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

Node = Callable[[Any, RunnableConfig], dict[str, Any]]


def timed(name: str) -> Callable[[Node], Node]:
    """Add `{"timings": {name: seconds}}` to what the node returns."""

    def decorate(node: Node) -> Node:
        @functools.wraps(node)
        def run(state: Any, config: RunnableConfig) -> dict[str, Any]:
            start = time.perf_counter()
            update = node(state, config)
            elapsed = round(time.perf_counter() - start, 4)
            return {**update, "timings": {**update.get("timings", {}), name: elapsed}}

        return run

    return decorate
