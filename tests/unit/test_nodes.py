"""Each node on its own, without weights: fake embeddings, fake chat models, a real Chroma store
in tmp_path written by the project's ingest. The wired graph on real models is tested in
tests/integration/test_graph.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.language_models import FakeListChatModel
from PIL import Image

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.corpus.ingest import ingest
from m2io_graph.errors import InvalidQueryError
from m2io_graph.inserter.rule import rule_plan, top_up
from m2io_graph.models.llamacpp import ContextWindowExceeded
from m2io_graph.nodes import extract_candidates, generate_text, insert_images, merge, retrieve
from m2io_graph.prompts import DECLINE
from m2io_graph.state import Candidate, Chunk, Insertion

pytestmark = pytest.mark.filterwarnings("ignore:Relevance scores must be between 0 and 1")
"""Fake vectors are not alike, so Chroma finds negative cosines; langchain warns of them."""

EMBEDDER = DeterministicFakeEmbedding(size=32)
"""Same text, same vector: a query equal to a stored chunk's text is its exact match."""

FILLER = " ".join(f"Paragraph {n} explains one more detail of the tunnel setup." for n in range(16))
TUNNEL_DOC = f"""# Port forwarding

Use ssh -L to forward a local port.

![Forwarding a local port](img/local.png "Forwarding a local port with SSH")

{FILLER}

The remote end of the tunnel is shown below.

![Remote forwarding](img/remote.png)
"""
"""Long enough for two chunks; the second image sits in the second chunk."""

OTHER_DOC = "# Backups\n\nRun rsync every night to copy the home folders.\n"


def configurable(tmp_path: Path, **settings) -> dict:
    return {
        "configurable": {"store_dir": str(tmp_path / "store"), "embedder": EMBEDDER, **settings}
    }


