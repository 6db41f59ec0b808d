from test_prompt import CANDIDATES, SENTENCES

from m2io_graph.inserter.single_shot import parse_single_shot, single_shot_messages


def test_single_shot_prompt_lists_candidates_and_keeps_the_question():
    system, human = single_shot_messages(
        "How do I set up the network?", "[1] Network docs", CANDIDATES
    )
    assert "[1] Network docs" in human.content
    assert "Question: How do I set up the network?" in human.content
    assert human.content.index("Network docs") < human.content.index("<img2>")
    assert "<img2> Figure 2. The Network tab." in human.content
    assert "only the passages" in system.content


def test_parse_single_shot_places_markers_after_their_sentence():
    text = "<img2>Open the Settings menu. Pick the Network tab.<img1> Save your changes."
    sentences, insertions = parse_single_shot(text, CANDIDATES)
    assert sentences == SENTENCES
    assert insertions == [{"image_id": "b", "after": 0}, {"image_id": "a", "after": 2}]


def test_parse_single_shot_ignores_unknown_and_repeated_markers():
    text = "Open the Settings menu.<img1>\n\n<img9> Pick the Network tab. <IMG 1> Save your changes.<img0>"
    sentences, insertions = parse_single_shot(text, CANDIDATES)
    assert sentences == SENTENCES
    assert insertions == [{"image_id": "a", "after": 1}]


def test_parse_single_shot_marker_inside_a_sentence_goes_after_it():
    sentences, insertions = parse_single_shot("Open the <img1> Settings menu. Done.", CANDIDATES)
    assert sentences == ["Open the Settings menu.", "Done."]
    assert insertions == [{"image_id": "a", "after": 1}]


def test_parse_single_shot_without_markers():
    assert parse_single_shot("Just text.", CANDIDATES) == (["Just text."], [])
