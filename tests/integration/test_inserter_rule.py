"""The `rule` inserter and candidate ranking on the real offline embedder."""

from m2io_graph.inserter.rule import rule_plan
from m2io_graph.models.embeddings import get_embedder
from m2io_graph.nodes.extract_candidates import extract_candidates
from m2io_graph.state import Candidate


def image(image_id: str, alt: str) -> Candidate:
    return Candidate(
        id=image_id, path=f"/{image_id}.png", alt=alt, caption="", context="", doc_id="d", score=0.0
    )


SENTENCES = [
    "Debian uses systemd to start services at boot.",
    "Local port forwarding sends a local port through an SSH tunnel.",
    "The weather was pleasant.",
]
CANDIDATES = [
    image("tunnel", "Forwarding a local port with SSH"),
    image("boot", "Boot sequence of a computer running Linux with systemd"),
    image("tunnel2", "Forwarding a local port through SSH tunnel"),
    image("cat", "A cat sleeping on a sofa"),
]


def test_each_image_goes_after_its_closest_sentence():
    plan = rule_plan(get_embedder(), SENTENCES, CANDIDATES, threshold=0.3)
    assert {p["image_id"]: p["after"] for p in plan} == {"boot": 1, "tunnel2": 2} or {
        p["image_id"]: p["after"] for p in plan
    } == {"boot": 1, "tunnel": 2}


def test_at_most_one_image_per_sentence_and_each_image_once():
    plan = rule_plan(get_embedder(), SENTENCES, CANDIDATES, threshold=-1.0)
    afters = [p["after"] for p in plan]
    ids = [p["image_id"] for p in plan]
    assert len(set(afters)) == len(afters) == 3
    assert len(set(ids)) == len(ids)


def test_threshold_keeps_unrelated_images_out():
    assert rule_plan(get_embedder(), ["The weather was pleasant."], CANDIDATES, threshold=0.5) == []
    assert rule_plan(get_embedder(), [], CANDIDATES, threshold=0.0) == []


def test_candidates_ranked_by_query_and_capped(tmp_path):
    documents = [
        {
            "id": "c1",
            "doc_id": "d",
            "title": "",
            "source": "",
            "text": "",
            "score": 1.0,
            "images": CANDIDATES[:2],
        },
        {
            "id": "c2",
            "doc_id": "e",
            "title": "",
            "source": "",
            "text": "",
            "score": 0.5,
            "images": CANDIDATES[1:],
        },
    ]
    update = extract_candidates(
        {"query": "How do I forward a port with SSH?", "documents": documents},
        {"configurable": {"max_candidates": 2, "candidate_pages": 2, "store_dir": str(tmp_path)}},
    )
    ids = [c["id"] for c in update["candidates"]]
    assert len(ids) == 2 and set(ids) == {"tunnel", "tunnel2"}
    scores = [c["score"] for c in update["candidates"]]
    assert scores == sorted(scores, reverse=True)
