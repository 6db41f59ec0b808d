"""The graph that `langgraph dev` / LangGraph Platform serves (named in `langgraph.json`).

The server imports this module once and needs a ready graph object, not a factory with our own
arguments, so settings come from `M2IO_<FIELD>` environment variables (e.g. `M2IO_STORE_DIR`,
`M2IO_GENERATOR`, `M2IO_CHROMA_URL`). They are read at import so a malformed value stops the
server at start-up instead of failing the first run. Clients still override any field per run
with `config={"configurable": {...}}` (or `context`, which the server copies into it); the
graph's context schema lists those settings, so Studio shows them with their defaults from the
environment. No checkpointer is given: the server brings its own.
"""

from __future__ import annotations

from langgraph.graph.state import CompiledStateGraph

from m2io_graph.config import M2IOConfig
from m2io_graph.graph import build_graph

graph: CompiledStateGraph = build_graph(M2IOConfig.from_env())
