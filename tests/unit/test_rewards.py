import inspect

import pytest

from m2io_graph.rewards import (
    format_reward,
    grpo_rewards,
    make_selection_reward,
    position_reward,
    selection_reward,
)

# What GRPO trains on (tests/unit/test_training_grpo.py checks it is this list).
REWARDS = grpo_rewards()

# Gold: image 1 after sentence 2, image 3 after sentence 0; 4 sentences, 4 candidates.
GOLD = [{"image": 1, "after": 2}, {"image": 3, "after": 0}]
COLUMNS = {"n_sentences": [4], "n_candidates": [4], "gold": [GOLD]}


def one(func, completion, **overrides):
    (value,) = func([completion], **{**COLUMNS, **overrides})
    return value


def test_format_reward_is_parse_accepting_it():
    assert one(format_reward, '<think>x</think><answer>[{"image": 1, "after": 2}]</answer>') == 1.0
    assert one(format_reward, "<answer>[]</answer>") == 1.0
    assert one(format_reward, '[{"image": 1, "after": 2}]') == 0.0
    assert one(format_reward, '<answer>[{"image": 5, "after": 2}]</answer>') == 0.0
    assert (
        one(format_reward, '<answer>[{"image": 1, "after": 1}, {"image": 1, "after": 2}]</answer>')
        == 0.0
    )


def test_invalid_format_scores_zero_everywhere():
    bad = '<answer>[{"image": 1, "after": 9}, {"image": 3, "after": 0}]</answer>'
    assert [one(f, bad) for f in REWARDS.funcs] == [0.0, 0.0, 0.0]


def test_selection_is_f1_by_default_and_recall_on_request():
    # chosen {1, 2, 3} vs gold {1, 3}: P = 2/3, R = 1, F1 = 0.8
    completion = '<answer>[{"image": 1, "after": 2}, {"image": 2, "after": 1}, {"image": 3, "after": 4}]</answer>'
    assert one(selection_reward, completion) == pytest.approx(0.8)
    assert one(selection_reward, completion, selection="recall") == 1.0
    assert one(make_selection_reward("recall"), completion) == 1.0
    assert one(make_selection_reward("f1"), completion) == pytest.approx(0.8)


def test_showing_every_candidate_pays_under_recall_only():
    everything = '<answer>[{"image": 1, "after": 1}, {"image": 2, "after": 1}, {"image": 3, "after": 1}, {"image": 4, "after": 1}]</answer>'
    assert one(selection_reward, everything, selection="recall") == 1.0
    assert one(selection_reward, everything) == pytest.approx(2 / 3)


def test_selection_mode_as_a_dataset_column():
    completion = '<answer>[{"image": 1, "after": 2}]</answer>'
    rewards = selection_reward(
        [completion, completion],
        gold=[GOLD, GOLD],
        n_sentences=[4, 4],
        n_candidates=[4, 4],
        selection=["f1", "recall"],
    )
    assert rewards == pytest.approx([2 / 3, 0.5])


def test_factory_rewards_have_names_for_trl():
    assert make_selection_reward("recall").__name__ == "selection_recall_reward"
    assert make_selection_reward("recall") is make_selection_reward("recall")
    assert [f.__name__ for f in REWARDS.funcs] == [
        "format_reward",
        "selection_f1_reward",
        "position_reward",
    ]
    assert grpo_rewards(selection="recall").funcs[1] is make_selection_reward("recall")
    with pytest.raises(ValueError, match="'f1' or 'recall'"):
        make_selection_reward("precision")


def test_position_reward_counts_gold_images_at_their_sentence():
    # image 1 right, image 3 at the wrong sentence, image 2 is not gold
    completion = '<answer>[{"image": 1, "after": 2}, {"image": 3, "after": 1}, {"image": 2, "after": 0}]</answer>'
    assert one(position_reward, completion) == 0.5
    assert one(position_reward, "<answer>[]</answer>") == 0.0


def test_empty_gold_plan():
    empty = {"gold": [[]]}
    assert one(selection_reward, "<answer>[]</answer>", **empty) == 1.0
    assert one(position_reward, "<answer>[]</answer>", **empty) == 1.0
    shown = '<answer>[{"image": 2, "after": 1}]</answer>'
    assert one(selection_reward, shown, **empty) == 0.0
    assert one(selection_reward, shown, selection="recall", **empty) == 1.0
    assert one(position_reward, shown, **empty) == 0.0


def test_conversational_completions():
    text = '<answer>[{"image": 3, "after": 0}]</answer>'
    message = [{"role": "assistant", "content": text}]
    parts = [{"role": "assistant", "content": [{"type": "text", "text": text}]}]
    for completion in (message, parts):
        assert one(format_reward, completion) == 1.0
        assert one(selection_reward, completion) == pytest.approx(2 / 3)
        assert one(position_reward, completion) == 0.5


def test_batch_takes_columns_per_completion_and_ignores_other_kwargs():
    rewards = format_reward(
        [
            '<answer>[{"image": 2, "after": 3}]</answer>',
            '<answer>[{"image": 2, "after": 3}]</answer>',
        ],
        n_sentences=[3, 2],
        n_candidates=[2, 2],
        prompts=["p", "p"],
        completion_ids=[[1], [2]],
        trainer_state=None,
    )
    assert rewards == [1.0, 0.0]


def test_total_reward_with_alpha_0_8():
    # chosen {1: 2, 3: 1} vs gold {1: 2, 3: 0}: format 1, F1 = 1, position 1/2
    completion = '<think>1 shows step 2</think><answer>[{"image": 1, "after": 2}, {"image": 3, "after": 1}]</answer>'
    weights = REWARDS.weights
    assert weights == pytest.approx([1.0, 0.8, 0.2])
    terms = [one(f, completion) for f in REWARDS.funcs]
    assert terms == pytest.approx([1.0, 1.0, 0.5])
    # 1 + 0.8 * 1 + 0.2 * 0.5 (swapped weights would give 1.6)
    assert sum(w * t for w, t in zip(weights, terms, strict=True)) == pytest.approx(1.9)


def test_alpha_out_of_range():
    with pytest.raises(ValueError, match="between 0 and 1"):
        grpo_rewards(1.5)


def test_reward_funcs_take_completions_first_then_keywords():
    for func in [*REWARDS.funcs, selection_reward]:
        params = inspect.signature(func).parameters
        assert next(iter(params)) == "completions"
        assert any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
