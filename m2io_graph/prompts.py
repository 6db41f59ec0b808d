"""Text given to models."""

from langchain_core.prompts import ChatPromptTemplate

from m2io_graph.state import Document

ANSWER_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You answer questions about technical documentation. Use only the context below; "
            "if it does not contain the answer, say that the documents do not cover it. "
            "Answer in a few short, plain sentences without lists or headings.\n\n"
            "Context:\n{context}",
        ),
        ("human", "{query}"),
    ]
)


def format_context(documents: list[Document]) -> str:
    """Numbered passages with their titles, the way the answer prompts expect them."""
    return "\n\n".join(f"[{i}] {d['title']}\n{d['text']}" for i, d in enumerate(documents, 1))
