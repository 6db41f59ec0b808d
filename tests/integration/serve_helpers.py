"""Start `m2io serve` as a real process on a free 127.0.0.1 port, and stop it afterwards."""

from __future__ import annotations

import subprocess
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
def m2io_process(
    settings: dict, log: Path, *extra: str, timeout: float = 240
) -> Iterator[tuple[str, subprocess.Popen]]:
    """The base URL and the process, once `/health` answers (models load before the port
    opens). The store is `settings`' `chroma_url` if it has one, else its `store_dir`."""
    port = free_port()
    store = (
        ["--chroma-url", settings["chroma_url"]]
        if settings.get("chroma_url")
        else ["--store", settings["store_dir"]]
    )
    command = [
        M2IO,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *store,
        "--generator",
        settings.get("generator", "extractive"),
        "--inserter",
        "rule",
        *extra,
    ]
    url = f"http://127.0.0.1:{port}"
    with running(command, f"{url}/health", log, timeout=timeout) as server:
        yield url, server


@contextmanager
def m2io_server(settings: dict, log: Path, *extra: str, timeout: float = 240) -> Iterator[str]:
    """The base URL of a running `m2io serve` (see `m2io_process`)."""
    with m2io_process(settings, log, *extra, timeout=timeout) as (url, _):
        yield url
