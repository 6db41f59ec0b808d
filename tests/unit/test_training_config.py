import dataclasses

import pytest

from training.config import TrainConfig, load_config


@pytest.mark.parametrize("name", ["tiny-cpu", "many-cpu", "full-gpu"])
def test_each_yaml_section_builds_the_real_library_config(name):
    from peft import LoraConfig
    from trl import GRPOConfig, SFTConfig

    cfg = load_config(name)
    sft, grpo, lora = cfg.sft_args(), cfg.grpo_args(), cfg.lora_args()
    assert isinstance(sft, SFTConfig) and isinstance(grpo, GRPOConfig)
    assert isinstance(lora, LoraConfig) and lora.task_type == "CAUSAL_LM"
    for args, section in ((sft, cfg.sft), (grpo, cfg.grpo), (lora, cfg.lora)):
        assert {key: getattr(args, key) for key in section} == section
    assert (sft.output_dir, grpo.output_dir) == (str(cfg.sft_dir), str(cfg.grpo_dir))
    assert grpo.reward_weights == cfg.rewards().weights == [1.0, cfg.alpha, 1.0 - cfg.alpha]
    # What the code adds: one log row a step, no trainer saves (save_checkpoint does it).
    assert (sft.logging_steps, sft.save_strategy, sft.completion_only_loss) == (1, "no", True)
    assert (grpo.logging_steps, grpo.activation_checkpointing) == (1, False)


def test_named_configs_share_one_shape():
    tiny, full = load_config("tiny-cpu"), load_config("full-gpu")
    assert tiny.base_model == "smollm2" and not tiny.grpo["use_vllm"]
    assert full.grpo["use_vllm"] and full.grpo["num_generations"] == 8
    assert tiny.sft_dir.name == "sft" and tiny.grpo_dir.parent == tiny.sft_dir.parent
    assert tiny.sft.keys() == full.sft.keys() and tiny.grpo.keys() == full.grpo.keys()


def test_overrides_and_yaml_paths(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nlora: null\nalpha: 0.5\ngrpo:\n  max_steps: 3\n")
    cfg = load_config(str(path), output_dir="out", dataset=None)
    assert (cfg.name, cfg.lora, cfg.grpo, cfg.output_dir) == ("mine", None, {"max_steps": 3}, "out")
    assert cfg.lora_args() is None and cfg.sft == {}
    assert cfg.grpo_args().reward_weights == [1.0, 0.5, 0.5]


def test_unknown_names_and_keys_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="tiny-cpu"):
        load_config("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("epochs: 3\n")
    with pytest.raises(ValueError, match="unknown keys"):
        load_config(str(bad))
    bad.write_text("sft: 3\n")
    with pytest.raises(ValueError, match="mapping"):
        load_config(str(bad))


@pytest.mark.parametrize(
    ("section", "arguments", "message"),
    [
        ("sft", {"epochs": 1}, r"\['epochs'\] are not arguments of .*SFTConfig"),
        ("grpo", {"steps": 16}, r"\['steps'\] are not arguments of .*GRPOConfig"),
        ("lora", {"alpha": 16}, r"\['alpha'\] are not arguments of .*LoraConfig"),
        ("grpo", {"reward_weights": [1, 1, 1]}, "set by the project"),
        ("sft", {"output_dir": "elsewhere"}, "set by the project"),
    ],
)
def test_bad_trainer_arguments_are_named(section, arguments, message):
    cfg = dataclasses.replace(TrainConfig(), **{section: arguments})
    build = {"sft": cfg.sft_args, "grpo": cfg.grpo_args, "lora": cfg.lora_args}[section]
    with pytest.raises(ValueError, match=message):
        build()
