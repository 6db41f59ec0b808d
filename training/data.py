"""The inserter's training data, built from any ingested store.

An ingested chunk already holds what the inserter must learn: its sentences, and each image with
the sentence it followed in the source (`after`). One example is one passage: its sentences (a
window of at most ten), its images shuffled among as many distractor images from other
documents, and the gold plan written by `grammar.format_plan` as the completion, after a
`<think>` that copies each image's hint, with each gold image's answer entry after its hint
(`prompt.hint_notes`), when there are hints. The prompt shows
the passage's paragraphs as the source had them (`StoredChunk.paragraph_ends`). Passages without
images, shown one or two distractors, teach the model that `[]` is an answer too.

Splits go by document (see `assign_splits`), so no page lends passages to both training and
test; `all_test` puts a whole held-out corpus in test. Every random choice comes from a generator
seeded with the seed and the chunk's id, so the same store and seed give the same dataset
whatever order Chroma returns the chunks in.

The datasets under data/inserter/ (git-ignored) are rebuilt with::

    scripts/fetch_gnucash.sh && m2io ingest data/gnucash-docs --store /tmp/gnucash-store
    m2io train data --store /tmp/gnucash-store --corpus gnucash --variants 2 \\
        --out data/inserter/gnucash
    scripts/fetch_handbook.sh && m2io ingest data/debian-handbook-full --store /tmp/handbook-store
    m2io train data --store /tmp/handbook-store --corpus debian-handbook --all-test \\
        --out data/inserter/handbook
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import cast

from datasets import (
    Dataset,
    DatasetDict,
    Features,
    List,
    Value,
    concatenate_datasets,
    load_from_disk,
)
from tqdm.auto import tqdm
from typing_extensions import TypedDict

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.corpus.store import CorpusStore, StoreError
from m2io_graph.inserter.grammar import format_plan
from m2io_graph.inserter.prompt import Hint, build_messages, hint_notes, to_chat_dicts
from m2io_graph.state import Candidate, ImageRef

log = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
Hinter = Callable[[list[str], list[Candidate]], list[Hint]]


class CandidateRow(TypedDict):
    """A candidate image as the prompt shows it (numbered by its place in the list)."""

    id: str
    path: str
    alt: str
    caption: str
    context: str
    """The sentence it followed in its source; "" unless built `with_context`."""
    doc_id: str


class GoldRow(TypedDict):
    image: int
    """1-based index into `candidates`."""
    after: int
    """Sentence it follows, 0 = before the first."""


class Message(TypedDict):
    role: str
    content: str


class Example(TypedDict):
    """One row: the columns trl's trainers and `m2io_graph.rewards` read."""

    id: str
    doc_id: str
    corpus: str
    split: str
    sentences: list[str]
    candidates: list[CandidateRow]
    gold: list[GoldRow]
    n_sentences: int
    n_candidates: int
    paragraph_ends: list[int]
    """Sentences of the window that close a paragraph of the source ([] when unknown)."""
    prompt: list[Message]
    completion: list[Message]


_TEXT = Value("string")
_MESSAGES = List({"role": _TEXT, "content": _TEXT})
FEATURES = Features(
    {
        "id": _TEXT,
        "doc_id": _TEXT,
        "corpus": _TEXT,
        "split": _TEXT,
        "sentences": List(_TEXT),
        "candidates": List({name: _TEXT for name in CandidateRow.__annotations__}),
        "gold": List({"image": Value("int32"), "after": Value("int32")}),
        "n_sentences": Value("int32"),
        "n_candidates": Value("int32"),
        "paragraph_ends": List(Value("int32")),
        "prompt": _MESSAGES,
        "completion": _MESSAGES,
    }
)
"""Declared, so that an empty split still has every column and datasets can be concatenated."""


