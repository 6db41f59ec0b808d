"""`m2io train data` on the demo corpus ingested by the real pipeline, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from m2io_graph.inserter.grammar import parse
from training.dataset_io import load_inserter_dataset

M2IO = str(Path(sys.executable).with_name("m2io"))


def test_build_the_dataset_from_the_demo_store(demo_store: dict, tmp_path: Path) -> None:
    out = tmp_path / "inserter"
    built = subprocess.run(
        [M2IO, "train", "data", "--store", demo_store["store_dir"], "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert "positives" in built.stdout and f"wrote {out}" in built.stdout
    stats = json.loads((out / "stats.json").read_text())
    everything = stats["all"]
    # The demo extract has about 20 figures on 11 pages; every one should become gold.
    assert everything["gold_images"] >= 15 and everything["positives"] >= 10
    assert everything["negatives"] == sum(
        stats[s]["negatives"] for s in ("train", "validation", "test")
    )
    assert stats["train"]["positives"] > stats["test"]["positives"]

    dataset = load_inserter_dataset(out)
    docs = {split: set(dataset[split]["doc_id"]) for split in ("train", "validation", "test")}
    assert not (docs["train"] & docs["test"]) and not (docs["train"] & docs["validation"])
    for split in ("train", "validation", "test"):
        assert (out / f"{split}.jsonl").is_file()
        assert len(dataset[split]) == stats[split]["examples"]
        for row in dataset[split]:
            assert row["n_sentences"] <= 10 and row["n_candidates"] <= 8
            plan = parse(row["completion"][0]["content"], row["n_sentences"], row["n_candidates"])
            assert [{"image": i, "after": a} for i, a in plan] == row["gold"]
            assert all(Path(c["path"]).is_file() for c in row["candidates"])
