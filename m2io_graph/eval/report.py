"""Tables, files and plots of an evaluation: what a reader compares across runs and commits.

Plots use matplotlib's Agg backend (no screen on servers and CI) and are written only when
there is something to draw, so a tiny run never produces an empty chart.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Row = Mapping[str, Any]


def markdown_table(rows: Sequence[Row]) -> str:
    """Rows of one shape (rounded by their maker) as a Markdown table, for terminal and README."""
    if not rows:
        return "(no results)"
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    lines += [
        "| " + " | ".join("—" if row.get(c) is None else str(row[c]) for c in columns) + " |"
        for row in rows
    ]
    return "\n".join(lines)


def write_rows(out: Path, name: str, rows: Sequence[Row]) -> list[Path]:
    """`name.csv` and `name.json` of the same rows."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.csv", out / f"{name}.json"]
    with paths[0].open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)
    paths[1].write_text(json.dumps(list(rows), indent=2, ensure_ascii=False), encoding="utf-8")
    return paths


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_metrics(rows: Sequence[Row], metrics: Sequence[str], path: Path) -> Path | None:
    """Grouped bars: one group per metric, one bar per system."""
    if not rows:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(metrics) * len(rows) ** 0.5), 4))
    width = 0.8 / len(rows)
    for i, row in enumerate(rows):
        xs = [m + i * width for m in range(len(metrics))]
        ax.bar(xs, [float(row.get(m) or 0.0) for m in metrics], width, label=str(row["system"]))
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], list(metrics))
    ax.set_ylabel("score (×100)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize="small")
    ax.set_title("Scores per system")
    return _save(fig, plt, path)


def plot_latency(latency: Mapping[str, Mapping[str, float]], path: Path) -> Path | None:
    """Stacked bars: per system, the median seconds of each stage."""
    if not latency:
        return None
    plt = _pyplot()
    systems = list(latency)
    stages = list(dict.fromkeys(stage for s in systems for stage in latency[s]))
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(systems)), 4))
    bottom = [0.0] * len(systems)
    for stage in stages:
        heights = [1000 * latency[s].get(stage, 0.0) for s in systems]
        ax.bar(systems, heights, bottom=bottom, label=stage)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_ylabel("median ms")
    ax.set_title("Latency per stage")
    ax.legend(fontsize="small")
    return _save(fig, plt, path)


def plot_alpha(sweep: Mapping[str, Sequence[tuple[float, float]]], path: Path) -> Path | None:
    """One line per system: the training reward's value as α moves weight between selection
    (α) and position (1 − α)."""
    if not sweep:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for system, points in sweep.items():
        ax.plot([a for a, _ in points], [v for _, v in points], marker="o", label=system)
    ax.set_xlabel("α (weight of selection; 1 − α on position)")
    ax.set_ylabel("format + α·F1 + (1−α)·position")
    ax.set_title("Reward as α varies")
    ax.legend(fontsize="small")
    return _save(fig, plt, path)


def _save(fig: Any, plt: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
