from m2io_graph.text import (
    cut_at_word,
    paragraph_end,
    paragraph_ends,
    split_paragraphs,
    split_sentences,
)


def test_sentences_keep_abbreviations_and_paths():
    text = (
        "Run ssh -L 8000:server:25 host. See e.g. /etc/ssh/sshd_config for v1.2 options.\n\nDone!"
    )
    assert split_sentences(text) == [
        "Run ssh -L 8000:server:25 host.",
        "See e.g. /etc/ssh/sshd_config for v1.2 options.",
        "Done!",
    ]


def test_whitespace_only_has_no_sentences():
    assert split_sentences(" \n\t ") == []


def test_cut_at_word_boundary():
    assert cut_at_word("alpha beta gamma", 12) == "alpha beta"
    assert cut_at_word("short", 12) == "short"
    assert cut_at_word("x" * 20, 5) == "xxxxx"


def test_paragraphs_and_their_ends():
    paragraphs = split_paragraphs("One. Two.\n \nThree.\n\n\nFour. Five.")
    assert paragraphs == [["One.", "Two."], ["Three."], ["Four.", "Five."]]
    assert paragraph_ends(paragraphs) == [2, 3, 5]
    # One paragraph tells nothing about where images may go.
    assert paragraph_ends([["One.", "Two."]]) == [] == paragraph_ends([])


def test_paragraph_end_of_a_sentence():
    assert [paragraph_end(s, [2, 3, 5], 6) for s in (1, 2, 3, 4, 6)] == [2, 2, 3, 5, 6]
    assert paragraph_end(4, [], 6) == 4


def test_flatten_markdown_keeps_the_words_and_drops_the_layout():
    from m2io_graph.text import flatten_markdown

    text = "Edit it:\n\n```bash\nsudo nano /etc/x.conf\n```\n\n1. **Open** the file.\n- Save it."
    assert split_paragraphs(flatten_markdown(text)) == [
        ["Edit it:"],
        ["`sudo nano /etc/x.conf`"],
        ["Open the file.", "Save it."],
    ]
