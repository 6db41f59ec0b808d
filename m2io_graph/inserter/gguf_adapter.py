"""A trained inserter's LoRA adapter in GGUF form, so llama.cpp applies it over the offline base.

The adapter stays small (a few MB) and the base keeps its shipped quantization, which is what
the transformers path dequantizes: both runtimes run the same weights. Written with the `gguf`
package (its writer, tensor-name map and key names), as llama.cpp's `convert_lora_to_gguf.py`
writes it: `general.type = adapter`, `adapter.type = lora`, `adapter.lora.alpha`, and for each
adapted weight `<name>.lora_a` (r × in) and `<name>.lora_b` (out × r).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

ADAPTER_FILE = "adapter.gguf"
"""The GGUF form's name inside a checkpoint folder, beside `adapter_model.safetensors`."""
WEIGHTS_FILE = "adapter_model.safetensors"
SOURCE_KEY = "m2io.adapter_sha256"
"""Metadata: the sha256 of the safetensors a GGUF adapter was written from, so a stale one
(the checkpoint retrained since) is never applied."""


class AdapterConversionError(ValueError):
    """A checkpoint that llama.cpp cannot apply as a LoRA adapter; the message says why."""


def _field(reader: Any, key: str) -> Any:
    if key not in reader.fields:
        raise AdapterConversionError(f"the base GGUF has no {key!r}")
    return reader.fields[key].contents()


def _unpermute_rows(b: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's llama layout of q/k rows: HF checkpoints interleave each head's rotary halves
    differently, and `convert_hf_to_gguf.py` reorders the rows of q_proj and k_proj. A LoRA's B
    matrix holds those output rows, so it gets the same order (A is untouched)."""
    rows = b.shape[0]
    return b.reshape(heads, 2, rows // heads // 2, *b.shape[1:]).swapaxes(1, 2).reshape(b.shape)


def lora_to_gguf(checkpoint: Path, base_gguf: Path, out: Path) -> Path:
    """Write `checkpoint`'s PEFT LoRA weights as a GGUF adapter for `base_gguf` at `out`."""
    import gguf
    import torch
    from safetensors.torch import load_file

    config = json.loads((checkpoint / "adapter_config.json").read_text())
    if config.get("peft_type", "LORA") != "LORA" or config.get("use_dora"):
        raise AdapterConversionError(f"{checkpoint} is not a plain LoRA adapter")
    if config.get("modules_to_save") or config.get("trainable_token_indices"):
        raise AdapterConversionError(f"{checkpoint} trains whole modules beside its LoRA")
    reader = gguf.GGUFReader(str(base_gguf))
    arch = str(_field(reader, "general.architecture"))
    blocks = int(_field(reader, f"{arch}.block_count"))
    heads = {
        "q_proj": int(_field(reader, f"{arch}.attention.head_count")),
        "k_proj": int(_field(reader, f"{arch}.attention.head_count_kv")),
    }
    arch_id = {name: key for key, name in gguf.MODEL_ARCH_NAMES.items()}[arch]
    names = gguf.get_tensor_name_map(arch_id, blocks)
    # llama.cpp scales by alpha / r; rsLoRA by alpha / sqrt(r)
    alpha = float(config["lora_alpha"]) * (np.sqrt(config["r"]) if config.get("use_rslora") else 1)

    weights = load_file(str(checkpoint / WEIGHTS_FILE))
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in weights.items():
        if ".lora_A." not in key and ".lora_B." not in key:
            raise AdapterConversionError(f"unexpected tensor {key!r} in {checkpoint}")
        side = "a" if ".lora_A." in key else "b"
        hf = key.removeprefix("base_model.model.").replace(f".lora_{side.upper()}.weight", "")
        # fp16 stays fp16 (what the shipped adapter holds); fp32 and bf16 are written as fp32
        kind = torch.float16 if value.dtype == torch.float16 else torch.float32
        pairs.setdefault(hf, {})[side] = value.to(kind).numpy()

    partial = out.with_name(f"{out.name}.{os.getpid()}.partial")
    writer = gguf.GGUFWriter(str(partial), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
    writer.add_string(SOURCE_KEY, weights_sha256(checkpoint))
    for hf, ab in sorted(pairs.items()):
        target = names.get_name(hf + ".weight", try_suffixes=(".weight",))
        if target is None or set(ab) != {"a", "b"}:
            raise AdapterConversionError(f"cannot place the LoRA of {hf!r} in a {arch} model")
        b = ab["b"]
        projection = hf.rsplit(".", 1)[-1]
        if arch == "llama" and projection in heads:
            b = _unpermute_rows(b, heads[projection])
        writer.add_tensor(f"{target}.lora_a", np.ascontiguousarray(ab["a"]))
        writer.add_tensor(f"{target}.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(out)
    return out


def weights_sha256(checkpoint: Path) -> str:
    return hashlib.sha256((checkpoint / WEIGHTS_FILE).read_bytes()).hexdigest()


def converted_from(adapter: Path) -> str | None:
    """The sha256 recorded in a GGUF adapter written by `lora_to_gguf` (None if it has none)."""
    import gguf

    field = gguf.GGUFReader(str(adapter)).fields.get(SOURCE_KEY)
    return None if field is None else str(field.contents())


def adapter_gguf(checkpoint: Path, base_gguf: Path, cache: Path) -> Path:
    """The GGUF form of `checkpoint`: its own `adapter.gguf` when that was written from its
    current weights (`m2io train export-gguf`, and the shipped adapter), else one converted
    into `cache` on first use, named by the weights' hash."""
    sha = weights_sha256(checkpoint)
    own = checkpoint / ADAPTER_FILE
    if own.is_file() and converted_from(own) == sha:
        return own
    cached = cache / f"{sha[:20]}.gguf"
    if not cached.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        lora_to_gguf(checkpoint, base_gguf, cached)
    return cached
