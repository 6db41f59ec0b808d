"""GRPO on outcome rewards (format, selection, position) with trl's `GRPOTrainer`.

Starts from the SFT adapter when there is one (the paper's warm start) and keeps training the
same adapter, so the result is again one small LoRA checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from m2io_graph.inserter.checkpoints import is_adapter
from m2io_graph.rewards import format_reward, make_selection_reward, position_reward, reward_weights
from training.config import TrainConfig
from training.data import load_inserter_dataset
from training.modeling import load_base, lora_config, save_checkpoint, trainer_flags

REWARD_COLUMNS = ["prompt", "gold", "n_sentences", "n_candidates"]


def run_grpo(cfg: TrainConfig, *, init: str | None = None, limit: int | None = None) -> Path:
    """Train from `init` (default: `<output_dir>/sft` if it exists, else a fresh adapter)."""
    from trl import GRPOConfig, GRPOTrainer

    model, tokenizer = load_base(cfg)
    start = init or (str(cfg.sft_dir) if is_adapter(str(cfg.sft_dir)) else None)
    peft_config = lora_config(cfg)
    if start:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, start, is_trainable=True)
        peft_config = None
    train = load_inserter_dataset(cfg.dataset)["train"]
    train = train.filter(lambda row: row["n_candidates"] > 0).select_columns(REWARD_COLUMNS)
    if limit:
        train = train.select(range(min(limit, len(train))))
    settings = cfg.grpo
    args = GRPOConfig(
        output_dir=str(cfg.grpo_dir),
        max_steps=settings.steps,
        per_device_train_batch_size=settings.batch_size,
        num_generations=settings.num_generations,
        max_completion_length=settings.max_completion_length,
        learning_rate=settings.learning_rate,
        temperature=settings.temperature,
        beta=settings.beta,
        reward_weights=reward_weights(settings.alpha),
        use_vllm=settings.use_vllm,
        gradient_checkpointing=False,
        **trainer_flags(),
    )
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[format_reward, make_selection_reward(settings.selection), position_reward],
        args=args,
        train_dataset=train,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    trainer.train()
    return save_checkpoint(trainer.model, tokenizer, cfg.grpo_dir, cfg, trainer.state.log_history)
