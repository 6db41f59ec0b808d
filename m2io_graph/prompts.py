"""Text given to models."""

from langchain_core.prompts import ChatPromptTemplate

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
