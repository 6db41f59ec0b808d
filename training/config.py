"""Training settings, read from a YAML file: one code path, a tiny CPU config and a full GPU one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).with_name("configs")


@dataclass
class LoraSettings:
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"


@dataclass
class SFTSettings:
    epochs: float = 1
    batch_size: int = 4
    grad_accum: int = 1
    learning_rate: float = 5e-4
    max_length: int = 640
    max_steps: int = -1


@dataclass
class GRPOSettings:
    steps: int = 16
    batch_size: int = 4
    num_generations: int = 4
    max_completion_length: int = 48
    learning_rate: float = 2e-5
    temperature: float = 0.9
    beta: float = 0.0
    alpha: float = 0.8
    selection: str = "f1"
    use_vllm: bool = False


@dataclass
class TrainConfig:
    name: str = "custom"
    base_model: str = "smollm2"
    """`smollm2` (the offline SmolLM2-135M-Instruct), a model folder or a hub name."""
    dataset: str | list[str] = "data/inserter/gnucash"
    """A folder written by `m2io train data`, or several, merged split by split."""
    output_dir: str = "runs/custom"
    lora: LoraSettings | None = field(default_factory=LoraSettings)
    """None trains all weights."""
    sft: SFTSettings = field(default_factory=SFTSettings)
    grpo: GRPOSettings = field(default_factory=GRPOSettings)

    @property
    def sft_dir(self) -> Path:
        return Path(self.output_dir) / "sft"

    @property
    def grpo_dir(self) -> Path:
        return Path(self.output_dir) / "grpo"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_config(name_or_path: str, **overrides: Any) -> TrainConfig:
    """A config by name (`tiny-cpu`, `full-gpu`) or YAML path; `overrides` replace top-level keys."""
    path = Path(name_or_path)
    if not path.is_file():
        path = CONFIG_DIR / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.yaml")))
        raise FileNotFoundError(
            f"no training config {name_or_path!r}; use a YAML path or one of: {known}"
        )
    raw: dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    raw.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(raw) - {f.name for f in fields(TrainConfig)}
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    lora = raw.pop("lora", {})
    return TrainConfig(
        **{k: v for k, v in raw.items() if k not in {"sft", "grpo"}},
        lora=LoraSettings(**lora) if lora is not None else None,
        sft=SFTSettings(**raw.get("sft", {})),
        grpo=GRPOSettings(**raw.get("grpo", {})),
    )
