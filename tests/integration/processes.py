"""Real server processes for tests: start on a free 127.0.0.1 port, wait until a URL answers,
stop afterwards (kill if it will not stop), and show the server's log when it fails."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(
    command: Sequence[str], ready_url: str, log: Path, *, timeout: float = 120, **popen: Any
) -> Iterator[subprocess.Popen]:
    """The process, once `ready_url` answers 200; fails early with the log if it exits."""
    name = Path(command[0]).name
    with log.open("w") as out:
        server = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                pytest.fail(f"{name} exited with {server.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"{name} not ready within {timeout:.0f} s:\n{log.read_text()[-4000:]}")
            time.sleep(0.3)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
