"""m2io_graph: answers with text and the right images in the right places (M2IO-R1)."""

from m2io_graph.config import M2IOConfig
from m2io_graph.graph import build_graph
from m2io_graph.state import Candidate, Document, ImageRef, InputState, Insertion, OutputState, State

__all__ = [
    "Candidate",
    "Document",
    "ImageRef",
    "InputState",
    "Insertion",
    "M2IOConfig",
    "OutputState",
    "State",
    "build_graph",
]
