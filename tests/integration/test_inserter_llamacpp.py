"""The trained inserter on llama.cpp: its GGUF form, the same plans as on transformers, and the
`m2io train export` command that writes the form it ships in."""

import json
import shutil
import subprocess
import sys

import pytest
from inserter_prompts import CANDIDATES, SENTENCES

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.inserter.chat_model import InserterChatModel
from m2io_graph.inserter.checkpoints import (
    SHIPPED_ADAPTER,
    CheckpointMissing,
    NotOnLlamaCpp,
    gguf_form,
    resolve_base,
)
from m2io_graph.inserter.gguf_adapter import ADAPTER_FILE, converted_from, weights_sha256
from m2io_graph.inserter.grammar import guide, parse
from m2io_graph.inserter.prompt import build_messages
from m2io_graph.models.llamacpp import LlamaCppChatModel

pytestmark = pytest.mark.slow

EIGHT = {
    "sentences": [
        "Open the Accounts tab to see every account.",
        "The tree lists assets first.",
        "Click New Account to add one, as shown below:",
        "Type the account's name and pick its type.",
        "Press OK to save it.",
        "The register opens when you double-click an account.",
    ],
    "candidates": [
        {
            "id": f"c{n}",
            "path": f"/{n}.png",
            "alt": alt,
            "caption": "",
            "context": "",
            "doc_id": "d",
        }
        for n, alt in enumerate(
            [
                "The Accounts tab",
                "A cat on a sofa",
                "The New Account dialog",
                "A map of Paris",
                "An account register",
                "The Preferences window",
                "The account tree",
                "A printer",
            ]
        )
    ],
    "hints": [(1, 0.62), (2, 0.05), (3, 0.71), (4, 0.1), (6, 0.55), (1, 0.2), (2, 0.48), (5, 0.08)],
    "paragraph_ends": [2, 5, 6],
}


def _prompts():
    yield build_messages(SENTENCES, CANDIDATES, hints=[(1, 0.71), (2, 0.08)]), 2, 2
    messages = build_messages(
        EIGHT["sentences"],
        EIGHT["candidates"],
        hints=EIGHT["hints"],
        paragraph_ends=EIGHT["paragraph_ends"],
    )
    yield messages, 6, 8


def test_the_shipped_adapter_plans_the_same_on_llama_cpp_and_transformers():
    llama = models.inserter_model(M2IOConfig())
    assert isinstance(llama, LlamaCppChatModel) and llama.lora.endswith(ADAPTER_FILE)
    torch_model = models.inserter_model(M2IOConfig(inserter_runtime="transformers"))
    assert isinstance(torch_model, InserterChatModel)
    for messages, n, m in _prompts():
        plans = [
            parse(str(x.invoke(messages, guide=guide(n, m)).content), n, m)
            for x in (llama, torch_model)
        ]
        assert plans[0] == plans[1]


def test_the_shipped_gguf_adapter_matches_its_peft_weights():
    assert converted_from(SHIPPED_ADAPTER / ADAPTER_FILE) == weights_sha256(SHIPPED_ADAPTER)
    assert gguf_form("") == gguf_form(str(SHIPPED_ADAPTER))
    assert gguf_form("")[1] == str(SHIPPED_ADAPTER / ADAPTER_FILE)


@pytest.fixture(scope="module")
def random_adapter(tmp_path_factory):
    """A LoRA whose B is not zero (PEFT starts B at zero, a no-op), saved as training saves it."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(resolve_base("smollm2"))
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "k_proj", "down_proj"], task_type="CAUSAL_LM"
    )
    adapted = get_peft_model(base, config)
    with torch.no_grad():
        for name, weight in adapted.named_parameters():
            if "lora_B" in name:
                weight.normal_(0, 0.02)
    folder = tmp_path_factory.mktemp("adapter") / "grpo"
    adapted.save_pretrained(folder)
    data = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(
        json.dumps({**data, "base_model_name_or_path": "smollm2"})
    )
    (folder / "train_config.json").write_text("{}")
    return folder


def test_export_writes_both_forms_and_llama_cpp_runs_what_transformers_runs(
    random_adapter, tmp_path
):
    out = tmp_path / "shipped"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "m2io_graph.cli",
            "train",
            "export",
            str(random_adapter),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (out / ADAPTER_FILE).is_file() and (out / "adapter_model.safetensors").is_file()
    messages, n, m = next(_prompts())
    texts = []
    for runtime in ("llamacpp", "transformers"):
        chat = models.inserter_model(
            M2IOConfig(inserter_checkpoint=str(out), inserter_runtime=runtime)
        )
        texts.append(str(chat.invoke(messages, guide=guide(n, m)).content))
    assert texts[0] == texts[1]
    base = models.inserter_model(M2IOConfig(inserter_checkpoint="smollm2"))
    assert str(base.invoke(messages).content) != str(
        models.inserter_model(M2IOConfig(inserter_checkpoint=str(out))).invoke(messages).content
    )


def test_a_checkpoint_without_gguf_form_is_converted_and_a_stale_one_replaced(
    random_adapter, tmp_path, monkeypatch
):
    monkeypatch.setenv("M2IO_CACHE", str(tmp_path / "cache"))
    copy = tmp_path / "ckpt"
    shutil.copytree(random_adapter, copy)
    base, adapter = gguf_form.__wrapped__(str(copy))
    assert adapter.startswith(str(tmp_path / "cache" / "adapters"))
    (copy / ADAPTER_FILE).write_bytes(open(adapter, "rb").read())
    assert gguf_form.__wrapped__(str(copy))[1] == str(copy / ADAPTER_FILE)
    weights = copy / "adapter_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-4] + b"\x00\x00\x00\x00")  # retrained since
    assert gguf_form.__wrapped__(str(copy))[1] != str(copy / ADAPTER_FILE)


def test_checkpoints_without_a_gguf_form_say_which_runtime_runs_them(tmp_path):
    with pytest.raises(NotOnLlamaCpp, match="inserter_runtime=transformers"):
        gguf_form.__wrapped__(str(tmp_path))  # a folder, but not a LoRA adapter
    with pytest.raises(CheckpointMissing, match="m2io train"):
        gguf_form.__wrapped__(str(tmp_path / "nothing"))


def test_r1_runs_on_llama_cpp_in_the_graph(demo_store):
    from m2io_graph import build_graph

    question = {"query": "How do I forward a local port to a remote server through SSH?"}
    results = [
        build_graph(demo_store).invoke(
            question, {"configurable": {"inserter": "r1", "inserter_runtime": runtime}}
        )
        for runtime in ("llamacpp", "transformers")
    ]
    for result in results:
        assert result["inserter"] == "r1" and result["fallback"] is None
    assert results[0]["insertions"] == results[1]["insertions"]
