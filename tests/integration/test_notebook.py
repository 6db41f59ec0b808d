"""notebooks/quickstart.ipynb runs top to bottom offline and shows what it promises.

Executed with nbclient in a real kernel (the venv's own ipykernel), as a reader would run it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"

pytestmark = pytest.mark.slow  # ingest + the r1 inserter's model load: ~2 min on 2 cores


def text_of(cell: Any) -> str:
    """Everything a code cell printed or returned, as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif "data" in output:
            parts.append(
                output["data"].get("text/markdown") or output["data"].get("text/plain", "")
            )
    return "\n".join(parts)


def has_image(cell: Any) -> bool:
    return any("image/png" in output.get("data", {}) for output in cell.get("outputs", []))


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    """The notebook run once in its own folder (as Jupyter would); cells by id."""
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the kernel inherits this process's env
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()  # raises CellExecutionError, with the cell and traceback, on any error
    return {cell["id"]: cell for cell in notebook.cells}


def test_saved_notebook_is_small_and_clean() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell["cell_type"] == "code"]
    assert all(not cell["outputs"] and cell["execution_count"] is None for cell in code)
    assert NOTEBOOK.stat().st_size < 50_000


def test_notebook_runs_and_shows_interleaved_answers(executed: dict[str, Any]) -> None:
    ingested = text_of(executed["ingest"])
    assert "chunks added" in ingested and "0 problems" in ingested
    assert "![" in text_of(executed["ask"])  # the Markdown answer holds an image
    assert has_image(executed["show"]) and has_image(executed["show-r1"])

    streamed = text_of(executed["stream"]).split("\n")
    nodes = [line.split()[0] for line in streamed if line.strip()]
    assert nodes[0] == "retrieve" and nodes[-2:] == ["insert_images", "merge"]
    assert set(nodes[1:3]) == {"generate_text", "extract_candidates"}

    inserters = text_of(executed["inserters"])
    assert "rule: used=rule" in inserters and "r1: used=" in inserters
