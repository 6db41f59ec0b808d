"""Training settings, read from a YAML file: one code path, a tiny CPU config and a full GPU one.

A config's `sft:` and `grpo:` sections are trl's `SFTConfig` and `GRPOConfig` keyword arguments
verbatim, and `lora:` is peft's `LoraConfig`'s (as huggingface/open-r1's recipes write them); a
key left out takes the library's default. Beside them at top level stand only the project's own
keys: the base model, the datasets, where runs go, and the reward's `alpha` and `selection`.

The code adds what follows from itself, and a section may override all but the last two:
both trainers log every step, save only at the end (`save_checkpoint` does it), report to no
tracker and use seed 0, in bf16 on a GPU and fp32 on a CPU; SFT learns the completion only;
GRPO runs without activation checkpointing. `output_dir` comes from the top-level `output_dir`,
and GRPO's `reward_weights` from `alpha` (`m2io_graph.rewards.grpo_rewards`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from m2io_graph.rewards import ALPHA, SELECTION, GRPORewards, Selection, grpo_rewards

if TYPE_CHECKING:
    from peft import LoraConfig
    from trl import GRPOConfig, SFTConfig

CONFIG_DIR = Path(__file__).with_name("configs")
SECTIONS = ("lora", "sft", "grpo")


@dataclass
class TrainConfig:
    name: str = "custom"
    base_model: str = "smollm2"
    """`smollm2` (the offline SmolLM2-135M-Instruct), a model folder or a hub name."""
    dataset: str | list[str] = "data/inserter/gnucash"
    """A folder written by `m2io train data`, or several, merged split by split."""
    output_dir: str = "runs/custom"
    alpha: float = ALPHA
    """GRPO's reward: format + α·selection + (1−α)·position."""
    selection: Selection = SELECTION
    """The selection term: `f1`, or `recall` as in the paper."""
    lora: dict[str, Any] | None = field(default_factory=dict)
    """peft `LoraConfig` arguments (the task is always CAUSAL_LM); None trains all weights."""
    sft: dict[str, Any] = field(default_factory=dict)
    """trl `SFTConfig` arguments."""
    grpo: dict[str, Any] = field(default_factory=dict)
    """trl `GRPOConfig` arguments."""

    @property
    def sft_dir(self) -> Path:
        return Path(self.output_dir) / "sft"

    @property
    def grpo_dir(self) -> Path:
        return Path(self.output_dir) / "grpo"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rewards(self) -> GRPORewards:
        return grpo_rewards(self.alpha, self.selection)

    def sft_args(self) -> SFTConfig:
        from trl import SFTConfig

        defaults = {**trainer_flags(), "completion_only_loss": True}
        return self._library_args(
            SFTConfig, "sft", self.sft, defaults, {"output_dir": str(self.sft_dir)}
        )

    def grpo_args(self) -> GRPOConfig:
        from trl import GRPOConfig

        defaults = {**trainer_flags(), "activation_checkpointing": False}
        fixed = {"output_dir": str(self.grpo_dir), "reward_weights": self.rewards().weights}
        return self._library_args(GRPOConfig, "grpo", self.grpo, defaults, fixed)

    def lora_args(self) -> LoraConfig | None:
        if self.lora is None:
            return None
        from peft import LoraConfig

        return self._library_args(LoraConfig, "lora", self.lora, {}, {"task_type": "CAUSAL_LM"})

    def _library_args(
        self,
        cls: type,
        section: str,
        given: dict[str, Any],
        defaults: dict[str, Any],
        fixed: dict[str, Any],
    ) -> Any:
        """`cls(**given)` over `defaults`, with `fixed` on top; keys `cls` lacks or the project
        sets are refused by name, before any model is loaded."""
        where = f"training config {self.name!r}, section {section}:"
        unknown = sorted(set(given) - {f.name for f in fields(cls) if f.init})
        if unknown:
            raise ValueError(
                f"{where} {unknown} are not arguments of {cls.__module__}.{cls.__name__}"
            )
        taken = sorted(set(given) & set(fixed))
        if taken:
            raise ValueError(f"{where} {taken} are set by the project (see training/config.py)")
        return cls(**{**defaults, **given, **fixed})


def trainer_flags() -> dict[str, Any]:
    """Arguments both trainers share: log every step, save only at the end (we do it), no
    external trackers, a fixed seed; bf16 on a GPU, plain fp32 on a CPU."""
    import torch

    gpu = torch.cuda.is_available()
    device = {"bf16": gpu, "use_cpu": not gpu}
    return {"logging_steps": 1, "save_strategy": "no", "report_to": [], "seed": 0, **device}


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
        raise ValueError(
            f"{path}: unknown keys {sorted(unknown)}; trainer arguments go under sft: or grpo:"
        )
    for section in ("sft", "grpo"):
        raw[section] = raw.get(section) or {}
    for section in SECTIONS:
        if raw.get(section) is not None and not isinstance(raw[section], dict):
            raise ValueError(f"{path}: {section}: must be a mapping of arguments")
    return TrainConfig(**raw)
