"""Stopping the work of a request that has ended (timed out, or its client hung up).

Cancelling an asyncio task stops a graph between nodes, but a node that runs in a worker thread
runs on: a local LM would go on decoding an answer nobody reads, holding the cores the next
requests wait for. So the server opens a scope per request and sets it when the request ends;
model calls that take seconds check it between tokens. The scope travels in a context variable,
which reaches the worker threads LangChain and LangGraph run sync code in (they copy the context).
Outside a server there is no scope and nothing is ever cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_scope: ContextVar[threading.Event | None] = ContextVar("m2io_cancel_scope", default=None)


class RunCancelled(RuntimeError):
    """The request this work was for has ended; its result would be thrown away."""

    def __init__(self) -> None:
        super().__init__("the request ended (timed out or its client left); work stopped")


@contextmanager
def cancel_scope() -> Iterator[threading.Event]:
    """A scope for one request: set the event to cancel; it is set anyway on leaving, so work
    still running in a thread after the request is over stops."""
    event = threading.Event()
    token = _scope.set(event)
    try:
        yield event
    finally:
        event.set()
        _scope.reset(token)


def current_scope() -> threading.Event | None:
    """The running request's event, read once in the calling thread (threads started later by
    hand do not inherit the context)."""
    return _scope.get()


def raise_if_cancelled(scope: threading.Event | None) -> None:
    if scope is not None and scope.is_set():
        raise RunCancelled()
