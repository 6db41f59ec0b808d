"""Inserter strategies by name: `configurable={"inserter": name}` picks one per call.

A strategy turns a task (the answer's sentences, the candidates, the question and its documents)
into a plan. Whatever it returns is validated by the node; an invalid plan or an error falls
back to `rule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

from m2io_graph import models
from m2io_graph.config import M2IOConfig
from m2io_graph.inserter import grammar
from m2io_graph.inserter.cues import cue_plan, load_cue_model
from m2io_graph.inserter.prompt import build_messages
from m2io_graph.inserter.rule import closest_sentences, rule_plan, similarity
from m2io_graph.inserter.single_shot import parse_single_shot, single_shot_messages
from m2io_graph.prompts import format_context
from m2io_graph.state import Candidate, Chunk, Insertion

FALLBACK = "rule"


@dataclass(frozen=True)
class InsertionTask:
    query: str
    sentences: list[str]
    candidates: list[Candidate]
    documents: list[Chunk]
    paragraph_ends: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class InsertionResult:
    insertions: list[Insertion]
    sentences: list[str] | None = None
    """Set when the strategy wrote the text itself (`single_shot`)."""


Strategy = Callable[[InsertionTask, M2IOConfig, RunnableConfig], InsertionResult]


class UnknownStrategyError(ValueError):
    """An inserter name that is not registered."""


_REGISTRY: dict[str, Strategy] = {}


def register(name: str) -> Callable[[Strategy], Strategy]:
    """Add a strategy under `name` (the built-ins below, and users' own)."""

    def add(strategy: Strategy) -> Strategy:
        _REGISTRY[name] = strategy
        return strategy

    return add


def names() -> list[str]:
    return sorted(_REGISTRY)


def get_strategy(name: str) -> Strategy:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownStrategyError(
            f"unknown inserter {name!r}; choose one of: {', '.join(names())}"
        ) from None


@register("rule")
def rule(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """Embedding similarity, a threshold, one image per sentence."""
    plan = rule_plan(models.embedder(cfg), task.sentences, task.candidates, cfg.rule_threshold)
    return InsertionResult(plan)


@register("cues")
def cues(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """The placement model trained on many manuals: which images from their similarity, where
    from the cues around each gap (paragraph ends, headings, announcing sentences)."""
    if not task.sentences or not task.candidates:
        return InsertionResult([])
    model = load_cue_model(cfg.cues_model)
    sims = similarity(models.embedder(cfg), task.sentences, task.candidates)
    return InsertionResult(
        cue_plan(model, sims, task.sentences, task.candidates, task.paragraph_ends)
    )


def prompt_messages(task: InsertionTask, cfg: M2IOConfig) -> list[BaseMessage]:
    """What `r1` and `llm` send: the task's numbered sentences and candidates, each candidate
    with the hint of the configured embedder. `m2io train data` writes the same prompt (its
    hinter is `closest_sentences` with the same embedder), so the model reads what it was
    trained on."""
    hints = closest_sentences(models.embedder(cfg), task.sentences, task.candidates)
    return build_messages(
        task.sentences, task.candidates, hints=hints, paragraph_ends=task.paragraph_ends
    )


def prompted_plan(
    chat: BaseChatModel,
    task: InsertionTask,
    cfg: M2IOConfig,
    config: RunnableConfig,
    guided: bool = False,
) -> InsertionResult:
    """Ask a chat model for a plan in the inserter grammar; GrammarError if it writes anything else.

    `guided` passes the grammar as `guide=` (a pattern that `InserterChatModel` decodes as a
    regex and `LlamaCppChatModel` as GBNF); other chat models would send an unknown argument to
    their API, so only r1 sets it.
    """
    if not task.candidates or not task.sentences:
        return InsertionResult([])
    messages = prompt_messages(task, cfg)
    n, m = len(task.sentences), len(task.candidates)
    guide = {"guide": grammar.guide(n, m)} if guided else {}
    reply = chat.invoke(messages, config, **guide)
    pairs = grammar.parse(str(reply.content), n, m)
    return InsertionResult(grammar.to_insertions(pairs, task.candidates))


@register("r1")
def r1(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """The GRPO-trained inserter model."""
    return prompted_plan(models.inserter_model(cfg), task, cfg, config, cfg.inserter_guided)


@register("llm")
def llm(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """Any chat model prompted like r1 (GPT-4o, a vLLM endpoint, the untrained base)."""
    return prompted_plan(models.inserter_llm(cfg, grammar.PLAN_TOKENS), task, cfg, config)


@register("single_shot")
def single_shot(task: InsertionTask, cfg: M2IOConfig, config: RunnableConfig) -> InsertionResult:
    """The paper's baseline: one call writes the text with image markers in it."""
    if not task.candidates:
        return InsertionResult([])
    chat = models.inserter_llm(cfg, cfg.max_new_tokens + 8 * len(task.candidates))
    messages = single_shot_messages(task.query, format_context(task.documents), task.candidates)
    sentences, insertions = parse_single_shot(
        str(chat.invoke(messages, config).content), task.candidates
    )
    if not sentences:
        raise grammar.GrammarError("the single-shot answer has no text")
    return InsertionResult(insertions, sentences)
