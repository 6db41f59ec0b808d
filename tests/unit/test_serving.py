"""The LangServe app in-process (no models loaded): what a request may set, and how it is refused."""

import pytest
from fastapi.testclient import TestClient

from m2io_graph.config import M2IOConfig
from m2io_graph.errors import EMPTY_QUERY
from m2io_graph.serving.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    cfg = M2IOConfig(generator="extractive", store_dir=str(tmp_path_factory.mktemp("store")))
    with TestClient(create_app(cfg, warm_up=False)) as client:
        yield client


def settings_schema(client: TestClient) -> dict:
    schema = client.get("/m2io/config_schema").json()
    return schema["$defs"]["M2IOClientSettings"]


def test_config_schema_lists_the_request_settings_from_the_config(client):
    settings = settings_schema(client)
    assert settings["additionalProperties"] is False
    k = settings["properties"]["k"]
    assert (k["default"], k["minimum"], k["maximum"]) == (4, 1, 50)
    assert k["description"].startswith("How many chunks")
    assert settings["properties"]["generator"]["default"] == "extractive"
    assert "rule" in settings["properties"]["inserter"]["enum"]
    assert "store_dir" not in settings["properties"]


@pytest.mark.parametrize(
    ("configurable", "message"),
    [
        ({"max_candidates": 99}, "max_candidates: Input should be less than or equal to 32"),
        ({"rule_threshold": 2}, "rule_threshold: Input should be less than or equal to 1"),
        ({"generator": "gguf:/etc/passwd"}, "configurable.generator"),
        ({"store_dir": "/etc"}, "not a per-request setting"),
    ],
)
def test_settings_out_of_bounds_are_refused_before_the_graph_runs(client, configurable, message):
    body = {"input": {"query": "x"}, "config": {"configurable": configurable}}
    for path in ("/m2io/invoke", "/m2io/stream"):
        response = client.post(path, json=body)
        assert response.status_code == 422 and message in response.json()["error"]


def test_an_empty_query_gets_the_one_message(client):
    response = client.post("/m2io/invoke", json={"input": {"query": "  "}})
    assert response.status_code == 422 and EMPTY_QUERY in response.json()["error"]
