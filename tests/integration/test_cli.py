"""The `m2io` console script, run as a user runs it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

M2IO = str(Path(sys.executable).with_name("m2io"))


def m2io(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [M2IO, *args, "--store", str(store)] if args[0] in {"ingest", "ask"} else [M2IO, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.parametrize("command", [[], ["ingest"], ["ask"]])
def test_help_for_each_command(command):
    out = subprocess.run(
        [M2IO, *command, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "usage: m2io" in out


def test_ingest_then_ask_with_json_and_html(demo_dir, tmp_path):
    store = tmp_path / "store"
    ingested = m2io("ingest", str(demo_dir), "--quiet", store=store)
    assert ingested.returncode == 0, ingested.stderr
    assert "chunks added" in ingested.stdout
    page = tmp_path / "answer.html"
    asked = m2io(
        "ask",
        "How do I forward a local port through SSH?",
        "--json",
        "--html",
        str(page),
        "--generator",
        "extractive",
        "--k",
        "3",
        "--inserter",
        "rule",
        store=store,
    )
    assert asked.returncode == 0, asked.stderr
    result = json.loads(asked.stdout)
    assert len(result["documents"]) == 3 and result["inserter"] == "rule"
    assert result["insertions"], "the SSH question should be illustrated"
    html = page.read_text()
    assert html.count("<figure") == len(result["insertions"]) and "data:image/png;base64," in html


def test_plain_answer_is_markdown(demo_store):
    store = Path(demo_store["store_dir"])
    asked = m2io(
        "ask", "What does SELinux use contexts for?", "--generator", "extractive", store=store
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.strip() and not asked.stdout.lstrip().startswith("{")


def test_empty_question_exits_2(tmp_path):
    asked = m2io("ask", "   ", store=tmp_path / "s")
    assert asked.returncode == 2 and "empty" in asked.stderr


def test_empty_store_exits_1_with_advice(tmp_path):
    asked = m2io("ask", "anything?", store=tmp_path / "empty")
    assert asked.returncode == 1 and "m2io ingest" in asked.stderr


def test_unknown_inserter_exits_2(demo_store):
    store = Path(demo_store["store_dir"])
    asked = m2io(
        "ask", "What is APT?", "--inserter", "nope", "--generator", "extractive", store=store
    )
    assert asked.returncode == 2 and "unknown inserter 'nope'" in asked.stderr


def test_missing_path_is_a_clear_error(tmp_path):
    ingested = m2io("ingest", str(tmp_path / "nothing-here"), store=tmp_path / "s")
    assert ingested.returncode != 0 and "nothing-here" in ingested.stderr
