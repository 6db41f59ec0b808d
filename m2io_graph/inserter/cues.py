"""The `cues` inserter: a placement model that reads the cues authors leave around figures.

Similarity alone picks the right images but not where they go: in one manual a figure follows
the sentence that announces it ("the following dialog:"), in another it closes the paragraph
that describes it, or sits right under a heading, before the text about it. `rule` puts every
image after the sentence most like it and gets the exact place 17–40% of the time. This model
scores every gap of the answer (before the first sentence, after each one) for each image from
what a reader sees there: how alike the sentences on either side are to the image, paragraph
ends, headings, announcing and referring words, the distance to the most similar sentence. A
second, image-level score decides which candidates are shown. Both are linear (a conditional
logit over gaps, a logistic regression over images), trained with `m2io train cues` on any
`m2io train data` datasets, so they learn across many manuals in seconds on a CPU and cost no
more than `rule` to run: one embedding call and a few dot products.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from m2io_graph.describe import file_words
from m2io_graph.state import Candidate, Insertion
from m2io_graph.text import paragraph_end

SHIPPED = Path(__file__).parent / "weights" / "cues.json"
KIND = "m2io-cues"
"""Written in a model file, so that a checkpoint says what it is."""

_ANNOUNCE = re.compile(
    r"\b(?:below|following|as follows|shown|shows|looks like|look like|here is|here are|"
    r"appears?|displays?|displayed|opens?|see)\b",
    re.IGNORECASE,
)
_NAMES_FIGURE = re.compile(
    r"\b(?:figure|fig\.|screenshot|dialog|window|image|picture|illustrat\w*|screen|panel|"
    r"toolbar|menu|example)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(?:above|this (?:dialog|window|figure|screen|image|panel|picture)|in the (?:figure|"
    r"picture|screenshot))\b",
    re.IGNORECASE,
)
_TERMINAL = (".", "!", "?", ":", ";", ")", '"', "”")
_SECTION_NUMBER = re.compile(
    r"^(?:(?:chapter|section|part|appendix|step)\s+)?(?:[0-9]+|[IVXLC]+|[A-Z])(?:\.[0-9]+)*\.?$",
    re.IGNORECASE,
)

SENTENCE_CUES = ("colon", "announce", "names_figure", "refers_back", "heading", "short", "number")


def sentence_cues(sentence: str) -> np.ndarray:
    """What a sentence says about a figure next to it, as 0/1 flags (`SENTENCE_CUES`)."""
    text = " ".join(sentence.split())
    words = len(text.split())
    return np.array(
        [
            text.endswith(":"),
            bool(_ANNOUNCE.search(text)),
            bool(_NAMES_FIGURE.search(text)),
            bool(_REFERS_BACK.search(text)),
            (not text.endswith(_TERMINAL) and words <= 12) or bool(_SECTION_NUMBER.match(text)),
            words <= 6,
            bool(_SECTION_NUMBER.match(text)),
        ],
        dtype=float,
    )


GAP_FEATURES = (
    *(f"{side}_{name}" for side in ("before", "after") for name in ("sim", "gap", "best")),
    "paragraph_end",
    "opens",
    "closes",
    "best_paragraph_end",
    "previous_paragraph_end",
    "next_paragraph_end",
    *(f"offset_{k}" for k in (-2, -1, 0, 1, 2)),
    "offset_far",
    *(f"before_{name}" for name in SENTENCE_CUES),
    *(f"after_{name}" for name in SENTENCE_CUES),
    "paragraph_end_x_before_gap",
    "best_paragraph_end_x_strength",
)
"""One row per gap g = 0..n (an image placed `after` g) for one image."""


def _paragraph_ends(paragraph_ends: Sequence[int], n: int) -> list[int]:
    """The sentences that close a paragraph, the last one always among them; unknown ends ([])
    leave every sentence open, as in the prompt (`text.paragraph_end`)."""
    known = {e for e in paragraph_ends if 1 <= e <= n}
    return sorted(known | {n}) if known else list(range(1, n + 1))


def open_gaps(paragraph_ends: Sequence[int], n: int) -> np.ndarray:
    """Which gaps an image may take: before the first sentence, or after a paragraph's last.
    Figures are blocks: in every manual of the training corpora each gold image sits at a
    paragraph end, so a gap inside a paragraph is never scored."""
    allowed = np.zeros(n + 1, dtype=bool)
    allowed[0] = True
    allowed[_paragraph_ends(paragraph_ends, n)] = True
    return allowed


def gap_features(sims: np.ndarray, cues: np.ndarray, paragraph_ends: Sequence[int]) -> np.ndarray:
    """The `GAP_FEATURES` of every gap for one image.

    `sims` holds the image's similarity to each of the n sentences, `cues` their
    `sentence_cues` (n × len(SENTENCE_CUES)).
    """
    n = len(sims)
    ends = _paragraph_ends(paragraph_ends, n)
    best = int(sims.argmax()) + 1
    top = float(sims.max())
    own_end = paragraph_end(best, ends, n)
    earlier = [e for e in ends if e < own_end]
    later = [e for e in ends if e > own_end]
    rows = []
    for g in range(n + 1):
        before = float(sims[g - 1]) if g >= 1 else 0.0
        after = float(sims[g]) if g < n else 0.0
        offset = g - best
        sides = []
        for present, sim in ((g >= 1, before), (g < n, after)):
            sides += [sim, sim - top if present else -1.0, float(present and sim == top)]
        is_end = float(g in ends)
        rows.append(
            [
                *sides,
                is_end,
                float(g == 0),
                float(g == n),
                float(g == own_end),
                float(bool(earlier) and g == earlier[-1]),
                float(bool(later) and g == later[0]),
                *(float(offset == k) for k in (-2, -1, 0, 1, 2)),
                min(abs(offset), 10) / 10,
                *(cues[g - 1] if g >= 1 else np.zeros(len(SENTENCE_CUES))),
                *(cues[g] if g < n else np.zeros(len(SENTENCE_CUES))),
                is_end * (before - top if g >= 1 else -1.0),
                float(g == own_end) * top,
            ]
        )
    return np.asarray(rows, dtype=float)


IMAGE_FEATURES = (
    "bias",
    "top",
    "top_minus_mean",
    "top_minus_second",
    "mutual_best",
    "behind_case_best",
    "described_by_file_name",
    "undescribed",
)
"""One row per candidate: whether it is shown."""


def image_features(sims: np.ndarray, candidates: Sequence[Candidate]) -> np.ndarray:
    """The `IMAGE_FEATURES` of every candidate, from the sentences × candidates similarities."""
    n, m = sims.shape
    tops = sims.max(axis=0)
    best_sentence = sims.argmax(axis=0)
    rows = []
    for c in range(m):
        column = np.sort(sims[:, c])[::-1]
        second = float(column[1]) if n > 1 else float(column[0])
        own = not (candidates[c].get("caption") or candidates[c].get("alt"))
        words = file_words(str(candidates[c].get("path", "")))
        rows.append(
            [
                1.0,
                float(tops[c]),
                float(tops[c] - sims[:, c].mean()),
                float(tops[c] - second),
                float(sims[best_sentence[c]].argmax() == c),
                float(tops[c] - tops.max()),
                float(own and bool(words)),
                float(own and not words),
            ]
        )
    return np.asarray(rows, dtype=float)


@dataclass(frozen=True)
class CueModel:
    """The two linear scores and the threshold on the image score, with what they learned from."""

    gap_weights: np.ndarray
    image_weights: np.ndarray
    threshold: float = 0.5
    trained_on: list[str] = field(default_factory=list)

    def gap_scores(self, features: np.ndarray) -> np.ndarray:
        return features @ self.gap_weights

    def show_probability(self, features: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(features @ self.image_weights)))

    def save(self, path: Path) -> None:
        """A small JSON file: the weights by feature name, readable and diffable."""
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "kind": KIND,
            "gap_weights": dict(zip(GAP_FEATURES, self.gap_weights.tolist(), strict=True)),
            "image_weights": dict(zip(IMAGE_FEATURES, self.image_weights.tolist(), strict=True)),
            "threshold": self.threshold,
            "trained_on": self.trained_on,
        }
        path.write_text(json.dumps(body, indent=1) + "\n")


class CueModelError(ValueError):
    """A file that is not a cue model, or one written for other features."""


def _model_file(path: str | Path) -> Path:
    """A model file as named: a file, or a folder holding `cues.json`."""
    target = Path(path)
    return target / "cues.json" if target.is_dir() else target


def is_cue_model(path: str | Path) -> bool:
    """Whether `path` names a cue model file (as `m2io train cues` writes them)."""
    target = _model_file(path)
    if not target.is_file() or target.suffix != ".json":
        return False
    try:
        return json.loads(target.read_text()).get("kind") == KIND
    except (OSError, ValueError, AttributeError):
        return False


@lru_cache(maxsize=8)
def load_cue_model(path: str = "") -> CueModel:
    """The model in `path` (a file or a folder holding `cues.json`; "" = the shipped one)."""
    target = _model_file(path) if path else SHIPPED
    try:
        body = json.loads(target.read_text())
    except (OSError, ValueError) as error:
        raise CueModelError(f"cannot read the cue model {target}: {error}") from error
    if not isinstance(body, dict) or body.get("kind") != KIND:
        raise CueModelError(f"{target} is not a cue model (written by `m2io train cues`)")
    try:
        gap = np.array([body["gap_weights"][name] for name in GAP_FEATURES], dtype=float)
        image = np.array([body["image_weights"][name] for name in IMAGE_FEATURES], dtype=float)
    except KeyError as missing:
        raise CueModelError(
            f"{target} lacks the feature {missing}: it was trained for another version; "
            "train it again with `m2io train cues`"
        ) from None
    return CueModel(gap, image, float(body.get("threshold", 0.5)), list(body.get("trained_on", [])))


def cue_plan(
    model: CueModel,
    sims: np.ndarray,
    sentences: Sequence[str],
    candidates: Sequence[Candidate],
    paragraph_ends: Sequence[int] = (),
) -> list[Insertion]:
    """Each candidate whose show probability passes the threshold, at its best-scored gap."""
    if not sentences or not candidates:
        return []
    cues = np.stack([sentence_cues(s) for s in sentences])
    shown = model.show_probability(image_features(sims, candidates)) >= model.threshold
    closed = ~open_gaps(paragraph_ends, len(sentences))
    plan = []
    for c in np.flatnonzero(shown):
        scores = model.gap_scores(gap_features(sims[:, c], cues, paragraph_ends))
        scores[closed] = -np.inf
        plan.append(Insertion(image_id=candidates[c]["id"], after=int(scores.argmax())))
    return sorted(plan, key=lambda i: i["after"])
