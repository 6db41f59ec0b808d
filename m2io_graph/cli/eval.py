"""`m2io eval`: scores of strategies on a dataset (the work itself is in `m2io_graph.eval.run`)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from m2io_graph.cli.options import EXIT_BAD_INPUT, store_options
from m2io_graph.config import M2IOConfig


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected numbers separated by commas, got {text!r}"
        ) from None
    if not values or any(not 0 <= v <= 1 for v in values):
        raise argparse.ArgumentTypeError("α values must lie in 0..1")
    return values


def add_eval_parser(commands: Any) -> None:
    text = (
        "Score inserter strategies on a dataset: MRAMG question jsonl (the whole graph answers "
        "each question; --store must hold the ingested corpus) or an inserter dataset from "
        "`m2io train data` (the inserter alone on gold text). Prints a table and writes "
        "scores.csv/json and PNG plots to --out."
    )
    ev = commands.add_parser("eval", help="score strategies on a dataset", description=text)
    ev.add_argument("--data", type=Path, required=True, help="MRAMG *_mqa.jsonl or dataset folder")
    ev.add_argument(
        "--stage",
        choices=["auto", "graph", "inserter"],
        default="auto",
        help="graph: answer end to end; inserter: gold text (default: from --data)",
    )
    ev.add_argument(
        "--inserter",
        dest="strategies",
        default="rule,r1",
        help="comma-separated strategies of the registry: rule, r1, llm, single_shot or one "
        "registered with @register; with --stage inserter also base (r1 on the untrained "
        "SmolLM2), NAME=CHECKPOINT (r1 on a checkpoint) and a @llamacpp or @transformers "
        "suffix (default: rule,r1)",
    )
    ev.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="a module (dotted name or .py file) to import first, so that the strategies it "
        "registers with @register are evaluable; repeatable",
    )
    ev.add_argument(
        "--alpha",
        type=_floats,
        default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        help="α values of the reward sweep plot (inserter stage; default 0,0.2,...,1)",
    )
    ev.add_argument("--limit", type=int, default=0, help="first N questions/examples (0 = all)")
    ev.add_argument("--split", default="test", help="dataset split (inserter stage; default test)")
    ev.add_argument("--images-info", type=Path, help="MRAMG images-info JSON (default: found)")
    ev.add_argument("--out", type=Path, default=Path("runs/eval"), help="output folder")
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    ev.add_argument(
        "--generator",
        help="comma-separated text generators for the graph stage, each answering with each "
        "inserter (e.g. extractive,smollm2,qwen2.5-coder-0.5b,qwen2.5-coder-1.5b; default: the "
        "configured one)",
    )
    ev.add_argument("--base-url", help="OpenAI-compatible endpoint for --generator openai")
    ev.add_argument("--inserter-checkpoint", help="checkpoint that r1 loads (default: shipped)")
    ev.add_argument(
        "--cues-model", help="model file that cues loads (default: shipped; m2io train cues)"
    )
    ev.add_argument(
        "--inserter-runtime",
        help="where r1, base and checkpoints run: llamacpp (default) or transformers; a system "
        "may name its own with a suffix (r1@transformers)",
    )
    ev.add_argument(
        "--unguided",
        action="store_true",
        help="let r1 (and base and checkpoints) decode freely, to measure their own format "
        "validity (default: guided by the inserter grammar)",
    )
    ev.add_argument("--k", type=int, help="chunks to retrieve (graph stage; default 4)")
    store_options(ev)
    ev.set_defaults(run=_eval)


def _eval(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    if not args.data.exists():
        print(f"error: {args.data} does not exist", file=sys.stderr)
        return EXIT_BAD_INPUT
    from m2io_graph.eval import run

    for module in args.imports:
        _import(module)
    stage = args.stage
    if stage == "auto":
        stage = "inserter" if run.is_inserter_dataset(args.data) else "graph"
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    if args.unguided:
        cfg = cfg.updated({"inserter_guided": False})
    if stage == "inserter":
        return run.eval_inserter(args, cfg, strategies)
    return run.eval_graph(args, cfg, strategies)


def _import(module: str) -> None:
    """Import a user's module by dotted name or by file path; ValueError (bad input) if there
    is no such module or file."""
    path = Path(module)
    if path.suffix != ".py":
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            raise ValueError(f"--import {module}: {error}") from None
        return
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise ValueError(f"--import {module}: no such Python file")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = loaded
    spec.loader.exec_module(loaded)