def png(path: Path, color: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (300, 200), color).save(path)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Two Markdown documents ingested into a Chroma store in tmp_path."""
    docs = tmp_path / "docs"
    png(docs / "img" / "local.png", "steelblue")
    png(docs / "img" / "remote.png", "darkred")
    (docs / "tunnel.md").write_text(TUNNEL_DOC)
    (docs / "backups.md").write_text(OTHER_DOC)
    store = models.corpus_store(M2IOConfig().updated(configurable(tmp_path)["configurable"]))
    report = ingest(docs, store, progress=False)
    assert report.problems == [] and report.images == 2
    return tmp_path


def first_tunnel_chunk(tmp_path: Path) -> StoredChunk:
    cfg = M2IOConfig().updated(configurable(tmp_path)["configurable"])
    chunks = [c for c in models.corpus_store(cfg).iter_chunks() if c.title == "Port forwarding"]
    assert len(chunks) == 2
    return min(chunks, key=lambda c: c.position)


# models: what the nodes ask for


def test_an_embeddings_object_is_the_embedder_and_keys_its_own_store(tmp_path: Path) -> None:
    cfg = M2IOConfig.from_runnable_config(configurable(tmp_path))
    assert models.embedder(cfg) is EMBEDDER
    assert models.corpus_store(cfg) is models.corpus_store(cfg)
    other = cfg.updated({"embedder": DeterministicFakeEmbedding(size=32)})  # equal, not the same
    assert models.corpus_store(other) is not models.corpus_store(cfg)


# retrieve


def test_retrieve_on_an_empty_store_says_so(tmp_path: Path) -> None:
    update = retrieve({"query": "  How do I   forward a port? "}, configurable(tmp_path))
    assert update["query"] == "How do I forward a port?" and update["documents"] == []
    [notice] = update["notices"]
    assert "m2io ingest" in notice and str(tmp_path / "store") in notice
    assert "retrieve" in update["timings"]


def test_retrieve_returns_the_matching_chunk_first(corpus: Path) -> None:
    first = first_tunnel_chunk(corpus)
    update = retrieve({"query": first.text, "k": 2}, configurable(corpus))
    best = update["documents"][0]
    assert (best["id"], best["text"], best["title"]) == (first.id, first.text, "Port forwarding")
    assert best["score"] == pytest.approx(1.0, abs=1e-3)
    assert [i["id"] for i in best["images"]] == [i["id"] for i in first.images]
    assert len(update["documents"]) <= 2 and update["notices"] == []
    assert all(d["score"] >= M2IOConfig().min_relevance for d in update["documents"])


def test_retrieve_drops_chunks_below_min_relevance(corpus: Path) -> None:
    update = retrieve({"query": "backups"}, configurable(corpus, min_relevance=1.01))
    assert update["documents"] == []
    assert any("min_relevance 1.01" in n for n in update["notices"])


def test_retrieve_cuts_a_long_query_at_a_word(corpus: Path) -> None:
    update = retrieve({"query": "tunnel " * 20}, configurable(corpus, max_query_chars=30))
    assert update["query"] == "tunnel tunnel tunnel tunnel"
    assert any("longer than 30 characters" in n and "first 27" in n for n in update["notices"])


@pytest.mark.parametrize(
    ("state", "message"),
    [({"query": " \n"}, "empty"), ({"k": -1}, "k must"), ({"k": 0}, "k must be at least 1, got 0")],
)
def test_retrieve_refuses_bad_input(tmp_path: Path, state: dict, message: str) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        retrieve({"query": "ssh", **state}, configurable(tmp_path))


# generate_text

PASSAGE = Chunk(
    id="c1",
    doc_id="d1",
    title="Port forwarding",
    source="tunnel.md",
    text="Use ssh -L to forward a local port. The tunnel ends on the remote server.",
    images=[],
    score=0.9,
)
PASSAGE_SENTENCES = ["Use ssh -L to forward a local port.", "The tunnel ends on the remote server."]


class FailingModel(FakeListChatModel):
    """Raises `error`: by default the way a llama.cpp request fails."""

    error: type[Exception] = ContextWindowExceeded

    def _call(self, *args, **kwargs) -> str:
        raise self.error("the prompt does not fit the context window")


def generate(reply: str | FakeListChatModel, documents=(PASSAGE,)) -> dict:
    model = FakeListChatModel(responses=[reply]) if isinstance(reply, str) else reply
    state = {"query": "How do I forward a local port?", "documents": list(documents)}
    return generate_text(state, {"configurable": {"generator": model, "embedder": EMBEDDER}})


def test_generate_text_splits_the_answer_into_sentences_and_paragraphs() -> None:
    update = generate(
        "Use ssh -L to forward a local port.\n\nThe tunnel ends on the remote server."
    )
    assert update["sentences"] == PASSAGE_SENTENCES
    assert update["text"] == PASSAGE["text"]
    assert update["paragraph_ends"] == [1, 2] and update["notices"] == []
    assert "generate_text" in update["timings"]


def test_generate_text_extracts_sentences_when_the_model_writes_nothing() -> None:
    update = generate("  \n ")
    assert update["sentences"] and set(update["sentences"]) <= set(PASSAGE_SENTENCES)
    assert update["notices"] == [
        "The fake-list-chat-model generator wrote nothing; extracted sentences instead."
    ]


def test_generate_text_turns_a_decline_into_the_decline_sentence() -> None:
    update = generate("The passages do not mention port forwarding.")
    assert update["sentences"] == [DECLINE] and update["text"] == DECLINE
    assert update["notices"] == []


def test_generate_text_extracts_sentences_when_the_local_model_fails() -> None:
    update = generate(FailingModel(responses=[]))
    assert update["sentences"] and set(update["sentences"]) <= set(PASSAGE_SENTENCES)
    [notice] = update["notices"]
    assert "generator failed (" in notice and "context window" in notice


def test_generate_text_lets_other_model_errors_through() -> None:
    with pytest.raises(ConnectionError):
        generate(FailingModel(responses=[], error=ConnectionError))


def test_generate_text_declines_without_documents_and_asks_no_model() -> None:
    model = FakeListChatModel(responses=["never asked"])
    update = generate(model, documents=())
    assert update["sentences"] == [DECLINE] and model.i == 0


# extract_candidates


def test_extract_candidates_offers_the_whole_documents_images_best_first(corpus: Path) -> None:
    first = first_tunnel_chunk(corpus)
    config = configurable(corpus, min_candidate_score=-1e9)
    documents = retrieve({"query": first.text, "k": 1}, config)["documents"]
    assert [d["id"] for d in documents] == [first.id] and len(first.images) == 1
    update = extract_candidates({"query": first.text, "documents": documents}, config)
    candidates = update["candidates"]
    assert {c["path"].rsplit("/", 1)[-1] for c in candidates} == {"local.png", "remote.png"}
    assert [c["score"] for c in candidates] == sorted(
        (c["score"] for c in candidates), reverse=True
    )
    assert all(c["doc_id"] == first.doc_id for c in candidates)
    assert "extract_candidates" in update["timings"]

    capped = extract_candidates(
        {"query": first.text, "documents": documents},
        {"configurable": {**config["configurable"], "max_candidates": 1}},
    )
    assert capped["candidates"] == candidates[:1]


def test_extract_candidates_drops_images_below_min_candidate_score(corpus: Path) -> None:
    config = configurable(corpus, min_relevance=-1.0, min_candidate_score=1e9)
    documents = retrieve({"query": "tunnel"}, config)["documents"]
    assert documents
    update = extract_candidates({"query": "tunnel", "documents": documents}, config)
    assert update["candidates"] == []


def test_extract_candidates_offers_only_the_best_ranked_pages_images(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for name, color in (("ssh", "steelblue"), ("rsync", "darkred")):
        png(docs / "img" / f"{name}.png", color)
        (docs / f"{name}.md").write_text(
            f"# {name}\n\nAbout {name}.\n\n![{name}](img/{name}.png)\n"
        )
    config = configurable(tmp_path, min_candidate_score=-1e9)
    ingest(docs, models.corpus_store(M2IOConfig().updated(config["configurable"])), progress=False)
    documents = retrieve(
        {"query": "About ssh.", "k": 2},
        {
            **config,
            "configurable": {**config["configurable"], "min_relevance": -1.0, "title_weight": 0.0},
        },
    )["documents"]
    assert [d["doc_id"] for d in documents] == ["ssh.md", "rsync.md"]
    state = {"query": "About ssh.", "documents": documents}
    [only] = extract_candidates(state, config)["candidates"]
    assert only["doc_id"] == "ssh.md"
    both = configurable(tmp_path, min_candidate_score=-1e9, candidate_pages=2)
    assert len(extract_candidates(state, both)["candidates"]) == 2


def test_extract_candidates_skips_best_ranked_pages_without_images(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "ssh.md").parent.mkdir(parents=True)
    (docs / "ssh.md").write_text("# ssh\n\nAbout ssh.\n")
    png(docs / "img" / "tunnel.png", "steelblue")
    (docs / "tunnel.md").write_text("# tunnel\n\nAbout ssh tunnels.\n\n![tunnel](img/tunnel.png)\n")
    config = configurable(tmp_path, min_candidate_score=-1e9)
    ingest(docs, models.corpus_store(M2IOConfig().updated(config["configurable"])), progress=False)
    settings = {**config["configurable"], "min_relevance": -1.0, "title_weight": 0.0, "k": 2}
    documents = retrieve({"query": "About ssh."}, {"configurable": settings})["documents"]
    assert [d["doc_id"] for d in documents] == ["ssh.md", "tunnel.md"]
    [only] = extract_candidates({"query": "About ssh.", "documents": documents}, config)[
        "candidates"
    ]
    assert only["doc_id"] == "tunnel.md"


def test_extract_candidates_without_documents_offers_nothing(tmp_path: Path) -> None:
    update = extract_candidates({"query": "tunnel", "documents": []}, configurable(tmp_path))
    assert update["candidates"] == []


# insert_images

CANDIDATES = [
    Candidate(
        id=f"img{n}",
        path=f"/images/{n}.png",
        alt=alt,
        caption="",
        context="",
        doc_id="d1",
        score=0.5,
    )
    for n, alt in enumerate(("Forwarding a local port", "The remote server"), 1)
]


def insert(reply: str, min_images_setting: int = 1, **state) -> tuple[dict, FakeListChatModel]:
    model = FakeListChatModel(responses=[reply])
    full = {"query": "ssh -L", "sentences": PASSAGE_SENTENCES, "candidates": CANDIDATES, **state}
    settings = {
        "inserter": "llm",
        "inserter_llm": model,
        "embedder": EMBEDDER,
        "min_images": min_images_setting,
    }
    return insert_images(full, {"configurable": {**settings, "rule_threshold": -1e9}}), model


def test_insert_images_uses_a_valid_plan_of_the_model() -> None:
    update, _ = insert('<think>the remote one</think><answer>[{"image": 2, "after": 1}]</answer>')
    assert update["insertions"] == [{"image_id": "img2", "after": 1}]
    assert (update["inserter"], update["fallback"]) == ("llm", None)
    assert "sentences" not in update and "insert_images" in update["timings"]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ('<answer>[{"image": 7, "after": 1}]</answer>', "image 7"),
        ('<answer>[{"image": 1, "after": 9}]</answer>', "after 9 is out of range 0..2"),
        ("Image 1 goes after the first sentence.", "no <answer>"),
    ],
)
def test_insert_images_falls_back_to_rule_on_an_invalid_plan(reply: str, reason: str) -> None:
    update, _ = insert(reply)
    assert update["inserter"] == "rule"
    assert update["fallback"].startswith("GrammarError: ") and reason in update["fallback"]
    assert update["insertions"] == rule_plan(EMBEDDER, PASSAGE_SENTENCES, CANDIDATES, -1e9)
    assert {i["image_id"] for i in update["insertions"]} == {"img1", "img2"}


@pytest.mark.parametrize(
    "state",
    [{"candidates": []}, {"sentences": [DECLINE]}],
    ids=["no candidates", "declined answer"],
)
def test_insert_images_places_nothing_without_asking_the_model(state: dict) -> None:
    update, model = insert('<answer>[{"image": 1, "after": 1}]</answer>', **state)
    assert update["insertions"] == [] and model.i == 0
    assert (update["inserter"], update["fallback"]) == ("llm", None)


def test_insert_images_tops_an_empty_plan_up_to_min_images() -> None:
    empty = "<answer>[]</answer>"
    assert insert(empty, min_images_setting=0)[0]["insertions"] == []
    update, _ = insert(empty)
    (shown,) = update["insertions"]
    assert shown["image_id"] in {"img1", "img2"} and 1 <= shown["after"] <= 2
    assert (update["inserter"], update["fallback"]) == ("llm", None)


def test_top_up_adds_the_best_unplaced_candidates_after_their_closest_sentence() -> None:
    placed = [Insertion(image_id="img1", after=2)]
    assert top_up(EMBEDDER, PASSAGE_SENTENCES, CANDIDATES, placed, 1) == placed
    both = top_up(EMBEDDER, PASSAGE_SENTENCES, CANDIDATES, placed, 5)
    assert [i["image_id"] for i in both if i["image_id"] != "img1"] == ["img2"]
    assert top_up(EMBEDDER, [], CANDIDATES, [], 1) == []


# merge


def test_merge_interleaves_the_chosen_images_by_paragraph() -> None:
    state = {
        "sentences": ["One.", "Two.", "Three."],
        "paragraph_ends": [2, 3],
        "candidates": CANDIDATES,
        "insertions": [{"image_id": "img1", "after": 1}, {"image_id": "not-offered", "after": 2}],
    }
    update = merge(state, {})
    assert update["answer"] == (
        "One.\n\n![Forwarding a local port](</images/1.png>)\n\nTwo.\n\nThree."
    )
    assert "merge" in update["timings"]


def test_merge_of_an_empty_state_is_an_empty_answer() -> None:
    assert merge({}, {})["answer"] == ""
