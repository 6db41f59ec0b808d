"""`run_grpo` hands trl the reward list the reward tests check, without loading a model."""

import trl
from datasets import Dataset, DatasetDict

from m2io_graph.rewards import grpo_rewards
from training import grpo
from training.config import TrainConfig

ROW = {"prompt": [], "gold": [], "n_sentences": 1, "n_candidates": 1, "completion": []}


def test_grpo_trains_on_grpo_rewards(monkeypatch, tmp_path):
    seen: dict = {}
    monkeypatch.setattr(trl, "GRPOTrainer", lambda **kwargs: seen.update(kwargs) or seen)
    monkeypatch.setattr(grpo, "load_base", lambda cfg: ("model", "tokenizer"))
    monkeypatch.setattr(
        grpo, "load_inserter_dataset", lambda path: DatasetDict(train=Dataset.from_list([ROW]))
    )
    monkeypatch.setattr(grpo, "train_and_save", lambda trainer, tokenizer, out, cfg: out)
    cfg = TrainConfig(output_dir=str(tmp_path), alpha=0.6, selection="recall")
    assert grpo.run_grpo(cfg) == cfg.grpo_dir
    expected = grpo_rewards(0.6, "recall")
    assert seen["reward_funcs"] == expected.funcs
    assert seen["args"].reward_weights == expected.weights
    assert seen["train_dataset"].column_names == grpo.REWARD_COLUMNS
