"""m2io_graph: answers with text and the right images in the right places (M2IO-R1)."""

from typing import Any

from m2io_graph.config import M2IOConfig
from m2io_graph.graph import build_graph
from m2io_graph.state import (
    Candidate,
    Chunk,
    ImageRef,
    InputState,
    Insertion,
    OutputState,
    State,
)

__all__ = [
    "Candidate",
    "Chunk",
    "ImageRef",
    "InputState",
    "InserterChatModel",
    "Insertion",
    "M2IOConfig",
    "OutputState",
    "State",
    "build_graph",
]


def __getattr__(name: str) -> Any:
    """`InserterChatModel` imports torch: loaded on first use, not with the package."""
    if name == "InserterChatModel":
        from m2io_graph.inserter.chat_model import InserterChatModel

        return InserterChatModel
    raise AttributeError(f"module 'm2io_graph' has no attribute {name!r}")
