"""Shared fixtures. Tests never reach a model hub: everything runs on the offline models."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo" / "debian-handbook"


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> dict:
    """The demo corpus ingested once; tests answer from it with `configurable=demo_store`."""
    from m2io_graph import models
    from m2io_graph.config import M2IOConfig
    from m2io_graph.corpus.ingest import ingest

    store_dir = str(tmp_path_factory.mktemp("demo-store"))
    settings = {"store_dir": store_dir, "generator": "extractive"}
    report = ingest(DEMO, models.corpus_store(M2IOConfig().updated(settings)), progress=False)
    assert report.chunks_added > 0
    return settings
