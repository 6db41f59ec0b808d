"""`merge`: the sentences and the chosen images, interleaved into one Markdown answer."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from m2io_graph.nodes.timing import timed
from m2io_graph.render import to_markdown
from m2io_graph.state import State


@timed("merge")
def merge(state: State, config: RunnableConfig) -> dict[str, Any]:
    """Reads `sentences`, `paragraph_ends`, `candidates` and `insertions`; writes `answer`
    (Markdown).

    Images are taken from the candidates only, so an image the inserter was not offered never
    shows.
    """
    answer = to_markdown(
        state.get("sentences") or [],
        state.get("candidates") or [],
        state.get("insertions") or [],
        state.get("paragraph_ends") or [],
    )
    return {"answer": answer}
