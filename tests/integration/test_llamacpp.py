"""`LlamaCppChatModel` on the real llama.cpp runtime (xllamacpp) with the real offline GGUFs."""

import threading

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk, HumanMessage

from m2io_graph.cancellation import RunCancelled, cancel_scope
from m2io_graph.inserter.grammar import completion, guide, parse
from m2io_graph.models import llamacpp
from m2io_graph.models.chat import get_chat_model
from m2io_graph.models.llamacpp import ContextWindowExceeded, LlamaCppChatModel, LocalModelError
from m2io_graph.models.offline import ModelFileError, offline_gguf

pytestmark = pytest.mark.slow

PROMPT = [HumanMessage("Name three colours.")]


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppChatModel:
    return LlamaCppChatModel(gguf=str(offline_gguf("smollm2")), max_tokens=24, n_ctx=1024)


def test_invoke_batch_and_stream_agree_and_report_usage(smollm2):
    reply = smollm2.invoke(PROMPT)
    assert reply.content and reply.usage_metadata["output_tokens"] <= 24
    assert reply.response_metadata["finish_reason"] in {"stop", "length"}
    assert [r.content for r in smollm2.batch([PROMPT, PROMPT])] == [reply.content] * 2
    chunks = list(smollm2.stream(PROMPT))
    assert len(chunks) > 3 and all(isinstance(c, AIMessageChunk) for c in chunks)
    assert "".join(c.content for c in chunks) == reply.content


def test_max_tokens_and_stop_words_end_the_answer(smollm2):
    short = smollm2.invoke(PROMPT, max_tokens=3)
    assert short.usage_metadata["output_tokens"] == 3
    full = smollm2.invoke(PROMPT).content
    word = full.split()[1]
    stopped = smollm2.invoke(PROMPT, stop=[word]).content
    assert word not in stopped and full.startswith(stopped.rstrip())


def test_a_consumer_that_stops_early_stops_the_stream(smollm2):
    stream = smollm2.stream(PROMPT, max_tokens=200)
    assert next(stream).content is not None
    stream.close()  # returns: the worker thread was told to stop and joined
    assert smollm2.invoke(PROMPT).content  # and the server still answers


class CancelAfter(BaseCallbackHandler):
    """Sets the request's scope after `tokens` tokens, as the server does at its timeout."""

    def __init__(self, scope: threading.Event, tokens: int) -> None:
        self.scope, self.tokens, self.seen = scope, tokens, 0

    def on_llm_new_token(self, token: str, **kwargs) -> None:
        self.seen += 1
        if self.seen == self.tokens:
            self.scope.set()


def test_a_request_that_ended_stops_decoding_in_invoke_and_in_stream(smollm2):
    long = {"max_tokens": 400}
    for call in (smollm2.invoke, lambda *a, **k: list(smollm2.stream(*a, **k))):
        with cancel_scope() as scope:
            counter = CancelAfter(scope, 3)
            with pytest.raises(RunCancelled):
                call(PROMPT, config={"callbacks": [counter]}, **long)
        assert counter.seen <= 4  # stopped at the next token, not after 400
    assert smollm2.invoke(PROMPT).content  # the model is free again


def test_a_grammar_per_call_holds_the_answer_in_gbnf_and_in_lark(smollm2):
    pattern = guide(2, 2)
    for grammar in (pattern.gbnf(), pattern.lark()):
        text = smollm2.invoke(PROMPT, grammar=grammar, max_tokens=200).content
        assert parse(text, 2, 2) is not None, text
    guided = smollm2.invoke(PROMPT, guide=completion(3, 2)).content
    assert parse(guided, 3, 2) is not None, guided
    assert smollm2.invoke(PROMPT, grammar='root ::= "yes" | "no"').content in {"yes", "no"}


def test_a_grammar_that_does_not_compile_is_a_clear_error(smollm2):
    with pytest.raises(LocalModelError, match="grammar"):
        smollm2.invoke(PROMPT, grammar='root ::= ("unclosed"')


def test_a_prompt_longer_than_the_context_window_is_a_clear_error(smollm2):
    with pytest.raises(ContextWindowExceeded, match="context window"):
        smollm2.invoke([HumanMessage("word " * 2000)])
    with pytest.raises(ContextWindowExceeded):
        list(smollm2.stream([HumanMessage("word " * 2000)]))


def test_concurrent_calls_share_one_model_and_never_mix_their_answers(smollm2):
    questions = [[HumanMessage(f"What is {n} plus {n}?")] for n in range(4)]
    alone = [smollm2.invoke(q).content for q in questions]
    together: dict[int, str] = {}

    def ask(n: int) -> None:
        together[n] = smollm2.invoke(questions[n]).content

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [together[n] for n in range(4)] == alone
    copy = LlamaCppChatModel(gguf=smollm2.gguf, max_tokens=5, n_ctx=1024)
    copy.invoke(PROMPT)
    keys = [k for k in llamacpp._servers if k.gguf == smollm2.gguf and k.n_ctx == 1024]
    assert len(keys) == 1  # one loaded model per (file, settings)


def test_any_gguf_file_runs_by_path(smollm2):
    model = get_chat_model(f"gguf:{smollm2.gguf}", max_new_tokens=8, n_ctx=1024)
    assert model.invoke(PROMPT).content


def test_a_truncated_gguf_is_a_clear_error(tmp_path):
    source = offline_gguf("smollm2")
    truncated = tmp_path / "truncated.gguf"
    with source.open("rb") as src:
        truncated.write_bytes(src.read(20_000_000))
    with pytest.raises(ModelFileError, match="truncated"):
        LlamaCppChatModel(gguf=str(truncated)).invoke(PROMPT)
    with pytest.raises(ModelFileError, match="no GGUF file"):
        LlamaCppChatModel(gguf=str(tmp_path / "missing.gguf")).invoke(PROMPT)


@pytest.mark.parametrize("name", ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
def test_the_shipped_qwen_models_answer_from_a_passage(name):
    model = get_chat_model(name, max_new_tokens=24, n_ctx=1024)
    reply = model.invoke(
        [
            HumanMessage(
                "Passage: The ssh -L option forwards a local port to a remote server.\n\n"
                "Question: Which ssh option forwards a local port? Answer in one sentence."
            )
        ]
    )
    assert "-L" in reply.content
