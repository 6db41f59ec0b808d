"""`m2io serve`: the graph over HTTP (LangServe), an answer page, and the inserter behind an
OpenAI-compatible API. Imports FastAPI and LangServe, so the package root does not load it."""

from m2io_graph.serving.app import create_app

__all__ = ["create_app"]
