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


def base_name(name: str) -> str:
    """The offline model a recorded base names (older adapters recorded the cache folder)."""
    return OFFLINE_BASE if name.endswith("smollm2-135m-instruct") else name


def resolve_base(name: str) -> str:
    """A loadable path or hub name for a base model name (an offline name → its converted copy)."""
    from m2io_graph.models.offline import OFFLINE_MODELS
    from m2io_graph.models.transformers_folder import transformers_folder

    if base_name(name) in OFFLINE_MODELS:
        return str(transformers_folder(base_name(name)))
    return name


def is_adapter(path: str) -> bool:
    return (Path(path) / "adapter_config.json").is_file()


def default_checkpoint() -> str:
    """The adapter shipped with the package, or an error that says how to make one."""
    if not is_adapter(str(SHIPPED_ADAPTER)):
        raise CheckpointMissing(f"no trained inserter at {SHIPPED_ADAPTER}: {TRAIN_HINT}")
    return str(SHIPPED_ADAPTER)


class NotOnLlamaCpp(ValueError):
    """A checkpoint that has no GGUF form: it runs on the transformers runtime only."""


@lru_cache(maxsize=8)
def gguf_form(checkpoint: str) -> tuple[str, str | None]:
    """(base GGUF, LoRA adapter GGUF or None) of a checkpoint, for llama.cpp: the shipped
    adapter (empty name), a LoRA adapter folder over an offline base (converted on first use),
    an offline model name (`smollm2`, the untrained base), or a `.gguf` file."""
    from m2io_graph.inserter.gguf_adapter import adapter_gguf
    from m2io_graph.models.offline import OFFLINE_MODELS, cache_dir, check_gguf, offline_gguf

    checkpoint = checkpoint or default_checkpoint()
    if checkpoint in OFFLINE_MODELS:
        return str(offline_gguf(checkpoint)), None
    path = Path(checkpoint)
    if path.suffix == ".gguf":
        return str(check_gguf(path)), None
    if not is_adapter(checkpoint):
        if not path.exists():
            raise CheckpointMissing(f"no inserter checkpoint at {checkpoint}: {TRAIN_HINT}")
        raise NotOnLlamaCpp(
            f"{checkpoint} is not a LoRA adapter over an offline base: run it with "
            "inserter_runtime=transformers"
        )
    config = json.loads((path / "adapter_config.json").read_text())
    base = base_name(config.get("base_model_name_or_path") or OFFLINE_BASE)
    if base not in OFFLINE_MODELS:
        raise NotOnLlamaCpp(
            f"{checkpoint} adapts {base!r}, which has no offline GGUF: run it with "
            "inserter_runtime=transformers"
        )
    base_gguf = offline_gguf(base)
    return str(base_gguf), str(adapter_gguf(path, base_gguf, cache_dir() / "adapters"))


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
