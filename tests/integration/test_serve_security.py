"""`m2io serve` keeps strangers out and documents' markup in: a real server with an API key, a
store ingested from a page whose title, file name, alt text and caption carry script, and a real
browser (headless Chromium) that must open no dialog and run nothing.

The store also holds a passage as a tampered or older store would: one image path outside the
ingested folder, one `javascript:` URL. Neither may reach a page.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from langserve import RemoteRunnable
from markdown_it import MarkdownIt
from PIL import Image
from serve_helpers import m2io_server

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.corpus.chunking import StoredChunk
from m2io_graph.corpus.ingest import ingest
from m2io_graph.state import ImageRef

KEY = "test-key-Zq8u1"
AUTH = {"Authorization": f"Bearer {KEY}"}
LLAMA_QUESTION = "How often do llamas need fresh hay?"
GOAT_QUESTION = "How often do goats need fresh water and hay?"
EVIL_PAGE = """<html><head><title>&lt;script&gt;alert(3)&lt;/script&gt; Llama care</title></head>
<body><p>Llamas need fresh hay every morning on the farm.</p>
<figure><img src="llama.png" alt="Llamas eating hay &lt;img src=x onerror=alert(1)&gt;">
<figcaption>Llamas eating fresh hay &lt;script&gt;alert(2)&lt;/script&gt;</figcaption></figure>
<p>Feed llamas fresh hay &lt;img src=x onerror=alert(4)&gt; twice a day.</p></body></html>"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """The store, and the file outside its folder that a tampered passage points at."""
    base = tmp_path_factory.mktemp("hostile")
    docs, private = base / "docs", base / "private"
    docs.mkdir()
    private.mkdir()
    Image.new("RGB", (300, 200), "sienna").save(docs / "llama.png")
    (docs / "<img src=x onerror=alert(5)>.html").write_text(EVIL_PAGE)
    Image.new("RGB", (300, 200), "teal").save(private / "goat.png")
    settings = {"store_dir": str(base / "store"), "generator": "extractive"}
    store = models.corpus_store(M2IOConfig().updated(settings))
    report = ingest(docs, store, progress=False)
    assert report.problems == [] and report.images == 1
    images = [
        ImageRef(id=name, path=path, alt=caption, caption=caption, context="", doc_id="goats")
        for name, path, caption in (
            ("outside", str(private / "goat.png"), "Goats drinking fresh water at the trough"),
            ("js", "javascript:alert(6)", "Goats eating hay from the rack"),
        )
    ]
    sentences = [
        "Goats need fresh water at the trough every morning.",
        "Goats eat hay from the rack twice a day.",
    ]
    store.add([StoredChunk("goats", "Goat care", "goats.html", sentences=sentences, images=images)])
    return settings | {"outside": private / "goat.png"}


@pytest.fixture(scope="module")
def server(hostile, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve-locked") / "server.log"
    with m2io_server(hostile, log, "--api-key", KEY) as url:
        yield url


def invoke(server: str, question: str) -> dict:
    response = httpx.post(
        f"{server}/m2io/invoke", json={"input": {"query": question}}, headers=AUTH, timeout=120
    )
    assert response.status_code == 200, response.text
    return response.json()["output"]


def test_the_key_guards_every_route_but_health(server):
    from langchain_openai import ChatOpenAI
    from openai import AuthenticationError, NotFoundError

    assert httpx.get(f"{server}/health").status_code == 200
    for path in ("/", "/answer?q=hay", "/docs", "/m2io/playground/", "/v1/models"):
        for headers in ({}, {"Authorization": "Bearer not-the-key"}):
            response = httpx.get(f"{server}{path}", headers=headers, timeout=30)
            assert response.status_code == 401, (path, headers)
    refused = httpx.post(f"{server}/m2io/invoke", json={"input": {"query": LLAMA_QUESTION}})
    assert refused.status_code == 401 and "missing API key" in refused.json()["error"]
    remote = RemoteRunnable(f"{server}/m2io/", headers=AUTH)
    assert remote.invoke({"query": LLAMA_QUESTION})["answer"]
    with pytest.raises(AuthenticationError, match="wrong API key"):
        ChatOpenAI(base_url=f"{server}/v1", api_key="not-the-key", model="m").invoke("hi")
    with pytest.raises(NotFoundError):  # past the key; this server has no --openai
        ChatOpenAI(base_url=f"{server}/v1", api_key=KEY, model="m", max_retries=0).invoke("hi")


NO_SCRIPT = """() => ({
  scripts: document.querySelectorAll("script").length,
  handlers: Array.from(document.querySelectorAll("*")).flatMap(element =>
    Array.from(element.attributes).filter(a => a.name.startsWith("on")).map(a => a.name)),
})"""
"""What of the documents' markup became live in the page: <script> elements, on* attributes."""


