"""Errors a caller can act on; the CLI and server turn them into messages and exit codes."""


class InvalidQueryError(ValueError):
    """The question cannot be answered as given (empty, bad `k`)."""
