"""The `m2io` command: the parser of every sub-command, and errors a user can fix.

Errors a user can fix are printed as one line on stderr with a non-zero exit code:
2 for bad input (empty query, unknown option value), 1 for a state problem (empty store).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from m2io_graph.cli.ask import add_ask_parser
from m2io_graph.cli.bench import add_bench_parser
from m2io_graph.cli.eval import add_eval_parser
from m2io_graph.cli.ingest import add_ingest_parser
from m2io_graph.cli.models import add_models_parser
from m2io_graph.cli.options import EXIT_BAD_INPUT, EXIT_FAILED
from m2io_graph.cli.questions import add_questions_parser
from m2io_graph.cli.serve import add_serve_parser
from m2io_graph.cli.train import add_train_parser
from m2io_graph.config import M2IOConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m2io",
        description="Multimodal answers: text with the right images in the right places.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)
    add_ingest_parser(commands)
    add_ask_parser(commands)
    add_train_parser(commands)
    add_serve_parser(commands)
    add_eval_parser(commands)
    add_questions_parser(commands)
    add_bench_parser(commands)
    add_models_parser(commands)
    return parser


_SETTINGS = {
    "store": "store_dir",
    "chroma_url": "chroma_url",
    "collection": "collection",
    "embedder": "embedder",
    "inserter": "inserter",
    "inserter_checkpoint": "inserter_checkpoint",
    "cues_model": "cues_model",
    "inserter_runtime": "inserter_runtime",
    "generator": "generator",
    "base_url": "base_url",
    "k": "k",
}
"""Command-line option → `M2IOConfig` field, for the options that set one."""


def _config(args: argparse.Namespace) -> M2IOConfig:
    given = {
        field: getattr(args, arg)
        for arg, field in _SETTINGS.items()
        if getattr(args, arg, None) is not None
    }
    return M2IOConfig.from_env().updated(given)


def main(argv: Sequence[str] | None = None) -> int:
    from m2io_graph.corpus.loaders import LoadError
    from m2io_graph.corpus.store import StoreError
    from m2io_graph.errors import InvalidQueryError
    from m2io_graph.inserter.strategies import UnknownStrategyError
    from m2io_graph.models.chat import UnknownModelError
    from m2io_graph.models.offline import ModelFileError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        cfg = _config(args)
        return int(args.run(args, cfg))
    except (InvalidQueryError, UnknownStrategyError, UnknownModelError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (LoadError, StoreError, ModelFileError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
