"""SFT warm start: teach the base model the plan grammar on gold plans (trl `SFTTrainer`).

Only the completion (`<answer>[...]</answer>`) is learned; the prompt is context.
"""

from __future__ import annotations

from pathlib import Path

from training.config import TrainConfig
from training.data import load_inserter_dataset
from training.modeling import load_base, lora_config, save_checkpoint, trainer_flags


def run_sft(cfg: TrainConfig, *, limit: int | None = None) -> Path:
    """Train on the dataset's train split; returns the checkpoint folder (`<output_dir>/sft`)."""
    from trl import SFTConfig, SFTTrainer

    model, tokenizer = load_base(cfg)
    train = load_inserter_dataset(cfg.dataset)["train"].select_columns(["prompt", "completion"])
    if limit:
        train = train.select(range(min(limit, len(train))))
    args = SFTConfig(
        output_dir=str(cfg.sft_dir),
        num_train_epochs=cfg.sft.epochs,
        max_steps=cfg.sft.max_steps,
        per_device_train_batch_size=cfg.sft.batch_size,
        gradient_accumulation_steps=cfg.sft.grad_accum,
        learning_rate=cfg.sft.learning_rate,
        max_length=cfg.sft.max_length,
        completion_only_loss=True,
        **trainer_flags(),
    )
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=lora_config(cfg),
    )
    trainer.train()
    return save_checkpoint(trainer.model, tokenizer, cfg.sft_dir, cfg, trainer.state.log_history)
