"""The inserter dataset on small synthetic chunks: options, windows, distractors, splits, files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from random import Random

import pytest

from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.inserter.grammar import parse
from m2io_graph.state import ImageRef
from training.dataset_io import (
    dataset_stats,
    load_inserter_dataset,
    merge_inserter_datasets,
    save_dataset,
)
from training.dataset_options import DataOptions
from training.examples import build_examples, window
from training.splits import assign_splits


def image(doc: str, name: str, after: int) -> ImageRef:
    return ImageRef(
        id=f"{doc}:{name}",
        path=f"/img/{name}.png",
        alt=f"alt {name}",
        caption=f"caption {name}",
        context=f"{doc} sentence {after}",
        doc_id=doc,
        after=after,
    )


def chunk(doc: str, position: int, n_sentences: int, afters: list[int] = ()) -> StoredChunk:
    sentences = [f"{doc} part {position} sentence {i}." for i in range(1, n_sentences + 1)]
    images = [image(doc, f"p{position}i{n}", a) for n, a in enumerate(afters)]
    # Figures sit between paragraphs: each image closes one, and so does the passage.
    ends = sorted({a for a in afters if a} | {n_sentences})
    return StoredChunk(doc, doc.title(), f"/src/{doc}", position, sentences, images, ends)


def corpus(n_docs: int = 40) -> list[StoredChunk]:
    """Every document: one passage with two images, one with one, two without images."""
    return [
        c
        for d in range(n_docs)
        for c in (
            chunk(f"doc{d}", 0, 5, [1, 4]),
            chunk(f"doc{d}", 1, 4, [0]),
            chunk(f"doc{d}", 2, 6),
            chunk(f"doc{d}", 3, 3),
        )
    ]


def test_short_passages_are_kept_whole() -> None:
    sentences = ["a.", "b.", "c."]
    images = [image("d", "x", 0), image("d", "y", 3)]
    assert window(sentences, images, 10, Random(0), [2, 3]) == (sentences, images, [2, 3])


def test_long_passage_is_cut_to_a_window_holding_its_images_renumbered() -> None:
    sentences = [f"s{i}." for i in range(1, 31)]
    images = [image("d", "x", 14), image("d", "y", 17)]
    for seed in range(20):
        kept, held, ends = window(sentences, images, 10, Random(seed), [3, 14, 17, 30])
        assert len(kept) == 10 and [i["id"] for i in held] == ["d:x", "d:y"]
        for original, moved in zip(images, held, strict=True):
            # The renumbered `after` still points at the same sentence.
            assert kept[moved["after"] - 1] == sentences[original["after"] - 1]
        # So do the paragraph ends inside the window, and only those.
        assert [kept[e - 1] for e in ends] == [s for s in kept if s in ("s3.", "s14.", "s17.")]


def test_window_keeps_the_most_images_and_an_opening_image_at_zero() -> None:
    sentences = [f"s{i}." for i in range(1, 31)]
    images = [image("d", "x", 0), image("d", "y", 3), image("d", "z", 25)]
    kept, held, _ = window(sentences, images, 10, Random(0))
    assert kept == sentences[:10]
    assert [(i["id"], i["after"]) for i in held] == [("d:x", 0), ("d:y", 3)]


def test_gold_and_distractors_one_to_one_and_from_other_documents() -> None:
    examples = build_examples(corpus(), DataOptions(), "toy")
    positives = [e for e in examples if e["gold"]]
    assert len(positives) == 80
    for e in positives:
        own = [c for c in e["candidates"] if c["doc_id"] == e["doc_id"]]
        gold_ids = {e["candidates"][g["image"] - 1]["id"] for g in e["gold"]}
        assert gold_ids == {c["id"] for c in own}
        assert e["n_candidates"] == 2 * len(e["gold"]) == len({c["id"] for c in e["candidates"]})


def test_candidates_are_capped_with_at_most_half_gold() -> None:
    many = [chunk("big", 0, 8, [1, 2, 3, 4, 5, 6]), *corpus(5)]
    [big] = [e for e in build_examples(many, DataOptions(), "toy") if e["doc_id"] == "big"]
    assert len(big["gold"]) == 4 and big["n_candidates"] == 8
    [small] = [
        e
        for e in build_examples(many, DataOptions(max_candidates=4), "toy")
        if e["doc_id"] == "big"
    ]
    assert len(small["gold"]) == 2 and small["n_candidates"] == 4


def test_completion_and_prompt_match_the_gold() -> None:
    for e in build_examples(corpus(10), DataOptions(), "toy"):
        plan = parse(e["completion"][0]["content"], e["n_sentences"], e["n_candidates"])
        assert [{"image": i, "after": a} for i, a in plan] == e["gold"]
        assert plan == sorted(plan)  # image order, the order the notes list them in
        assert e["paragraph_ends"][-1] == e["n_sentences"]
        assert all(g["after"] in e["paragraph_ends"] for g in e["gold"] if g["after"])
        assert [m["role"] for m in e["prompt"]] == ["system", "user"]
        assert e["completion"][0]["role"] == "assistant"
        user = e["prompt"][1]["content"]
        assert all(f"[{n}] {s}" in user for n, s in enumerate(e["sentences"], start=1))
        assert f"<img{e['n_candidates']}>" in user and f"<img{e['n_candidates'] + 1}>" not in user


def test_gold_after_points_at_the_sentence_the_image_followed() -> None:
    for e in build_examples(corpus(10), DataOptions(), "toy"):
        for g in e["gold"]:
            position, name = e["candidates"][g["image"] - 1]["id"].split(":p")[1].split("i")
            expected = {("0", "0"): 1, ("0", "1"): 4, ("1", "0"): 0}[(position, name)]
            assert g["after"] == expected


def test_source_sentence_is_hidden_unless_asked() -> None:
    """A gold image's context is its gold sentence: shown, it gives the answer away."""
    hidden = build_examples(corpus(5), DataOptions(), "toy")
    assert all(c["context"] == "" for e in hidden for c in e["candidates"])
    assert not any("sentence 1" in e["prompt"][1]["content"].split("Images:")[1] for e in hidden)
    shown = build_examples(corpus(5), DataOptions(with_context=True), "toy")
    assert all(c["context"] for e in shown for c in e["candidates"])


