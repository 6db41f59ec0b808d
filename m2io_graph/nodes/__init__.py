"""The graph's nodes, one module each: plain functions `(state, config) -> update`.

Each update also carries the node's wall time under `timings` (`timing.timed`).
"""

from m2io_graph.nodes.extract_candidates import extract_candidates
from m2io_graph.nodes.generate_text import generate_text
from m2io_graph.nodes.insert_images import insert_images
from m2io_graph.nodes.merge import merge
from m2io_graph.nodes.retrieve import retrieve

__all__ = ["extract_candidates", "generate_text", "insert_images", "merge", "retrieve"]
