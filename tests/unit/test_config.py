import pytest
from langchain_core.language_models import GenericFakeChatModel

from m2io_graph.config import M2IOConfig


def test_defaults_then_env_then_base_then_configurable(monkeypatch):
    monkeypatch.setenv("M2IO_K", "7")
    monkeypatch.setenv("M2IO_INSERTER", "rule")
    assert M2IOConfig.from_env().k == 7
    base = M2IOConfig.from_env().updated({"k": 5, "alpha": 0.5})
    cfg = M2IOConfig.from_runnable_config({"configurable": {"k": "3", "thread_id": "x"}}, base=base)
    assert (cfg.k, cfg.alpha, cfg.inserter) == (3, 0.5, "rule")


def test_call_without_configurable_reads_env(monkeypatch):
    monkeypatch.setenv("M2IO_MAX_CANDIDATES", "2")
    assert M2IOConfig.from_runnable_config(None).max_candidates == 2


def test_unknown_keys_are_ignored_and_bad_values_named():
    assert M2IOConfig().updated({"nonsense": 1}) == M2IOConfig()
    with pytest.raises(ValueError, match="'k' expects int"):
        M2IOConfig().updated({"k": "many"})


def test_model_objects_pass_through_configurable():
    model = GenericFakeChatModel(messages=iter(["hi"]))
    cfg = M2IOConfig.from_runnable_config({"configurable": {"generator": model}})
    assert cfg.generator is model


def test_optional_url_becomes_string():
    cfg = M2IOConfig().updated({"chroma_url": "http://127.0.0.1:8000"})
    assert cfg.chroma_url == "http://127.0.0.1:8000"


def test_switches_read_words_not_truthiness(monkeypatch):
    monkeypatch.setenv("M2IO_INSERTER_GUIDED", "false")
    assert M2IOConfig.from_env().inserter_guided is False
    assert M2IOConfig().updated({"inserter_guided": " On "}).inserter_guided is True
    assert M2IOConfig().updated({"inserter_guided": False}).inserter_guided is False
    with pytest.raises(ValueError, match="'inserter_guided' expects true or false"):
        M2IOConfig().updated({"inserter_guided": "maybe"})
