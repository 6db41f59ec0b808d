"""What SFT and GRPO share: loading the base model, saving checkpoints, exporting adapters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from m2io_graph.inserter.checkpoints import resolve_base
from m2io_graph.models.offline import OFFLINE_MODELS
from training.config import TrainConfig


def load_base(cfg: TrainConfig) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_base(cfg.base_model)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModelForCausalLM.from_pretrained(path), tokenizer


def train_and_save(trainer: Any, tokenizer: Any, out: Path, cfg: TrainConfig) -> Path:
    """Run `trainer` to the end, then `save_checkpoint` its model and log to `out`."""
    trainer.train()
    return save_checkpoint(trainer.model, tokenizer, out, cfg, trainer.state.log_history)


def save_checkpoint(
    model: Any, tokenizer: Any, out: Path, cfg: TrainConfig, log: list[dict]
) -> Path:
    """Save weights, the config used and the training log; adapters name an offline base
    symbolically (`smollm2`) so they load on machines where the converted base lives elsewhere."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    adapter_config = out / "adapter_config.json"
    if adapter_config.exists() and cfg.base_model in OFFLINE_MODELS:
        data = json.loads(adapter_config.read_text())
        data["base_model_name_or_path"] = cfg.base_model
        adapter_config.write_text(json.dumps(data, indent=2))
    else:
        tokenizer.save_pretrained(out)
    (out / "train_config.json").write_text(json.dumps(cfg.as_dict(), indent=2))
    (out / "log_history.json").write_text(json.dumps(log, indent=2))
    return out


def export_adapter(source: Path, target: Path) -> Path:
    """Copy a trained adapter for shipping: its config and its weights in fp16 (half the bytes;
    `load_inserter` merges them into the fp32 base, so nothing is lost in use)."""
    from safetensors.torch import load_file, save_file

    target.mkdir(parents=True, exist_ok=True)
    weights = load_file(str(source / "adapter_model.safetensors"))
    save_file({k: v.half() for k, v in weights.items()}, str(target / "adapter_model.safetensors"))
    for name in ("adapter_config.json", "train_config.json"):
        (target / name).write_text((source / name).read_text())
    return target