@dataclass(frozen=True)
class DataOptions:
    """How examples are drawn from the chunks."""

    seed: int = 0
    negatives: float = 0.25
    """Image-free examples per positive one, in each split."""
    max_candidates: int = 8
    """Gold and distractors come 1:1, so at most half of this many images are gold."""
    max_gold: int = 4
    max_sentences: int = 10
    """Longer passages are cut to a window that holds their images: the default inserter reads
    a few hundred tokens."""
    train: float = 0.8
    validation: float = 0.1
    """Shares of the documents in train and validation; test gets the rest."""
    variants: int = 1
    """Draws of each training passage: its window, distractors and candidate order drawn anew
    each time. A small model shown the same candidate list every epoch learns which number is
    gold instead of reading the hints; fresh draws cost nothing and validation and test keep
    one draw each, so their figures stay comparable."""
    all_test: bool = False
    """Every example in test: for a corpus held out from training."""
    with_context: bool = False
    """Show candidates with the sentence they followed in their source. Off by default: for a
    gold image that sentence is its gold sentence, and the model would learn to match strings
    instead of meanings."""

    def __post_init__(self) -> None:
        if min(self.max_gold, self.max_sentences, self.variants) < 1 or self.max_candidates < 2:
            raise ValueError("max_candidates must be ≥ 2; max_gold, max_sentences, variants ≥ 1")
        if self.negatives < 0 or not 0 <= self.train <= self.train + self.validation <= 1:
            raise ValueError("negatives must be ≥ 0 and train + validation between 0 and 1")


def window(
    sentences: Sequence[str],
    images: Sequence[ImageRef],
    size: int,
    rng: Random,
    paragraph_ends: Sequence[int] = (),
) -> tuple[list[str], list[ImageRef], list[int]]:
    """At most `size` consecutive sentences holding as many of `images` as possible, and those
    images with `after`, and the paragraph ends, renumbered within the window.

    An image is held when the sentence it follows is in the window, or it opens the passage;
    ties between windows are broken by `rng`.
    """
    starts = range(max(len(sentences) - size, 0) + 1)

    def held(start: int) -> list[ImageRef]:
        return [i for i in images if start < i["after"] <= start + size or i["after"] == start == 0]

    best = max(len(held(s)) for s in starts)
    start = rng.choice([s for s in starts if len(held(s)) == best])
    renumbered = [cast(ImageRef, {**i, "after": i["after"] - start}) for i in held(start)]
    ends = [e - start for e in paragraph_ends if start < e <= start + size]
    return list(sentences[start : start + size]), renumbered, ends


def assign_splits(chunks: Iterable[StoredChunk], options: DataOptions) -> dict[str, str]:
    """doc_id → split. Documents are taken in the order of a hash of their id (stable across
    runs, seeds and machines) and cut where the running count of passages with images passes
    the train and validation shares, judged at each document's middle.

    Cutting by count rather than by each hash alone keeps the shares near 80/10/10 on small
    corpora, where one long page would otherwise fill a split. The price: adding documents can
    move a document across a cut, so a corpus meant to stay unseen is built on its own with
    `all_test`.
    """
    weights: dict[str, int] = {}
    for chunk in chunks:
        weights[chunk.doc_id] = weights.get(chunk.doc_id, 0) + bool(chunk.images)
    if options.all_test:
        return dict.fromkeys(weights, "test")
    total, done, splits = max(sum(weights.values()), 1), 0, {}
    for doc_id in sorted(weights, key=lambda d: (hashlib.sha256(d.encode()).digest(), d)):
        middle = (done + weights[doc_id] / 2) / total
        done += weights[doc_id]
        if middle < options.train:
            splits[doc_id] = "train"
        else:
            splits[doc_id] = "validation" if middle < options.train + options.validation else "test"
    return splits


class _Distractors:
    """Every distinct image of the corpus, to draw distractors from other documents."""

    def __init__(self, chunks: Sequence[StoredChunk]) -> None:
        self._images: dict[str, ImageRef] = {}
        self._docs: dict[str, set[str]] = {}
        for image in (i for c in chunks for i in c.images):
            self._images.setdefault(image["id"], image)
            self._docs.setdefault(image["id"], set()).add(image["doc_id"])
        self._ids = sorted(self._images)

    def draw(self, rng: Random, count: int, doc_id: str, exclude: set[str]) -> list[ImageRef]:
        """`count` images that appear in no passage of `doc_id` (fewer if the corpus lacks them)."""
        allowed = [i for i in self._ids if i not in exclude and doc_id not in self._docs[i]]
        return [self._images[i] for i in rng.sample(allowed, min(count, len(allowed)))]


