"""`m2io train data|sft|grpo|export|cues`: build the inserter dataset, train the inserter, write
it in the forms it ships in, fit the `cues` placement model.

Training imports trl and friends lazily, so `m2io ask` stays quick to start.
"""

from __future__ import annotations

import argparse
import functools
import json
from pathlib import Path
from typing import Any

from m2io_graph.cli.options import store_options
from m2io_graph.config import M2IOConfig
from training.dataset_options import DISTRACTORS, DataOptions


def add_train_parser(commands: Any) -> None:
    train = commands.add_parser("train", help="build the inserter's training data, train it")
    steps = train.add_subparsers(dest="step", required=True, metavar="STEP")
    _data_parser(steps)
    for step, text in (
        ("sft", "SFT warm start on gold plans (trl SFTTrainer)"),
        ("grpo", "GRPO on format/selection/position rewards (trl GRPOTrainer)"),
    ):
        parser = steps.add_parser(step, help=text, description=text)
        parser.add_argument(
            "--config", default="tiny-cpu", help="tiny-cpu (default), full-gpu, or a YAML path"
        )
        parser.add_argument(
            "--dataset",
            nargs="+",
            metavar="DIR",
            help="dataset folder(s), merged (default: the config's)",
        )
        parser.add_argument("--output-dir", help="where checkpoints go (default: the config's)")
        parser.add_argument("--limit", type=int, help="use only the first N training examples")
        if step == "grpo":
            parser.add_argument(
                "--init", help="start from this adapter (default: <output-dir>/sft)"
            )
        parser.set_defaults(run=_train)
    _export_parser(steps)
    _cues_parser(steps)


def _cues_parser(steps: Any) -> None:
    text = (
        "Fit the `cues` inserter's placement model on inserter datasets (m2io train data): "
        "which gap of the answer each image goes in, from paragraph ends, headings, announcing "
        "sentences and similarity, and which candidates are shown. Convex, so one L-BFGS run: "
        "seconds after the passages are embedded. Use it with --inserter cues --cues-model OUT."
    )
    cues = steps.add_parser("cues", help="fit the cues placement model", description=text)
    cues.add_argument("--dataset", nargs="+", required=True, metavar="DIR", help="dataset folders")
    cues.add_argument(
        "--out",
        type=Path,
        default=Path("runs/cues/cues.json"),
        help="model file (default: %(default)s)",
    )
    cues.add_argument(
        "--split", default="train", help="split of the datasets to fit on (default: %(default)s)"
    )
    cues.set_defaults(run=_cues)


