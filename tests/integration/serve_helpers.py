"""Start `m2io serve` as a real process on a free 127.0.0.1 port, and stop it afterwards."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from processes import free_port, running

M2IO = str(Path(sys.executable).with_name("m2io"))
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
QUESTION = "How do I forward a local port through SSH?"


@contextmanager
def m2io_server(settings: dict, log: Path, *extra: str, timeout: float = 240) -> Iterator[str]:
    """Yield the base URL once `/health` answers (models are loaded before the port opens)."""
    port = free_port()
    command = [
        M2IO,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--store",
        settings["store_dir"],
        "--generator",
        settings.get("generator", "extractive"),
        "--inserter",
        "rule",
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/health", log, timeout=timeout):
        yield url
