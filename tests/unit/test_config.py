import re
from dataclasses import fields
from pathlib import Path
from typing import TypedDict

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from pydantic import ValidationError, create_model

from m2io_graph import build_graph
from m2io_graph.config import M2IOConfig
from m2io_graph.settings_schema import bounds, request_settings

PER_REQUEST = {
    "k",
    "title_weight",
    "candidate_pages",
    "max_candidates",
    "generator",
    "max_new_tokens",
    "inserter",
    "rule_threshold",
    "min_images",
    "min_candidate_score",
}


def test_defaults_then_env_then_base_then_configurable(monkeypatch):
    monkeypatch.setenv("M2IO_K", "7")
    monkeypatch.setenv("M2IO_INSERTER", "rule")
    assert M2IOConfig.from_env().k == 7
    base = M2IOConfig.from_env().updated({"k": 5, "min_relevance": 0.5})
    cfg = M2IOConfig.from_runnable_config({"configurable": {"k": "3", "thread_id": "x"}}, base=base)
    assert (cfg.k, cfg.min_relevance, cfg.inserter) == (3, 0.5, "rule")


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


def test_every_setting_declares_its_meaning_and_the_per_request_ones_their_bounds():
    assert all(f.metadata["description"] for f in fields(M2IOConfig))
    assert {f.name for f in fields(M2IOConfig) if f.metadata["request"]} == PER_REQUEST
    assert bounds("k") == {"ge": 1, "le": 50} and bounds("max_candidates") == {"ge": 0, "le": 32}
    assert "alpha" not in {f.name for f in fields(M2IOConfig)}, "training keeps its own alpha"


def test_request_settings_take_defaults_from_the_config_and_hold_requests_to_bounds():
    settings = request_settings(M2IOConfig(k=6), choices={"inserter": ["rule", "r1"]})
    schema = settings.model_json_schema()["properties"]
    assert set(schema) == PER_REQUEST and schema["k"]["default"] == 6
    assert schema["inserter"]["enum"] == ["rule", "r1"]
    assert settings(max_candidates="3").max_candidates == 3
    for bad in ({"max_candidates": 33}, {"k": 0}, {"rule_threshold": 1.5}, {"inserter": "x"}):
        with pytest.raises(ValidationError):
            settings(**bad)
    # the bounds survive a rebuild from bare annotations, as LangServe rebuilds the model
    rebuilt = create_model(
        "Rebuilt", **{name: (f.annotation, None) for name, f in settings.model_fields.items()}
    )
    with pytest.raises(ValidationError, match="less than or equal to 32"):
        rebuilt(max_candidates=99)


def test_a_model_object_is_not_a_request_setting():
    model = GenericFakeChatModel(messages=iter(["hi"]))
    assert "generator" not in request_settings({"generator": model}).model_fields


def test_compiled_graph_declares_the_per_request_settings_with_descriptions():
    graph = build_graph({"k": 3, "generator": "extractive"})
    schema = graph.get_context_jsonschema()["properties"]
    assert set(schema) == PER_REQUEST
    meaning = {f.name: f.metadata["description"] for f in fields(M2IOConfig)}
    assert all(schema[name]["description"] == meaning[name] for name in PER_REQUEST)
    assert (schema["k"]["default"], schema["k"]["maximum"]) == (3, 50)
    assert schema["generator"]["default"] == "extractive"


def test_readme_settings_table_marks_the_request_settings_with_their_defaults():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \*request\* \| `?([^`|]+?)`? \|", readme, re.MULTILINE)
    assert {name for name, _ in rows} == PER_REQUEST
    assert all(default == str(getattr(M2IOConfig, name)) for name, default in rows), rows


def test_settings_given_as_run_context_reach_the_nodes_without_overriding_configurable():
    class Seen(TypedDict, total=False):
        k: int
        inserter: str

    def node(state: Seen, config: RunnableConfig) -> Seen:
        cfg = M2IOConfig.from_runnable_config(config)
        return {"k": cfg.k, "inserter": cfg.inserter}

    workflow = StateGraph(Seen, context_schema=request_settings(M2IOConfig()))
    workflow.add_node("node", node)
    workflow.add_edge(START, "node")
    workflow.add_edge("node", END)
    graph = workflow.compile()
    assert graph.invoke({}, context={"k": 2}) == {"k": 2, "inserter": "rule"}
    given = graph.invoke({}, {"configurable": {"inserter": "r1"}}, context={"k": 5})
    assert given == {"k": 5, "inserter": "r1"}
    assert graph.invoke({}, {"configurable": {"k": 7}})["k"] == 7
