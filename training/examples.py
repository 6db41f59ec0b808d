"""Building the inserter's examples from ingested chunks.

An ingested chunk already holds what the inserter must learn: its sentences, and each image with
the sentence it followed in the source (`after`). One example is one passage: its sentences (a
window of at most `DataOptions.max_sentences`), its images shuffled among as many distractor
images from other documents, and the gold plan written by `grammar.format_plan` as the
completion, after a `<think>` that copies each image's hint, with each gold image's answer entry
after its hint (`prompt.hint_notes`), when there are hints. The prompt shows the passage's
paragraphs as the source had them (`StoredChunk.paragraph_ends`). Passages without images, shown
one or two distractors, teach the model that `[]` is an answer too.

Every random choice comes from a generator seeded with the seed and the chunk's id, so the same
store and seed give the same examples whatever order Chroma returns the chunks in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from random import Random
from typing import cast

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.inserter.grammar import format_plan
from m2io_graph.inserter.prompt import Hint, build_messages, hint_notes, to_chat_dicts
from m2io_graph.state import Candidate, ImageRef
from training.dataset_options import DataOptions, Distractors
from training.dataset_schema import CandidateRow, Example, GoldRow, Message
from training.splits import SPLITS, assign_splits

Hinter = Callable[[list[str], list[Candidate]], list[Hint]]


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


NEAR_POOL = 3
"""Same-chapter distractors are drawn from the `NEAR_POOL` × as many images nearest in reading
order, so that they vary between variants but stay close."""


class _Distractors:
    """Every distinct image of the corpus in reading order, to draw distractors from."""

    def __init__(self, ordered: Sequence[StoredChunk], where: Distractors) -> None:
        self._images: dict[str, ImageRef] = {}
        self._docs: dict[str, set[str]] = {}
        self._starts: dict[str, int] = {}
        for chunk in ordered:
            self._starts[chunk.id] = len(self._images)
            for image in chunk.images:
                self._images.setdefault(image["id"], image)
                self._docs.setdefault(image["id"], set()).add(image["doc_id"])
        self._ids = sorted(self._images)
        self._reading = list(self._images)
        self._where = where

    def draw(
        self, rng: Random, count: int, chunk: StoredChunk, exclude: set[str]
    ) -> list[ImageRef]:
        """`count` distractors (fewer if the corpus lacks them). Random ones appear in no passage
        of the chunk's document. Same-chapter ones are the images nearest the passage in reading
        order, outside it: its document's other sections first, then the pages next to it (a
        manual of one page per chapter and one of many short pages alike)."""
        if self._where == "random":
            allowed = [
                i for i in self._ids if i not in exclude and chunk.doc_id not in self._docs[i]
            ]
            return [self._images[i] for i in rng.sample(allowed, min(count, len(allowed)))]
        own = exclude | {i["id"] for i in chunk.images}
        start = self._starts[chunk.id]
        end = start + len({i["id"] for i in chunk.images} - set(self._reading[:start]))

        def distance(index: int) -> int:
            return start - index if index < start else index - end + 1

        nearest = sorted(
            (i for i in range(len(self._reading)) if self._reading[i] not in own), key=distance
        )[: NEAR_POOL * count]
        return [
            self._images[self._reading[i]] for i in rng.sample(nearest, min(count, len(nearest)))
        ]


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
    pool = _Distractors(ordered, options.distractors)
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
            distractors = pool.draw(rng, len(gold), chunk, {i["id"] for i in gold})
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
            distractors = pool.draw(rng, rng.randint(1, 2), chunk, set())
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
