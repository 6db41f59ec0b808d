"""`InserterChatModel` on the real offline base, a saved LoRA adapter and the shipped checkpoint."""

import json
import re

import pytest
from inserter_prompts import CANDIDATES, SENTENCES
from langchain_core.messages import AIMessageChunk

from m2io_graph.inserter.chat_model import InserterChatModel
from m2io_graph.inserter.checkpoints import CheckpointMissing, load_inserter, resolve_base
from m2io_graph.inserter.grammar import GrammarError, guide, parse
from m2io_graph.inserter.prompt import build_messages

pytestmark = pytest.mark.slow

MESSAGES = build_messages(SENTENCES, CANDIDATES)


def test_invoke_batch_and_stream_on_the_offline_base():
    model = InserterChatModel(checkpoint="smollm2", max_new_tokens=12)
    reply = model.invoke(MESSAGES)
    assert reply.content and reply.usage_metadata["output_tokens"] <= 12
    assert [r.content for r in model.batch([MESSAGES, MESSAGES])] == [reply.content] * 2
    chunks = list(model.stream(MESSAGES))
    assert len(chunks) > 1 and all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.content for c in chunks) == reply.content


def test_guided_decoding_holds_even_the_untrained_base_to_the_grammar():
    messages = build_messages(SENTENCES, CANDIDATES, hints=[(1, 0.71), (2, 0.08)])
    model = InserterChatModel(checkpoint="smollm2", max_new_tokens=96)
    with pytest.raises(GrammarError):  # on its own it does not write the grammar
        parse(str(model.invoke(messages).content), 2, 2)
    regex = guide(2, 2).regex()
    reply = model.invoke(messages, regex=regex)
    assert re.fullmatch(regex, reply.content), reply.content
    assert parse(reply.content, 2, 2) is not None
    assert reply.usage_metadata["output_tokens"] < 96  # it stopped where the grammar ends
    assert "".join(c.content for c in model.stream(messages, regex=regex)) == reply.content


def test_a_lora_adapter_loads_with_a_symbolic_base(tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(resolve_base("smollm2"))
    adapter = get_peft_model(
        base, LoraConfig(r=2, target_modules=["q_proj"], task_type="CAUSAL_LM")
    )
    adapter.save_pretrained(tmp_path / "adapter")
    config = tmp_path / "adapter" / "adapter_config.json"
    config.write_text(
        json.dumps({**json.loads(config.read_text()), "base_model_name_or_path": "smollm2"})
    )
    model, tokenizer = load_inserter(str(tmp_path / "adapter"))
    assert not hasattr(model, "peft_config")  # merged for speed
    reply = InserterChatModel(checkpoint=str(tmp_path / "adapter"), max_new_tokens=4).invoke(
        MESSAGES
    )
    assert isinstance(reply.content, str)


def test_missing_checkpoint_names_the_training_command(tmp_path):
    with pytest.raises(CheckpointMissing, match="m2io train"):
        InserterChatModel(checkpoint=str(tmp_path / "nothing")).invoke(MESSAGES)


def test_r1_strategy_runs_the_shipped_adapter_in_the_graph(demo_store):
    from m2io_graph import build_graph

    result = build_graph(demo_store).invoke(
        {"query": "How do I forward a local port to a remote server through SSH?"},
        {"configurable": {"inserter": "r1"}},
    )
    assert result["inserter"] == "r1" and result["fallback"] is None
    assert {i["image_id"] for i in result["insertions"]} <= {c["id"] for c in result["candidates"]}
