"""Compare inserters on the test split of an inserter dataset (`m2io train data`).

    .venv/bin/python scripts/eval_inserter.py --data data/inserter/handbook \
        --systems rule,base,sft=runs/tiny-cpu/sft,r1=runs/tiny-cpu/grpo,single_shot --limit 60

`base` is the untrained SmolLM2-135M-Instruct, `NAME=PATH` a trained checkpoint, `single_shot`
the base model writing text with image markers. Prints a Markdown table; --out saves JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from m2io_graph.config import M2IOConfig
from m2io_graph.eval.inserter import (
    System,
    as_dicts,
    chat_system,
    evaluate,
    rule_system,
    single_shot_system,
    table,
)
from m2io_graph.inserter.chat_model import InserterChatModel
from m2io_graph.models.embeddings import get_embedder
from training.data import load_inserter_dataset


def build_system(spec: str) -> tuple[str, System]:
    name, _, checkpoint = spec.partition("=")
    if name == "rule":
        return name, rule_system(get_embedder(), M2IOConfig().rule_threshold)
    if name == "single_shot":
        return name, single_shot_system(
            InserterChatModel(checkpoint=checkpoint or "smollm2", max_new_tokens=200)
        )
    return name, chat_system(InserterChatModel(checkpoint=checkpoint or "smollm2"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="folder written by `m2io train data`")
    parser.add_argument("--split", default="test")
    parser.add_argument("--systems", default="rule,base")
    parser.add_argument("--limit", type=int, default=0, help="first N examples (0 = all)")
    parser.add_argument("--out", type=Path, help="write the scores as JSON here")
    args = parser.parse_args()
    examples = load_inserter_dataset(args.data)[args.split]
    if args.limit:
        examples = examples.select(range(min(args.limit, len(examples))))
    scores = []
    for spec in args.systems.split(","):
        name, system = build_system(spec)
        scores.append(evaluate(name, system, examples))
        print(table(scores[-1:]).splitlines()[-1], flush=True)
    print(table(scores))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(as_dicts(scores), indent=2))


if __name__ == "__main__":
    main()