def test_negatives_answer_empty_with_one_or_two_foreign_candidates() -> None:
    examples = build_examples(corpus(), DataOptions(negatives=0.25), "toy")
    for split in ("train", "validation", "test"):
        rows = [e for e in examples if e["split"] == split]
        positives = sum(bool(e["gold"]) for e in rows)
        assert len(rows) - positives == round(0.25 * positives)
    negatives = [e for e in examples if not e["gold"]]
    assert negatives
    for e in negatives:
        assert e["completion"][0]["content"] == "<answer>[]</answer>"
        assert 1 <= e["n_candidates"] <= 2
        assert all(c["doc_id"] != e["doc_id"] for c in e["candidates"])
    assert not [
        e for e in build_examples(corpus(), DataOptions(negatives=0), "toy") if not e["gold"]
    ]


def test_splits_go_by_document_near_80_10_10() -> None:
    chunks = corpus(200)
    examples = build_examples(chunks, DataOptions(), "toy")
    splits_of_doc: dict[str, set[str]] = {}
    for e in examples:
        splits_of_doc.setdefault(e["doc_id"], set()).add(e["split"])
    assert all(len(s) == 1 for s in splits_of_doc.values())
    positives = Counter(e["split"] for e in examples if e["gold"])
    assert 300 <= positives["train"] <= 340 and 30 <= positives["validation"] <= 50
    assert assign_splits(chunks, DataOptions()) == assign_splits(reversed(chunks), DataOptions())


