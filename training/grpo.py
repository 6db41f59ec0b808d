"""GRPO on outcome rewards (format, selection, position) with trl's `GRPOTrainer`.

Starts from the SFT adapter when there is one (the paper's warm start) and keeps training the
same adapter, so the result is again one small LoRA checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from m2io_graph.inserter.checkpoints import is_adapter
from training.config import TrainConfig
from training.dataset_io import load_inserter_dataset
from training.modeling import load_base, train_and_save

REWARD_COLUMNS = ["prompt", "gold", "n_sentences", "n_candidates"]


def run_grpo(cfg: TrainConfig, *, init: str | None = None, limit: int | None = None) -> Path:
    """Train from `init` (default: `<output_dir>/sft` if it exists, else a fresh adapter)."""
    from trl import GRPOTrainer

    args, rewards, peft_config = cfg.grpo_args(), cfg.rewards(), cfg.lora_args()
    model, tokenizer = load_base(cfg)
    start = init or (str(cfg.sft_dir) if is_adapter(str(cfg.sft_dir)) else None)
    if start:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, start, is_trainable=True)
        peft_config = None
    train = load_inserter_dataset(cfg.dataset)["train"]
    train = train.filter(lambda row: row["n_candidates"] > 0).select_columns(REWARD_COLUMNS)
    if limit:
        train = train.select(range(min(limit, len(train))))
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=rewards.funcs,
        args=args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    return train_and_save(trainer, tokenizer, cfg.grpo_dir, cfg)
