"""`m2io ingest`: load illustrated documents into the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from m2io_graph.cli.options import store_options
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.sources import MAX_FILE_BYTES


def add_ingest_parser(commands: Any) -> None:
    ingest = commands.add_parser("ingest", help="load illustrated documents into the store")
    ingest.add_argument("path", type=Path, help="a file or folder of documents")
    ingest.add_argument(
        "--format",
        choices=["html", "markdown", "mramg", "pdf"],
        help="default: by file extension (.html/.htm/.xhtml, .md, .jsonl, .pdf)",
    )
    ingest.add_argument(
        "--figures-dir",
        type=Path,
        help="where figures rendered from PDFs are written (default: STORE-figures beside a folder "
        "store, else the XDG data dir's m2io_graph/figures)",
    )
    ingest.add_argument(
        "--max-file-mb",
        type=float,
        default=MAX_FILE_BYTES / 2**20,
        help="larger HTML/Markdown files and MRAMG lines are reported and skipped "
        "(default: %(default)g MiB)",
    )
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    store_options(ingest)
    ingest.set_defaults(run=_ingest)


def _ingest(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.corpus.ingest import ingest

    if args.max_file_mb <= 0:
        raise ValueError(f"--max-file-mb must be positive, got {args.max_file_mb:g}")
    report = ingest(
        args.path,
        models.corpus_store(cfg),
        fmt=args.format,
        progress=not args.quiet,
        max_file_bytes=int(args.max_file_mb * 2**20),
        figures_dir=args.figures_dir or _figures_dir(cfg),
    )
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"ingested into {models.corpus_store(cfg).location}: {report.summary()}")
    return 0


def _figures_dir(cfg: M2IOConfig) -> Path:
    """Beside a folder store (deleted with it), else the XDG data dir."""
    from m2io_graph.corpus.pdf_loader import default_figures_dir

    if cfg.chroma_url:
        return default_figures_dir()
    return Path(cfg.store_dir).with_name(Path(cfg.store_dir).name + "-figures")