def test_all_test_puts_everything_in_test() -> None:
    examples = build_examples(corpus(), DataOptions(all_test=True), "held-out")
    assert {e["split"] for e in examples} == {"test"}


def test_same_seed_same_dataset_whatever_the_chunk_order() -> None:
    chunks = corpus()
    first = build_examples(chunks, DataOptions(seed=3), "toy")
    assert build_examples(list(reversed(chunks)), DataOptions(seed=3), "toy") == first
    assert build_examples(chunks, DataOptions(seed=4), "toy") != first


def test_variants_redraw_training_passages_only() -> None:
    one = build_examples(corpus(), DataOptions(), "toy")
    three = build_examples(corpus(), DataOptions(variants=3), "toy")
    positives = Counter(e["split"] for e in one if e["gold"])
    assert Counter(e["split"] for e in three if e["gold"]) == {
        **positives,
        "train": 3 * positives["train"],
    }
    assert len({e["id"] for e in three}) == len(three)
    by_passage: dict[str, list] = {}
    for e in three:
        if e["split"] == "train" and e["gold"]:
            by_passage.setdefault(e["id"].split("#")[0], []).append(e["candidates"])
    assert all(len(draws) == 3 for draws in by_passage.values())
    assert sum(draws[0] != draws[1] for draws in by_passage.values()) > len(by_passage) / 2
    first_draws = [e for e in three if "#" not in e["id"] and e["gold"]]
    assert first_draws == [e for e in one if e["gold"]]


@pytest.mark.parametrize(
    "bad", [{"max_candidates": 1}, {"negatives": -1}, {"train": 0.95}, {"variants": 0}]
)
def test_bad_options_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        DataOptions(**bad)


def test_save_load_and_merge(tmp_path: Path) -> None:
    stats = save_dataset(build_examples(corpus(20), DataOptions(), "a"), tmp_path / "a")
    held_out = build_examples(corpus(3), DataOptions(all_test=True), "b")
    save_dataset(held_out, tmp_path / "b")
    for split in ("train", "validation", "test"):
        lines = (tmp_path / "a" / f"{split}.jsonl").read_text().splitlines()
        assert len(lines) == stats[split]["examples"]
    assert json.loads((tmp_path / "a" / "stats.json").read_text()) == stats
    a, b = load_inserter_dataset(tmp_path / "a"), load_inserter_dataset(tmp_path / "b")
    assert len(b["train"]) == 0 and "prompt" in b["train"].column_names
    merged = merge_inserter_datasets([a, b])
    assert len(merged["train"]) == stats["train"]["examples"]
    assert len(merged["test"]) == stats["test"]["examples"] + len(held_out)
    assert set(merged["test"]["corpus"]) == {"a", "b"}
    both = load_inserter_dataset([tmp_path / "a", str(tmp_path / "b")])
    assert {s: len(d) for s, d in both.items()} == {s: len(d) for s, d in merged.items()}
    with pytest.raises(ValueError, match="share example ids"):
        merge_inserter_datasets([a, a])
    with pytest.raises(FileNotFoundError, match="m2io train data"):
        load_inserter_dataset(tmp_path / "missing")


def test_store_gives_back_its_chunks_and_refuses_stores_without_sentences(tmp_path: Path) -> None:
    from langchain_core.embeddings import DeterministicFakeEmbedding

    from m2io_graph.corpus.store import CorpusStore, StoreError

    store = CorpusStore(DeterministicFakeEmbedding(size=8), store_dir=str(tmp_path / "s"))
    chunks = corpus(3)
    store.add(chunks)
    back = list(store.iter_chunks(batch_size=5))
    assert sorted(back, key=lambda c: c.id) == sorted(chunks, key=lambda c: c.id)
    store._chroma.add_texts(["old"], metadatas=[{"doc_id": "x", "images": "[]"}], ids=["old"])
    with pytest.raises(StoreError, match="ingest the documents again"):
        list(store.iter_chunks())


