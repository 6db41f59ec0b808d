"""Options shared by several sub-commands: where the store is, and the settings of an answer."""

from __future__ import annotations

import argparse

from m2io_graph.config import M2IOConfig

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1


def store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        help="folder of the embedded Chroma store (default: M2IO_STORE_DIR or ~/.local/share/m2io_graph/store)",
    )
    parser.add_argument("--chroma-url", help="use a Chroma server at this URL instead of a folder")
    parser.add_argument(
        "--collection", help=f"collection name prefix (default: {M2IOConfig.collection})"
    )
    parser.add_argument(
        "--embedder",
        help=f"embedding model name or path (default: {M2IOConfig.embedder}, offline)",
    )


def answer_options(parser: argparse.ArgumentParser) -> None:
    """The settings of an answer, shared by `ask` and `serve` (where they are defaults)."""
    parser.add_argument(
        "--inserter",
        help="image inserter strategy: rule, cues, r1, llm, single_shot "
        f"(default: {M2IOConfig.inserter})",
    )
    parser.add_argument(
        "--cues-model",
        help="cues: a placement model written by `m2io train cues` (default: the shipped one)",
    )
    parser.add_argument(
        "--inserter-checkpoint",
        help="r1 (and serve --openai): a trained adapter/model folder (default: the shipped one)",
    )
    parser.add_argument(
        "--generator",
        help="qwen2.5-coder-1.5b, qwen2.5-coder-0.5b or smollm2 (offline, llama.cpp), gguf:PATH, "
        f"extractive, openai, or hf:<model> (default: {M2IOConfig.generator})",
    )
    parser.add_argument(
        "--inserter-runtime",
        help=f"r1 on llamacpp or transformers (default: {M2IOConfig.inserter_runtime})",
    )
    parser.add_argument(
        "--base-url", help="OpenAI-compatible endpoint for --generator openai (e.g. vLLM)"
    )
    parser.add_argument(
        "--k", type=int, help=f"how many chunks to retrieve (default: {M2IOConfig.k})"
    )
