"""Grounding: a sentence that names a command, option or path its passages lack is left out."""

from m2io_graph.grounding import ground, technical_terms, unsupported_terms

CONTEXT = (
    "ssh -L 8000:server:25 intermediary establishes an SSH session with the intermediary host. "
    "The -R option forwards a remote port. Edit /etc/ssh/sshd_config, then run apt-get install."
)


def test_terms_are_code_tokens_options_and_paths():
    assert technical_terms("Run `ssh -L 8000:server:25 intermediary`.") == [
        "ssh",
        "-L",
        "8000:server:25",
        "intermediary",
    ]
    assert technical_terms("Use the -R option or --verbose.") == ["-R", "--verbose"]
    assert technical_terms("Edit /etc/ssh/sshd_config.") == ["/etc/ssh/sshd_config"]


def test_hyphenated_words_fractions_and_placeholders_are_not_terms():
    assert technical_terms("A well-known, time-tested and/or 1/2 approach.") == []
    assert technical_terms("Run `ssh -L <port>:<host>:<hostport> machine`.") == [
        "ssh",
        "-L",
        "machine",
    ]


def test_only_terms_the_context_lacks_are_unsupported():
    assert unsupported_terms("Use `ssh -L` with the -R option.", CONTEXT) == []
    assert unsupported_terms("Run `sudo apt-get install synaptic`.", CONTEXT) == [
        "sudo",
        "synaptic",
    ]
    assert unsupported_terms("Edit /etc/samba/smb.conf.", CONTEXT) == ["/etc/samba/smb.conf"]


def test_ground_keeps_supported_sentences_and_reports_what_it_left_out():
    paragraphs = [
        ["Local forwarding uses ssh -L.", "Run `smbpasswd -a` first."],
        ["Then edit /etc/samba/smb.conf."],
        ["Plain prose names nothing to check."],
    ]
    kept, dropped = ground(paragraphs, CONTEXT)
    assert kept == [["Local forwarding uses ssh -L."], ["Plain prose names nothing to check."]]
    assert dropped == ["smbpasswd", "-a", "/etc/samba/smb.conf"]


def test_a_sentence_that_announces_a_left_out_one_goes_with_it():
    paragraphs = [["To block traffic, use the following command:", "`nft add rule drop`"]]
    assert ground(paragraphs, CONTEXT) == ([], ["nft", "add", "rule", "drop"])
    kept, _ = ground([["Use it like this:", "Run ssh -L."]], CONTEXT)
    assert kept == [["Use it like this:", "Run ssh -L."]]
