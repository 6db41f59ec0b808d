"""`m2io questions`: a question set about the pages of an ingested corpus, one question a page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from m2io_graph.cli.options import store_options
from m2io_graph.config import M2IOConfig


def add_questions_parser(commands: Any) -> None:
    text = (
        "Write one question per illustrated page of the store, from its title, the way a user "
        'asks ("How do I set up Accounts?"), naming the page and its images. '
        "`m2io eval --data FILE` then reports how many of the shown images come from the asked "
        "page and how many answers show at least one of its images."
    )
    parser = commands.add_parser("questions", help="questions about single pages", description=text)
    parser.add_argument("--out", type=Path, required=True, help="question file (.jsonl) to write")
    parser.add_argument("--limit", type=int, default=40, help="at most N questions (default 40)")
    parser.add_argument(
        "--max-images",
        type=int,
        default=20,
        help="skip pages with more images: whole manuals on one page (default 20)",
    )
    parser.add_argument("--seed", type=int, default=0, help="which pages are drawn (default 0)")
    store_options(parser)
    parser.set_defaults(run=_questions)


def _questions(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.eval.page_questions import page_questions, write_questions

    store = models.corpus_store(cfg)
    store.require_documents()
    questions = page_questions(
        store.iter_chunks(), limit=args.limit, max_images=args.max_images, seed=args.seed
    )
    write_questions(questions, args.out)
    print(
        f"wrote {len(questions)} questions to {args.out}; e.g. {questions[0]['question']!r}"
        if questions
        else f"no page has a title to ask about; wrote an empty {args.out}"
    )
    return 0