def _example(
    chunk: StoredChunk,
    variant: int,
    corpus: str,
    split: str,
    passage: tuple[list[str], list[int]],
    gold: list[ImageRef],
    distractors: list[ImageRef],
    rng: Random,
    options: DataOptions,
    hinter: Hinter | None,
) -> Example:
    candidates = [
        CandidateRow(
            id=i["id"],
            path=i["path"],
            alt=i["alt"],
            caption=i["caption"],
            context=i["context"] if options.with_context else "",
            doc_id=i["doc_id"],
        )
        for i in [*gold, *distractors]
    ]
    rng.shuffle(candidates)
    sentences, ends = passage
    number = {c["id"]: n for n, c in enumerate(candidates, start=1)}
    # In image order, as the notes list them: the answer is then the notes filtered, in order.
    pairs = sorted((number[i["id"]], i["after"]) for i in gold)
    shown = cast(list[Candidate], candidates)
    hints = hinter(sentences, shown) if hinter else None
    prompt = build_messages(sentences, shown, hints=hints, paragraph_ends=ends)
    notes = hint_notes(hints, ends, len(sentences), pairs) if hints else ""
    return Example(
        id=f"{corpus}/{chunk.id}" + (f"#{variant}" if variant else ""),
        doc_id=chunk.doc_id,
        corpus=corpus,
        split=split,
        sentences=sentences,
        candidates=candidates,
        gold=[GoldRow(image=image, after=after) for image, after in pairs],
        n_sentences=len(sentences),
        n_candidates=len(candidates),
        prompt=cast(list[Message], to_chat_dicts(prompt)),
        paragraph_ends=ends,
        completion=[Message(role="assistant", content=format_plan(pairs, notes))],
    )


def build_examples(
    chunks: Iterable[StoredChunk], options: DataOptions, corpus: str, hinter: Hinter | None = None
) -> list[Example]:
    """Positive examples from the passages with images, then in each split `options.negatives`
    times as many image-free ones (as many as there are). With a `hinter` the prompts carry the
    closest-sentence hints the graph's model inserters also give."""
    ordered = sorted(chunks, key=lambda c: (c.doc_id, c.position, c.id))
    pool = _Distractors(ordered)
    splits = assign_splits(ordered, options)
    examples: list[Example] = []
    image_free: dict[str, list[StoredChunk]] = {split: [] for split in SPLITS}
    for chunk in ordered:
        split = splits[chunk.doc_id]
        if not chunk.images:
            image_free[split].append(chunk)
            continue
        for variant in range(options.variants if split == "train" else 1):
            rng = Random(f"{options.seed}:{chunk.id}" + (f":{variant}" if variant else ""))
            sentences, held, ends = window(
                chunk.sentences, chunk.images, options.max_sentences, rng, chunk.paragraph_ends
            )
            gold = held[: min(options.max_gold, options.max_candidates // 2)]
            distractors = pool.draw(rng, len(gold), chunk.doc_id, {i["id"] for i in gold})
            examples.append(
                _example(
                    chunk,
                    variant,
                    corpus,
                    split,
                    (sentences, ends),
                    gold,
                    distractors,
                    rng,
                    options,
                    hinter,
                )
            )
    for split, spare in image_free.items():
        positives = sum(e["split"] == split for e in examples)
        wanted = min(round(options.negatives * positives), len(spare))
        for chunk in Random(f"{options.seed}:{split}").sample(spare, wanted):
            rng = Random(f"{options.seed}:{chunk.id}")
            sentences, _, ends = window(
                chunk.sentences, [], options.max_sentences, rng, chunk.paragraph_ends
            )
            distractors = pool.draw(rng, rng.randint(1, 2), chunk.doc_id, set())
            examples.append(
                _example(
                    chunk,
                    0,
                    corpus,
                    split,
                    (sentences, ends),
                    [],
                    distractors,
                    rng,
                    options,
                    hinter,
                )
            )
    return examples


def dataset_stats(examples: Sequence[Example]) -> dict[str, dict[str, int]]:
    """Per split and overall: examples, positives, negatives, gold images, candidates, documents."""
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