def dialogs_of(page) -> list[str]:
    """The messages of the dialogs (alert, confirm, prompt) the page opens, each dismissed."""
    opened: list[str] = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def test_the_answer_page_runs_no_script_from_documents(server, hostile, page):
    dialogs = dialogs_of(page)
    page.set_extra_http_headers(AUTH)
    response = page.goto(f"{server}/answer?{urlencode({'q': LLAMA_QUESTION})}")
    assert response.status == 200
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate(NO_SCRIPT) == {"scripts": 0, "handlers": []}
    caption = page.locator("figcaption").first.text_content()
    assert caption == "Llamas eating fresh hay <script>alert(2)</script>", "shown, as text"
    loaded = "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    assert page.locator("img").count() == 1 and page.evaluate(loaded)
    sources = page.locator("ol").text_content()
    assert "<script>alert(3)</script> Llama care" in sources  # the page title
    assert "<img src=x onerror=alert(5)>.html" in sources  # the file name


def test_the_playground_runs_no_script_from_documents(server, page):
    """LangServe's playground shows each node's update; the hostile strings are text there."""
    dialogs = dialogs_of(page)
    page.set_extra_http_headers(AUTH)  # for the page and for the playground's own requests
    page.goto(f"{server}/m2io/playground/")
    page.locator("textarea[id='#/properties/query-input']").fill(LLAMA_QUESTION)
    page.get_by_role("button", name="Start").click()
    page.get_by_text('"merge"').first.wait_for(timeout=60_000)  # the last node's update
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate(NO_SCRIPT)["handlers"] == []
    inline = "() => Array.from(document.scripts).filter(s => s.text.includes('alert')).length"
    assert page.evaluate(inline) == 0
    assert page.get_by_text("<script>alert(2)</script>").count() > 0, "shown, as text"


def test_the_markdown_answer_runs_no_script_in_a_chat_ui(server, page):
    """A chat UI that renders Markdown with raw HTML on (markdown-it, `html: true`)."""
    answer = invoke(server, LLAMA_QUESTION)
    assert answer["insertions"], "the figure with the hostile caption is shown"
    dialogs = dialogs_of(page)
    html = MarkdownIt("commonmark", {"html": True}).render(answer["answer"])
    page.set_content(f"<!doctype html><html><body>{html}</body></html>")
    page.wait_for_timeout(500)  # an <img onerror> fires once the image fails to load
    assert dialogs == []
    assert page.evaluate(NO_SCRIPT) == {"scripts": 0, "handlers": []}
    assert (
        "Llamas eating fresh hay <script>alert(2)</script>"
        in page.locator("em").first.text_content()
    )


def test_images_outside_the_ingested_folder_are_never_served(server, hostile):
    answer = invoke(server, GOAT_QUESTION)
    placed = {i["image_id"] for i in answer["insertions"]}
    assert placed == {"outside", "js"}, "the tampered passage's images were chosen"
    assert "javascript:" not in answer["answer"]
    page = httpx.get(
        f"{server}/answer", params={"q": GOAT_QUESTION}, headers=AUTH, timeout=120
    ).text
    secret = base64.b64encode(Path(hostile["outside"]).read_bytes()).decode()
    assert "<figure" not in page and secret not in page and "javascript:" not in page
    assert "Goats need fresh water" in page


@pytest.mark.slow
def test_chat_openai_with_the_key_reaches_the_served_inserter(hostile, tmp_path_factory):
    """`/v1` behind the same key: `ChatOpenAI(api_key=...)` sends it as OpenAI's clients do."""
    from langchain_openai import ChatOpenAI
    from openai import AuthenticationError

    log = tmp_path_factory.mktemp("serve-locked-openai") / "server.log"
    with m2io_server(hostile, log, "--openai", "--api-key", KEY) as url:

        def chat(key: str) -> ChatOpenAI:
            return ChatOpenAI(
                base_url=f"{url}/v1", api_key=key, model="m2io-inserter", max_tokens=4
            )

        assert chat(KEY).invoke("[1] Feed the llamas.\n<img1> Llamas eating hay").content
        with pytest.raises(AuthenticationError, match="wrong API key"):
            chat("not-the-key").invoke("[1] Feed the llamas.")
