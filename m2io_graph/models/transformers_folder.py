"""The offline models as plain transformers folders, for training (trl, peft) and for the
transformers runtime that the inserter keeps beside llama.cpp.

transformers reads a GGUF (dequantized to fp32, ~17-40 s) but refuses to `save_pretrained` a
model that came from one. We rebuild a plain model from its config once and save it to a cache
folder outside git, so later loads take about a second and training writes ordinary checkpoints.
"""

from __future__ import annotations

from pathlib import Path

from m2io_graph.models.offline import OFFLINE_MODELS, cache_dir, offline_gguf

FOLDER_NAMES = {"smollm2": "smollm2-135m-instruct"}
"""Cache folder names that older checkpoints recorded as their base."""


def transformers_folder(name: str = "smollm2") -> Path:
    """A plain transformers folder of the offline model `name`, converted on first use."""
    if name not in OFFLINE_MODELS:
        raise KeyError(f"{name!r} is not an offline model ({', '.join(OFFLINE_MODELS)})")
    target = cache_dir() / FOLDER_NAMES.get(name, name)
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = offline_gguf(name)
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    quantized = AutoModelForCausalLM.from_pretrained(source.parent, gguf_file=source.name)
    config = quantized.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(quantized.state_dict())
    partial = target.with_name(target.name + ".partial")
    plain.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.rename(target)
    return target
