"""Real SFT and GRPO steps on the CPU: weights change, rewards are logged, checkpoints load."""

import pytest
import torch
from safetensors.torch import load_file

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.inserter.chat_model import InserterChatModel
from m2io_graph.inserter.checkpoints import default_checkpoint
from m2io_graph.inserter.prompt import build_messages
from training.config import TrainConfig
from training.dataset_io import save_dataset
from training.dataset_options import DataOptions
from training.examples import build_examples
from training.grpo import run_grpo
from training.sft import run_sft

pytestmark = pytest.mark.slow

TOPICS = ["router", "printer", "keyboard", "firewall", "monitor", "scanner"]


def image(doc: str, name: str, after: int) -> dict:
    return {
        "id": f"{doc}-{name}",
        "path": f"/{name}.png",
        "alt": f"The {name} window",
        "caption": f"The {name} settings window",
        "context": "",
        "doc_id": doc,
        "after": after,
    }


def chunks() -> list[StoredChunk]:
    made = []
    for n, topic in enumerate(TOPICS):
        sentences = [
            f"Open the {topic} menu.",
            f"The {topic} window lists every option.",
            "Press Save when done.",
        ]
        made.append(
            StoredChunk(
                f"doc{n}", topic, f"/{topic}.html", 0, sentences, [image(f"doc{n}", topic, 2)]
            )
        )
    return made


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("inserter-data")
    examples = build_examples(
        chunks(), DataOptions(train=1.0, validation=0.0, negatives=0), "synthetic"
    )
    save_dataset(examples, out)
    return str(out)


def lora_tensors(folder) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "adapter_model.safetensors"))


def test_sft_steps_save_an_adapter_that_loads_as_r1(dataset, tmp_path):
    cfg = TrainConfig(
        dataset=dataset,
        output_dir=str(tmp_path),
        lora={"r": 4, "lora_alpha": 16, "lora_dropout": 0.05, "target_modules": "all-linear"},
        sft={
            "max_steps": 2,
            "per_device_train_batch_size": 2,
            "learning_rate": 1e-3,
            "max_length": 512,
        },
    )
    out = run_sft(cfg)
    assert any(
        "loss" in row for row in __import__("json").loads((out / "log_history.json").read_text())
    )
    weights = lora_tensors(out)
    assert any(name.endswith("lora_B.weight") and t.abs().sum() > 0 for name, t in weights.items())
    sentences = ["Open the router menu.", "The router window lists every option."]
    candidate = {**image("x", "router", 2), "score": 0.0}
    reply = InserterChatModel(checkpoint=str(out), max_new_tokens=8).invoke(
        build_messages(sentences, [candidate])
    )
    assert isinstance(reply.content, str)


def test_grpo_steps_update_weights_and_log_rewards(dataset, tmp_path):
    init = default_checkpoint()
    cfg = TrainConfig(
        dataset=dataset,
        output_dir=str(tmp_path),
        grpo={
            "max_steps": 2,
            "per_device_train_batch_size": 4,
            "num_generations": 4,
            "max_completion_length": 96,  # the shipped adapter copies the hints first
            "learning_rate": 5e-3,
            "temperature": 1.2,
        },
    )
    out = run_grpo(cfg, init=init)
    log = __import__("json").loads((out / "log_history.json").read_text())
    rewarded = [row for row in log if "reward" in row]
    assert len(rewarded) == 2
    assert all("rewards/format_reward/mean" in row for row in rewarded)
    before, after = lora_tensors(__import__("pathlib").Path(init)), lora_tensors(out)
    assert before.keys() == after.keys()
    assert any(not torch.allclose(before[k].float(), after[k].float()) for k in before)
