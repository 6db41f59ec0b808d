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


def test_fit_the_cues_model_on_the_demo_dataset_and_score_it(
    demo_store: dict, tmp_path: Path
) -> None:
    """`m2io train cues` on a dataset built from a real store with the real embedder, then
    `m2io eval` naming the file it wrote: the user's path to a placement model of their own."""
    data, model = tmp_path / "inserter", tmp_path / "cues" / "cues.json"
    steps = [
        ["train", "data", "--store", demo_store["store_dir"], "--out", str(data), "--quiet"],
        ["train", "cues", "--dataset", str(data), "--out", str(model)],
        [
            "eval",
            "--stage",
            "inserter",
            "--data",
            str(data),
            "--split",
            "train",
            "--quiet",
            "--out",
            str(tmp_path / "eval"),
            "--inserter",
            f"rule,mine={model}",
        ],
    ]
    for step in steps:
        done = subprocess.run([M2IO, *step], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    body = json.loads(model.read_text())
    assert body["kind"] == "m2io-cues" and len(body["trained_on"]) == 1
    assert any(abs(w) > 0.01 for w in body["gap_weights"].values())
    scores = json.loads((tmp_path / "eval" / "scores.json").read_text())
    rows = {row["system"].partition("=")[0]: row for row in scores}
    assert rows["mine"]["format %"] == 100.0 and rows["mine"]["n"] == rows["rule"]["n"] > 10
    # Fitted on these very passages, it must place at least as well as similarity alone.
    assert rows["mine"]["position acc."] >= rows["rule"]["position acc."]
