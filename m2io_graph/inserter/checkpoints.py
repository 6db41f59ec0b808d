"""Finding and loading inserter weights: the shipped adapter, a trained checkpoint, a hub name.

A LoRA adapter records the base model it was trained on. Ours record the symbolic name
`smollm2` rather than a cache path, so an adapter trained on one machine loads on another.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SHIPPED_ADAPTER = Path(__file__).with_name("weights") / "r1-smollm2-lora"
OFFLINE_BASE = "smollm2"
TRAIN_HINT = (
    "train one with `m2io train sft --config tiny-cpu` then `m2io train grpo --config tiny-cpu`, "
    "or pass configurable inserter_checkpoint=<folder>"
)


class CheckpointMissing(FileNotFoundError):
    """No weights where the inserter was told to look."""


def resolve_base(name: str) -> str:
    """A loadable path or hub name for a base model name (`smollm2` → the converted offline copy)."""
    if name == OFFLINE_BASE or name.endswith("smollm2-135m-instruct"):
        from m2io_graph.models.smollm2 import smollm2_path

        return str(smollm2_path())
    return name


def is_adapter(path: str) -> bool:
    return (Path(path) / "adapter_config.json").is_file()


def default_checkpoint() -> str:
    """The adapter shipped with the package, or an error that says how to make one."""
    if not is_adapter(str(SHIPPED_ADAPTER)):
        raise CheckpointMissing(f"no trained inserter at {SHIPPED_ADAPTER}: {TRAIN_HINT}")
    return str(SHIPPED_ADAPTER)


@lru_cache(maxsize=4)
def load_inserter(checkpoint: str) -> tuple[Any, Any]:
    """(model, tokenizer) for a checkpoint: a LoRA adapter (merged for speed), a full model
    folder, `smollm2` (the untrained offline base), or a hub name."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if is_adapter(checkpoint):
        from peft import PeftModel

        config = json.loads((Path(checkpoint) / "adapter_config.json").read_text())
        base_path = resolve_base(config.get("base_model_name_or_path") or OFFLINE_BASE)
        base = AutoModelForCausalLM.from_pretrained(base_path)
        model = PeftModel.from_pretrained(base, checkpoint).merge_and_unload()
        tokenizer_source = (
            checkpoint if (Path(checkpoint) / "tokenizer_config.json").exists() else base_path
        )
    else:
        path = resolve_base(checkpoint)
        if Path(checkpoint).is_absolute() and not Path(checkpoint).exists():
            raise CheckpointMissing(f"no inserter checkpoint at {checkpoint}: {TRAIN_HINT}")
        model = AutoModelForCausalLM.from_pretrained(path)
        tokenizer_source = path
    model.eval()
    return model, AutoTokenizer.from_pretrained(tokenizer_source)