def _cues(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from training.cues import fit_cue_model
    from training.dataset_io import load_inserter_dataset

    parts = [load_inserter_dataset(path) for path in args.dataset]
    examples = [row for part in parts for row in part[args.split]]
    corpora = sorted({row["corpus"] for row in examples})
    model = fit_cue_model(examples, models.embedder(cfg), trained_on=corpora)
    model.save(args.out)
    print(
        f"fitted on {len(examples)} {args.split} examples of {', '.join(corpora)}; show "
        f"threshold {model.threshold:.2f}; wrote {args.out}"
    )
    print(f"use it with: m2io ask QUESTION --inserter cues --cues-model {args.out}")
    return 0


def _export_parser(steps: Any) -> None:
    text = (
        "Write a trained LoRA adapter in both forms the inserter runs: its PEFT weights in fp16 "
        "(transformers) and adapter.gguf (llama.cpp, the default runtime), in --out or in the "
        "checkpoint folder itself. This is how the shipped adapter is built."
    )
    export = steps.add_parser("export", help="a checkpoint in its shipped forms", description=text)
    export.add_argument("checkpoint", type=Path, help="a LoRA adapter folder (e.g. runs/x/grpo)")
    export.add_argument("--out", type=Path, help="folder to write (default: the checkpoint)")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph.inserter.checkpoints import CheckpointMissing, base_name, is_adapter
    from m2io_graph.inserter.gguf_adapter import ADAPTER_FILE, lora_to_gguf
    from m2io_graph.models.offline import OFFLINE_MODELS, offline_gguf

    if not is_adapter(str(args.checkpoint)):
        raise CheckpointMissing(f"no LoRA adapter (adapter_config.json) in {args.checkpoint}")
    out = args.out or args.checkpoint
    if out.resolve() != args.checkpoint.resolve():
        from training.modeling import export_adapter

        export_adapter(args.checkpoint, out)
    config = json.loads((out / "adapter_config.json").read_text())
    base = base_name(config.get("base_model_name_or_path") or "")
    if base not in OFFLINE_MODELS:
        raise ValueError(f"{args.checkpoint} adapts {base!r}: only offline bases have a GGUF form")
    written = lora_to_gguf(out, offline_gguf(base), out / ADAPTER_FILE)
    print(f"wrote {written} ({written.stat().st_size:,} bytes) beside its PEFT weights in {out}")
    return 0


def _train(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from training.config import load_config

    settings = load_config(args.config, dataset=args.dataset, output_dir=args.output_dir)
    if args.step == "sft":
        from training.sft import run_sft

        out = run_sft(settings, limit=args.limit)
    else:
        from training.grpo import run_grpo

        out = run_grpo(settings, init=args.init, limit=args.limit)
    rewards = [row for row in json.loads((out / "log_history.json").read_text()) if "reward" in row]
    if rewards:
        print(
            f"mean reward: first step {rewards[0]['reward']:.3f}, last step {rewards[-1]['reward']:.3f}"
        )
    print(f"saved {out}; use it with: m2io ask QUESTION --inserter r1 --inserter-checkpoint {out}")
    return 0


DATA_NUMBERS = {
    "seed": "seed of every random choice",
    "negatives": "image-free examples per positive one",
    "max_candidates": "images per example, half of them at most gold",
    "variants": "draws of each training passage, with fresh distractors and order",
    "train": "share of the documents in train",
    "validation": "share of the documents in validation (test gets the rest)",
}
"""`DataOptions` fields `m2io train data` exposes; their defaults are read from `DataOptions`."""


def _data_parser(steps: Any) -> None:
    data = steps.add_parser(
        "data",
        help="build the inserter dataset from an ingested store",
        description=(
            f"One example per passage with images: its sentences (at most "
            f"{DataOptions.max_sentences}), its images shuffled among as many distractor images "
            "from other documents, and the gold plan as the completion; plus image-free passages "
            "whose answer is []. Splits go by document. Writes a datasets.DatasetDict, "
            "train/validation/test.jsonl and stats.json."
        ),
    )
    data.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    data.add_argument(
        "--corpus", help="label stored with each example (default: the store folder's name)"
    )
    for name, text in DATA_NUMBERS.items():
        default = getattr(DataOptions, name)
        data.add_argument(
            "--" + name.replace("_", "-"),
            type=type(default),
            default=default,
            help=f"{text} (default: %(default)s)",
        )
    data.add_argument(
        "--all-test", action="store_true", help="put every example in test (a held-out corpus)"
    )
    data.add_argument(
        "--distractors",
        choices=DISTRACTORS,
        default=DataOptions.distractors,
        help="draw distractor images from any other document, or from the same chapter (the "
        "images nearest the passage in reading order): harder, as a retriever's candidates "
        "are (default: %(default)s)",
    )
    data.add_argument(
        "--with-context",
        action="store_true",
        help="show each candidate with the sentence it followed in its source (that is the gold sentence: off by default)",
    )
    data.add_argument("--quiet", action="store_true", help="no progress bar")
    store_options(data)
    data.set_defaults(run=_train_data)


def _train_data(args: argparse.Namespace, cfg: M2IOConfig) -> int:
    from m2io_graph import models
    from m2io_graph.inserter.rule import closest_sentences
    from training.dataset_io import build_inserter_dataset

    options = DataOptions(
        **{name: getattr(args, name) for name in DATA_NUMBERS},
        all_test=args.all_test,
        distractors=args.distractors,
        with_context=args.with_context,
    )
    corpus = args.corpus or Path(cfg.chroma_url or cfg.store_dir).name or cfg.collection
    store = models.corpus_store(cfg)
    hinter = functools.partial(closest_sentences, models.embedder(cfg))
    stats = build_inserter_dataset(
        store, args.out, options, corpus=corpus, hinter=hinter, progress=not args.quiet
    )
    print(f"wrote {args.out} ({corpus})")
    print(f"{'split':<11}" + "".join(f"{name:>14}" for name in stats["all"]))
    for split, counts in stats.items():
        print(f"{split:<11}" + "".join(f"{value:>14}" for value in counts.values()))
    every = stats["all"]
    if every["gold_images"]:
        shares = (
            f"{where} {100 * every['gold_' + where] / every['gold_images']:.0f}%"
            for where in ("first", "interior", "last")
        )
        print("gold placements: " + ", ".join(shares) + " (first: before the first sentence)")
    return 0
