"""Text patterns written once and read by every decoding engine we drive: as a regular
expression by outlines (the transformers path), and as a grammar by llama.cpp, in GBNF (its own
grammar engine) or in llguidance's Lark dialect (the engine xllamacpp is built with).

Only what the inserter grammar needs: literals, sequences, alternatives and bounded repetition,
the common ground of the dialects, so a translation cannot lose or add a string. GBNF and Lark
share the expression syntax of these four (quoted literals, juxtaposition, `|`, `?`, `{m,n}`)
and differ only in how a rule is declared. `template` turns the output of a writer
(`format_item`, say) into a pattern, so that a layout has one author and the grammar follows it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass


class Pattern:
    """A set of strings; `a + b` is their concatenation."""

    def regex(self) -> str:
        raise NotImplementedError

    def expr(self) -> str:
        """The pattern as a grammar expression, in the syntax GBNF and Lark share."""
        raise NotImplementedError

    def gbnf(self) -> str:
        """A whole GBNF grammar (llama.cpp's) whose one rule is this pattern."""
        return f"root ::= {self.expr()}\n"

    def lark(self) -> str:
        """The same grammar for llguidance, which llama.cpp runs for a grammar that starts with
        `%llguidance`: its token masks cost a few microseconds where the GBNF engine's cost
        milliseconds (guided SmolLM2 decodes about three times faster)."""
        return f"%llguidance {{}}\nstart: {self.expr()}\n"

    def __add__(self, other: Pattern) -> Pattern:
        return Seq((self, other))


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


@dataclass(frozen=True)
class Lit(Pattern):
    text: str

    def regex(self) -> str:
        return re.escape(self.text)

    def expr(self) -> str:
        return '"' + "".join(_ESCAPES.get(c, c) for c in self.text) + '"'


@dataclass(frozen=True)
class Seq(Pattern):
    parts: tuple[Pattern, ...]

    def regex(self) -> str:
        return "".join(p.regex() for p in self.parts)

    def expr(self) -> str:
        return " ".join(p.expr() for p in self.parts) or '""'


@dataclass(frozen=True)
class Alt(Pattern):
    options: tuple[Pattern, ...]

    def __post_init__(self) -> None:
        if not self.options:
            raise ValueError("an alternative needs at least one option")

    def regex(self) -> str:
        return "(?:" + "|".join(p.regex() for p in self.options) + ")"

    def expr(self) -> str:
        return "(" + " | ".join(p.expr() for p in self.options) + ")"


@dataclass(frozen=True)
class Repeat(Pattern):
    inner: Pattern
    low: int
    high: int

    def _bounds(self) -> str:
        return "?" if (self.low, self.high) == (0, 1) else f"{{{self.low},{self.high}}}"

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError(f"bad repetition bounds {self.low}..{self.high}")

    def regex(self) -> str:
        return f"(?:{self.inner.regex()}){self._bounds()}" if self.high else ""

    def expr(self) -> str:
        # `{0,0}` is an error to GBNF engines: no repetition is the empty string
        return f"({self.inner.expr()}){self._bounds()}" if self.high else '""'


def optional(inner: Pattern) -> Pattern:
    return Repeat(inner, 0, 1)


def choice(words: list[str]) -> Pattern:
    return Alt(tuple(Lit(w) for w in words))


def template(writer: Callable[..., str], **slots: Pattern) -> Pattern:
    """What `writer(**slots)` writes, with each slot's pattern where its value went.

    The writer is called with placeholders; they must come out verbatim, so the writer has to
    put its arguments into the text as they are (an f-string does).
    """
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(slots)}
    text = writer(**marks)
    by_mark: Mapping[str, Pattern] = {marks[name]: p for name, p in slots.items()}
    pieces = re.split("(\x00\\d+\x00)", text)
    if sorted(p for p in pieces if p in by_mark) != sorted(by_mark):
        raise ValueError(f"{writer.__name__} does not write each slot once: {text!r}")
    parts = tuple(by_mark[p] if p in by_mark else Lit(p) for p in pieces if p)
    return Seq(parts)
