"""Errors a caller can act on; the CLI and server turn them into messages and exit codes."""

EMPTY_QUERY = "the query is empty: ask a question with some words in it"
"""The one message for a question with no words, wherever it is refused (CLI, node, server)."""


class InvalidQueryError(ValueError):
    """The question cannot be answered as given (empty, bad `k`)."""


class EmptyQueryError(InvalidQueryError):
    """The question has no words in it: there is nothing to retrieve or answer.

    A `ValueError`, so a pydantic validator may raise it too (the server's input check)."""

    def __init__(self, message: str = EMPTY_QUERY) -> None:
        super().__init__(message)
