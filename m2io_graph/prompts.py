"""Text given to models: the answer prompt, and how an answer that declines reads."""

import re

from langchain_core.prompts import ChatPromptTemplate

from m2io_graph.state import Chunk

DECLINE = "The documents do not cover this."
"""What the answer says when the retrieved passages do not answer the question."""

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You answer questions about technical documentation using only the passages the "
            "user gives. Do not add commands, options or facts that the passages do not contain.",
        ),
        (
            "human",
            "Passages:\n{context}\n\nQuestion: {query}\n\n"
            "Answer in two to four plain sentences from the passages above, naming commands and "
            "options as the passages write them. If none of the passages is about the question, "
            f"answer: {DECLINE}",
        ),
    ]
)
"""The passages and the question in the user's turn, the instructions after them: small
instruction-tuned models (Qwen2.5-Coder 0.5B/1.5B) follow a request that comes last far more
reliably than a system prompt read before a thousand tokens of context."""

_DECLINES = re.compile(
    r"\b(?:documents?|passages?|context|texts?)\b[^.]{0,40}\b(?:do(?:es)?n[o']t|not)\s+"
    r"(?:cover|contain|answer|mention|provide|include|address)",
    re.IGNORECASE,
)


def declines(text: str) -> bool:
    """Whether an answer says that its documents do not answer the question (ours, or the way
    a model rephrases it: "The passage does not cover this", "the context does not mention")."""
    return bool(_DECLINES.search(text))


def format_context(documents: list[Chunk]) -> str:
    """Numbered passages with their titles, the way the answer prompts expect them."""
    return "\n\n".join(f"[{i}] {d['title']}\n{d['text']}" for i, d in enumerate(documents, 1))
