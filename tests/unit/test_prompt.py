from langchain_core.messages import HumanMessage, SystemMessage

from m2io_graph.inserter.grammar import parse
from m2io_graph.inserter.prompt import (
    SYSTEM,
    build_messages,
    hint_notes,
    render_prompt_text,
)
from m2io_graph.state import Candidate


def candidate(image_id: str, caption: str = "", alt: str = "", context: str = "") -> Candidate:
    return Candidate(
        id=image_id,
        path=f"/{image_id}.png",
        alt=alt,
        caption=caption,
        context=context,
        doc_id="d",
        score=0.0,
    )


SENTENCES = ["Open the Settings menu.", "Pick the Network tab.", "Save your changes."]
CANDIDATES = [
    candidate("a", caption="Figure 1. The Settings menu", alt="settings"),
    candidate("b", caption="Figure 2. The Network tab", context="The tab lists every interface."),
]


def test_messages_number_sentences_and_candidates():
    system, human = build_messages(SENTENCES, CANDIDATES)
    assert isinstance(system, SystemMessage) and isinstance(human, HumanMessage)
    assert human.content == (
        "Sentences:\n"
        "[1] Open the Settings menu.\n"
        "[2] Pick the Network tab.\n"
        "[3] Save your changes.\n"
        "Images:\n"
        "<img1> Figure 1. The Settings menu.\n"
        "<img2> Figure 2. The Network tab."
    )  # alt text inside the caption is not repeated; the context sentence is not shown


def test_system_states_the_contract_and_its_example_parses():
    assert '"after": 0 = before the first' in SYSTEM
    assert "[] is valid" in SYSTEM
    example = SYSTEM.split("Example:\n")[1]
    assert example.startswith(
        '<think>img1 end [1] weak; img2 end [4] strong {"image": 2, "after": 4}</think>'
    )
    assert parse(example, 4, 2) == [(2, 4)]


def test_long_descriptions_are_cut_at_a_word():
    long = candidate("c", caption="word " * 100)
    human = build_messages(["One."], [long], max_chars_per_candidate=30)[1].content
    line = human.splitlines()[-1]
    assert line == "<img1> " + " ".join(["word"] * 6)


def test_sentence_newlines_cannot_break_the_numbering():
    human = build_messages(["Two\nlines."], [])[1].content
    assert human == "Sentences:\n[1] Two lines.\nImages:\n(none)"


def test_plain_text_is_the_messages_joined():
    text = render_prompt_text(SENTENCES, CANDIDATES)
    system, human = build_messages(SENTENCES, CANDIDATES)
    assert text == f"{system.content}\n\n{human.content}"


def test_prompt_stays_short():
    """6 sentences + 6 captioned candidates: 1305 chars (paragraphs and the example's notes
    added 73 to the 1232 before them)."""
    sentences = [f"Step {i} of the installer asks for one more setting here." for i in range(1, 7)]
    candidates = [
        candidate(
            str(i), caption=f"Figure 4.{i}. Installer step {i}", alt=f"Screenshot of step {i}"
        )
        for i in range(1, 7)
    ]
    assert len(render_prompt_text(sentences, candidates)) < 1350


def test_hints_name_the_closest_sentence_per_image():
    _, human = build_messages(SENTENCES, CANDIDATES, hints=[(1, 0.734), (2, 0.394)])
    lines = human.content.splitlines()
    assert lines[-2] == "<img1> (best [1] 73% end [1] strong) Figure 1. The Settings menu."
    assert lines[-1] == "<img2> (best [2] 39% end [2] weak) Figure 2. The Network tab."


def test_hints_name_the_end_of_the_closest_sentence_paragraph():
    sentences = ["One.", "Two.", "Three.", "Four.", "Five."]
    hints = [(1, 0.5), (3, 0.5), (5, 0.2)]
    _, human = build_messages(
        sentences, CANDIDATES + CANDIDATES[:1], hints=hints, paragraph_ends=[2, 3]
    )
    text = str(human.content)
    # A blank line after each paragraph but the last, whose end the text itself closes.
    assert "[2] Two.\n\n[3] Three.\n\n[4] Four.\n[5] Five.\nImages:" in text
    assert "<img1> (best [1] 50% end [2] strong)" in text
    assert "<img2> (best [3] 50% end [3] strong)" in text
    # Past the last known end, the paragraph runs to the last sentence shown.
    assert "<img3> (best [5] 20% end [5] weak)" in text


def test_hint_notes_copy_each_hint_in_candidate_order():
    hints = [(4, 0.62), (1, 0.394), (2, 0.395)]
    assert hint_notes(hints, [], 5) == "img1 end [4] strong; img2 end [1] weak; img3 end [2] strong"
    assert hint_notes(hints, [2, 5], 5) == (
        "img1 end [5] strong; img2 end [2] weak; img3 end [2] strong"
    )
    assert hint_notes([], [], 0) == ""
    # An image the plan shows gets its answer entry right after its hint.
    assert hint_notes(hints[:2], [2, 5], 5, plan=[(2, 1)]) == (
        'img1 end [5] strong; img2 end [2] weak {"image": 2, "after": 1}'
    )


def test_the_answer_prompt_puts_the_passages_before_the_question_and_says_how_to_decline():
    from m2io_graph.prompts import ANSWER_PROMPT, DECLINE

    system, human = ANSWER_PROMPT.format_messages(query="Q?", context="[1] T\nbody")
    assert "only the passages" in system.content
    assert human.content.index("[1] T") < human.content.index("Question: Q?")
    assert human.content.endswith(DECLINE)


def test_declines_recognizes_the_ways_a_model_says_the_documents_lack_the_answer():
    from m2io_graph.prompts import DECLINE, declines

    for text in (
        DECLINE,
        "The passage does not cover this.",
        "The context doesn't mention WireGuard.",
        "These documents do not contain information about NFS.",
    ):
        assert declines(text), text
    for text in ("Use ssh -L to forward a port.", "This does not cover every case."):
        assert not declines(text), text
