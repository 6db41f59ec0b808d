from m2io_graph.text import cut_at_word, split_sentences


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
