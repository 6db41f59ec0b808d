"""The inserter dataset on disk: built from a store and saved (`m2io train data`), loaded and
merged for training and evaluation, with its per-split counts (`stats.json`).

The datasets under data/inserter/ (git-ignored) are rebuilt with::

    scripts/fetch_manuals.sh gnucash && m2io ingest data/manuals/gnucash --store /tmp/gnucash-store
    m2io train data --store /tmp/gnucash-store --corpus gnucash --variants 2 --negatives 0.5 \\
        --out data/inserter/gnucash
    scripts/fetch_handbook.sh && m2io ingest data/debian-handbook-full --store /tmp/handbook-store
    m2io train data --store /tmp/handbook-store --corpus debian-handbook --all-test \\
        --out data/inserter/handbook
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from datasets import Dataset, DatasetDict, concatenate_datasets, load_from_disk
from tqdm.auto import tqdm

from m2io_graph.corpus.store import CorpusStore, StoreError
from training.dataset_options import DataOptions
from training.dataset_schema import FEATURES, Example
from training.examples import Hinter, build_examples
from training.splits import SPLITS

log = logging.getLogger(__name__)


def placements(examples: Sequence[Example]) -> dict[str, int]:
    """Gold images before the first sentence, between two sentences, and after the last."""
    afters = [(g["after"], e["n_sentences"]) for e in examples for g in e["gold"]]
    return {
        "gold_first": sum(after == 0 for after, _ in afters),
        "gold_interior": sum(0 < after < n for after, n in afters),
        "gold_last": sum(after >= n > 0 for after, n in afters),
    }


def dataset_stats(examples: Sequence[Example]) -> dict[str, dict[str, int]]:
    """Per split and overall: examples, positives, negatives, gold images, candidates, documents,
    and where the gold images sit: before the first sentence (`after` 0), inside the passage, or
    after its last sentence. Corpora differ most in these shares (headings vs "as shown below:"),
    which is what an inserter has to learn."""
    stats: dict[str, dict[str, int]] = {}
    for split in (*SPLITS, "all"):
        rows = [e for e in examples if split in (e["split"], "all")]
        positives = sum(bool(e["gold"]) for e in rows)
        stats[split] = {
            "examples": len(rows),
            "positives": positives,
            "negatives": len(rows) - positives,
            "gold_images": sum(len(e["gold"]) for e in rows),
            "candidates": sum(e["n_candidates"] for e in rows),
            "documents": len({e["doc_id"] for e in rows}),
            **placements(rows),
        }
    return stats


def save_dataset(examples: Sequence[Example], out: Path) -> dict[str, dict[str, int]]:
    """Write `out` as a DatasetDict (`save_to_disk`), `<split>.jsonl` files and `stats.json`."""
    out.mkdir(parents=True, exist_ok=True)
    rows = {split: [e for e in examples if e["split"] == split] for split in SPLITS}
    # Column by column: `from_list([])` would make an empty split without its columns.
    columns = {s: {k: [dict(row)[k] for row in r] for k in FEATURES} for s, r in rows.items()}
    splits = {s: Dataset.from_dict(c, features=FEATURES) for s, c in columns.items()}
    # One shard each: datasets writes an empty split as no shard at all, then cannot load it.
    DatasetDict(splits).save_to_disk(str(out), num_shards=dict.fromkeys(SPLITS, 1))
    for split, split_rows in rows.items():
        lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in split_rows)
        (out / f"{split}.jsonl").write_text("".join(lines), encoding="utf-8")
    stats = dataset_stats(examples)
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return stats


def build_inserter_dataset(
    store: CorpusStore,
    out: Path,
    options: DataOptions,
    *,
    corpus: str,
    hinter: Hinter | None = None,
    progress: bool = True,
) -> dict[str, dict[str, int]]:
    """Read every chunk of `store`, build the examples and save them to `out`; returns the stats."""
    chunks = list(
        tqdm(store.iter_chunks(), total=store.count(), desc="read chunks", disable=not progress)
    )
    if not chunks:
        raise StoreError(f"the store at {store.location} is empty: run `m2io ingest PATH` first")
    if not any(c.paragraph_ends for c in chunks):
        log.warning(
            "the store at %s was ingested before chunks kept their paragraph ends: the prompts "
            "will not show paragraphs; ingest the documents again into a new store",
            store.location,
        )
    return save_dataset(build_examples(chunks, options, corpus, hinter), out)


def load_inserter_dataset(path: str | Path | Sequence[str | Path]) -> DatasetDict:
    """A dataset written by `m2io train data`, with its train/validation/test splits; several
    are merged (`merge_inserter_datasets`), so one run can train on more than one corpus."""
    if not isinstance(path, str | Path):
        return merge_inserter_datasets([load_inserter_dataset(p) for p in path])
    if not (Path(path) / "dataset_dict.json").is_file():
        raise FileNotFoundError(
            f"{path}: no inserter dataset here; build one with `m2io train data --out {path}`"
        )
    return load_from_disk(str(path))


def merge_inserter_datasets(parts: Sequence[DatasetDict]) -> DatasetDict:
    """Several built datasets as one, split by split: e.g. a corpus split 80/10/10 with another
    built `all_test`, to train on the first and test on both (`corpus` tells them apart)."""
    merged = DatasetDict({s: concatenate_datasets([p[s] for p in parts]) for s in SPLITS})
    ids = [i for split in merged.values() for i in split["id"]]
    if len(ids) != len(set(ids)):
        raise ValueError("the datasets share example ids: the same corpus was given twice")
    return merged