def test_a_store_without_paragraph_ends_is_flagged(tmp_path: Path, caplog) -> None:
    from dataclasses import replace

    from langchain_core.embeddings import DeterministicFakeEmbedding

    from m2io_graph.corpus.store import CorpusStore
    from training.dataset_io import build_inserter_dataset

    store = CorpusStore(DeterministicFakeEmbedding(size=8), store_dir=str(tmp_path / "s"))
    store.add([replace(c, paragraph_ends=[]) for c in corpus(3)])
    build_inserter_dataset(store, tmp_path / "d", DataOptions(), corpus="toy", progress=False)
    assert "ingest the documents again" in caplog.text
    caplog.clear()
    store = CorpusStore(DeterministicFakeEmbedding(size=8), store_dir=str(tmp_path / "s2"))
    store.add(corpus(3))
    build_inserter_dataset(store, tmp_path / "d2", DataOptions(), corpus="toy", progress=False)
    assert "paragraph" not in caplog.text


def test_hinter_output_lands_in_every_prompt() -> None:
    seen: list[int] = []

    def hinter(sentences: list[str], candidates: list) -> list[tuple[int, float]]:
        seen.append(len(candidates))
        return [(len(sentences), 0.25)] * len(candidates)

    examples = build_examples(corpus(6), DataOptions(), "toy", hinter)
    assert len(seen) == len(examples)
    for e in examples:
        assert (
            e["prompt"][1]["content"].count(
                f"(best [{e['n_sentences']}] 25% end [{e['n_sentences']}] weak)"
            )
            == e["n_candidates"]
        )
        gold = {g["image"]: g["after"] for g in e["gold"]}
        notes = "; ".join(
            f"img{n} end [{e['n_sentences']}] weak"
            + (f' {{"image": {n}, "after": {gold[n]}}}' if n in gold else "")
            for n in range(1, e["n_candidates"] + 1)
        )
        assert e["completion"][0]["content"].startswith(f"<think>{notes}</think><answer>")


def test_stats_count_where_the_gold_images_sit() -> None:
    examples = build_examples(
        [chunk("a", 0, 4, [0, 2]), chunk("b", 0, 3, [3]), chunk("c", 0, 5, [5, 1])],
        DataOptions(all_test=True),
        "x",
    )
    counts = dataset_stats(examples)["all"]
    assert (counts["gold_first"], counts["gold_interior"], counts["gold_last"]) == (1, 2, 2)
    assert (
        counts["gold_first"] + counts["gold_interior"] + counts["gold_last"]
        == counts["gold_images"]
    )


def test_same_chapter_distractors_are_the_images_nearest_the_passage() -> None:
    pages = [f"{folder}/page{d}" for folder in ("dialogs", "filters", "tools") for d in range(6)]
    chunks = [chunk(page, 0, 5, [1, 4]) for page in pages]
    order = sorted(pages)

    def page_distances(examples):
        return [
            abs(order.index(c["doc_id"]) - order.index(e["doc_id"]))
            for e in examples
            for c in e["candidates"]
            if c["doc_id"] != e["doc_id"]  # the distractors: gold images are the page's own
        ]

    near = page_distances(build_examples(chunks, DataOptions(distractors="chapter"), "c"))
    far = page_distances(build_examples(chunks, DataOptions(), "c"))
    assert near and max(near) <= 3 and sum(far) / len(far) > 2 * sum(near) / len(near)

    one_page_manual = [chunk("manual", n, 4, [2]) for n in range(12)]
    examples = build_examples(one_page_manual, DataOptions(distractors="chapter"), "c")
    for e in examples:
        gold = {e["candidates"][g["image"] - 1]["id"] for g in e["gold"]}
        others = [c for c in e["candidates"] if c["id"] not in gold]
        assert others and all(c["doc_id"] == "manual" for c in others), "its other sections"
    with pytest.raises(ValueError, match="distractors must be one of random, chapter"):
        DataOptions(distractors="nearby")  # type: ignore[arg-type]
