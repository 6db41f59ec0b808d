"""SFT warm start: teach the base model the plan grammar on gold plans (trl `SFTTrainer`).

Only the completion (`<answer>[...]</answer>`) is learned; the prompt is context.
"""

from __future__ import annotations

from pathlib import Path

from training.config import TrainConfig
from training.dataset_io import load_inserter_dataset
from training.modeling import load_base, train_and_save


def run_sft(cfg: TrainConfig, *, limit: int | None = None) -> Path:
    """Train on the dataset's train split; returns the checkpoint folder (`<output_dir>/sft`)."""
    from trl import SFTTrainer

    args, peft_config = cfg.sft_args(), cfg.lora_args()  # a bad key fails before the model loads
    model, tokenizer = load_base(cfg)
    train = load_inserter_dataset(cfg.dataset)["train"].select_columns(["prompt", "completion"])
    if limit:
        train = train.select(range(min(limit, len(train))))
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    return train_and_save(trainer, tokenizer, cfg.sft_dir, cfg)
