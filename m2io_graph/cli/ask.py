"""`m2io ask`: answer a question with text and images."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from m2io_graph.cli.options import answer_options, store_options
from m2io_graph.config import M2IOConfig
from m2io_graph.errors import EmptyQueryError


def add_ask_parser(commands: Any) -> None:
    ask = commands.add_parser("ask", help="answer a question with text and images")
    ask.add_argument("question", help="the question (quote it)")
    ask.add_argument("--json", action="store_true", help="print the whole result as JSON")
    ask.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the answer as a self-contained HTML page",
    )
    answer_options(ask)
    store_options(ask)
    ask.set_defaults(run=_ask)


def _ask(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.corpus.store import NO_IMAGE_ROOTS
    from m2io_graph.graph import build_graph
    from m2io_graph.render import to_html

    if not args.question.strip():
        raise EmptyQueryError()  # before the store is opened; `m2io` exits 2 with its message
    store = models.corpus_store(cfg)
    store.require_documents()
    result = build_graph(cfg).invoke({"query": args.question})
    for notice in result.get("notices", []):
        print(f"note: {notice}", file=sys.stderr)
    if args.html:
        roots = store.image_roots()
        if not roots:
            print(f"note: {NO_IMAGE_ROOTS}", file=sys.stderr)
        args.html.write_text(to_html(args.question, result, roots), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else result["answer"])
    return 0
