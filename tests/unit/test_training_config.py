import pytest

from training.config import load_config


def test_named_configs_share_one_shape():
    tiny, full = load_config("tiny-cpu"), load_config("full-gpu")
    assert tiny.base_model == "smollm2" and not tiny.grpo.use_vllm
    assert full.grpo.use_vllm and full.grpo.num_generations == 8
    assert tiny.sft_dir.name == "sft" and tiny.grpo_dir.parent == tiny.sft_dir.parent


def test_overrides_and_yaml_paths(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nlora: null\ngrpo:\n  steps: 3\n")
    cfg = load_config(str(path), output_dir="out", dataset=None)
    assert (cfg.name, cfg.lora, cfg.grpo.steps, cfg.output_dir) == ("mine", None, 3, "out")


def test_unknown_names_and_keys_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="tiny-cpu"):
        load_config("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 3\n")
    with pytest.raises(ValueError, match="unknown keys"):
        load_config(str(bad))
