"""The LangServe app in-process (no models loaded): what a request may set, how it is refused,
and who may ask (the API key)."""

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


KEY = "s3cret-key"


@pytest.fixture(scope="module")
def locked(tmp_path_factory):
    """The same app with an API key."""
    cfg = M2IOConfig(generator="extractive", store_dir=str(tmp_path_factory.mktemp("locked")))
    with TestClient(create_app(cfg, api_key=KEY, warm_up=False)) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/answer?q=x"),
        ("get", "/docs"),
        ("get", "/openapi.json"),
        ("get", "/m2io/config_schema"),
        ("get", "/m2io/playground/"),
        ("post", "/m2io/invoke"),
        ("post", "/m2io/stream"),
        ("get", "/v1/models"),
        ("post", "/v1/chat/completions"),
    ],
)
def test_every_route_but_health_needs_the_key(locked, method, path):
    for headers, reason in (
        ({}, "missing API key"),
        ({"Authorization": "Bearer wrong"}, "wrong API key"),
        ({"Authorization": KEY}, "wrong API key"),  # the key without its scheme
        ({"Authorization": f"Basic {KEY}"}, "wrong API key"),
    ):
        response = getattr(locked, method)(path, headers=headers)
        assert response.status_code == 401, (path, headers)
        assert response.headers["www-authenticate"] == "Bearer"
        error = response.json()["error"]
        if path.startswith("/v1/"):  # OpenAI's shape, which OpenAI clients show
            assert error["code"] == "invalid_api_key" and reason in error["message"]
        else:
            assert reason in error


def test_the_key_opens_the_routes_and_health_stays_open(locked):
    assert locked.get("/health").status_code == 200
    for scheme in ("Bearer", "bearer"):
        response = locked.get("/m2io/config_schema", headers={"Authorization": f"{scheme} {KEY}"})
        assert response.status_code == 200
    bad = locked.post(
        "/m2io/invoke",
        json={"input": {"query": " "}},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    assert bad.status_code == 422, "past the key, requests are checked as before"


def test_a_refused_request_is_not_read(locked):
    """The key is checked before the body: a stranger cannot make the server buffer 2 MB."""
    response = locked.post("/m2io/invoke", content=b"x" * 2_000_000)
    assert response.status_code == 401


def test_cors_is_off(client):
    """No CORS headers: a web page of another origin cannot read the answers."""
    origin = {"Origin": "https://evil.example"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    preflight = client.options(
        "/m2io/invoke", headers=origin | {"Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_a_blank_key_is_refused_rather_than_serving_open(tmp_path):
    cfg = M2IOConfig(generator="extractive", store_dir=str(tmp_path))
    for blank in ("", "  "):
        with pytest.raises(ValueError, match="API key is empty"):
            create_app(cfg, api_key=blank, warm_up=False)


def test_a_batch_answers_its_questions_one_after_another():
    from starlette.requests import Request

    from m2io_graph.serving.app import one_at_a_time

    def request(path: str) -> Request:
        return Request({"type": "http", "method": "POST", "path": path, "headers": []})

    config = {"configurable": {"k": 2}}
    assert one_at_a_time(config, request("/m2io/batch")) == {**config, "max_concurrency": 1}
    assert one_at_a_time(config, request("/m2io/c/N4Xy/batch")) == {**config, "max_concurrency": 1}
    assert one_at_a_time(config, request("/m2io/invoke")) == config
