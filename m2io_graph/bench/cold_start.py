"""First-answer latency of `m2io ask` from a new process: imports, model loads and one answer,
what a user waits for after typing the command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any


def time_ask(question: str, store_dir: str, extra: Sequence[str]) -> float:
    """Wall seconds of one `m2io ask` in a fresh interpreter; a failure is an error, not a time."""
    command = [sys.executable, "-m", "m2io_graph.cli", "ask", question, "--store", store_dir]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, *extra], capture_output=True, text=True, env={**os.environ}, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"`m2io ask {' '.join(extra)}` failed: {done.stderr.strip()[-400:]}")
    return seconds


def measure_cold_start(question: str, store_dir: str, generator: str) -> dict[str, Any]:
    return {
        "generator": generator,
        "ask_s": time_ask(question, store_dir, ["--generator", generator]),
        "ask_r1_s": time_ask(question, store_dir, ["--generator", generator, "--inserter", "r1"]),
    }
