"""A tiny inserter task shared by the tests that call an inserter model: two sentences, a
matching image and an unrelated one."""

SENTENCES = ["Use ssh -L to forward a local port.", "The tunnel ends on the intermediary."]
CANDIDATES = [
    {
        "id": "a",
        "path": "/a.png",
        "alt": "Forwarding a local port with SSH",
        "caption": "",
        "context": "",
        "doc_id": "d",
    },
    {
        "id": "b",
        "path": "/b.png",
        "alt": "A cat on a sofa",
        "caption": "",
        "context": "",
        "doc_id": "e",
    },
]
