"""The `m2io` command, one module per sub-command (`m2io --help` lists them).

Each module imports its heavy parts lazily, inside the command it runs, so `m2io --help` stays
quick.
"""

from m2io_graph.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
