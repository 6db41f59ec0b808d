"""A PDF page's geometry → reading order: text runs into lines, lines into columns and
paragraphs, figures placed among them where a reader meets them.

A PDF has no paragraphs, only positioned runs of glyphs, and its content stream is in whatever
order the producer wrote. A reader of a two-column paper goes down the left column, then the
right, and a full-width figure or title cuts both: so elements that span the middle split the
page into bands, and each band is read left column first. Coordinates are PDF points with the
origin at the bottom left (y grows upwards), as pdfium gives them.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

CAPTION = re.compile(
    r"^\s*(fig(?:ure)?s?|abb(?:ildung)?|bild|illustration)\.?\s*(\d+(?:[.\-]\d+)*|[IVX]+)\b"
    r"\s*[.:—–-]?",
    re.IGNORECASE,
)
"""A line that opens a figure caption: "Figure 3:", "Fig. 2.", "FIG. 1.", "Abb. 4", "Figure 21.1"."""


@dataclass
class Box:
    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def width(self) -> float:
        return self.right - self.left

    def union(self, other: Box) -> Box:
        return Box(
            min(self.left, other.left),
            min(self.bottom, other.bottom),
            max(self.right, other.right),
            max(self.top, other.top),
        )

    def overlaps_x(self, other: Box) -> bool:
        return min(self.right, other.right) - max(self.left, other.left) > 0

    def inside(self, other: Box, slack: float = 2.0) -> bool:
        return (
            self.left >= other.left - slack
            and self.right <= other.right + slack
            and self.bottom >= other.bottom - slack
            and self.top <= other.top + slack
        )


@dataclass
class Line:
    box: Box
    text: str
    size: float = 0.0
    """Font size in points (a glyph box's height depends on the letters: "acters" has no
    ascender, so paragraphs and headings go by this)."""


@dataclass
class Figure:
    """A figure region (raster images, vector drawing, or both) and its caption, if found."""

    box: Box
    caption: str = ""
    lines: list[Line] = field(default_factory=list)
    """The caption's lines (taken out of the text)."""


def group_lines(runs: list[Line]) -> list[Line]:
    """Runs of text on one baseline → lines, left to right; runs far apart on the same baseline
    (the two columns of a paper, the cells of a table) stay separate lines. A run set a little
    higher or lower (a superscript, a link) belongs to the line it overlaps most."""
    rows: list[tuple[Box, list[Line]]] = []
    for run in sorted(runs, key=lambda r: -(r.box.top + r.box.bottom)):
        if not run.text.strip():
            continue
        for index in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            box, members = rows[index]
            overlap = min(box.top, run.box.top) - max(box.bottom, run.box.bottom)
            if overlap > 0.5 * max(min(box.height, run.box.height), 0.5):
                members.append(run)
                break
        else:
            rows.append((run.box, [run]))
            continue
        rows[index] = (_row_box(rows[index][1]), rows[index][1])
    lines: list[Line] = []
    for row, members in rows:
        for line in _split_row(sorted(members, key=lambda r: r.box.left)):
            line.box = Box(line.box.left, row.bottom, line.box.right, row.top)  # one row, one top
            lines.append(line)
    return lines


def _row_box(members: list[Line]) -> Box:
    """The row's vertical extent is its tallest run's: superscripts do not stretch it."""
    tallest = max(members, key=lambda r: r.box.height).box
    return Box(
        min(r.box.left for r in members),
        tallest.bottom,
        max(r.box.right for r in members),
        tallest.top,
    )


def _split_row(members: list[Line]) -> list[Line]:
    lines: list[Line] = []
    for run in members:
        size = max(run.box.height, 1.0)
        if lines and run.box.left - lines[-1].box.right < 0.9 * size:
            line = lines[-1]
            gap = run.box.left - line.box.right
            glued = line.text.endswith((" ", "\ufffe", "\x02")) or run.text.startswith(" ")
            joiner = "" if glued or gap < 0.15 * size else " "
            line.text = line.text + joiner + run.text
            line.box = line.box.union(run.box)
            line.size = max(line.size, run.size)
        else:
            box = run.box
            lines.append(Line(Box(box.left, box.bottom, box.right, box.top), run.text, run.size))
    for line in lines:
        line.text = re.sub(r"[ \t\r\n]+", " ", line.text).strip()
    return lines


@dataclass(frozen=True)
class Columns:
    """Where a page's text columns are: one, or two split at `middle`."""

    left: float
    right: float
    middle: float | None = None

    def side(self, box: Box) -> int:
        """0: spans the page (or single column), 1: left column, 2: right column."""
        if self.middle is None:
            return 0
        if box.right <= self.middle + 2:
            return 1
        if box.left >= self.middle - 2:
            return 2
        return 0


def find_columns(lines: list[Line]) -> Columns:
    """Two columns when many lines sit wholly on each side of a gutter that no wide line crosses.
    Short labels inside a figure do not count: a column line is at least a third of the page."""
    if not lines:
        return Columns(0.0, 0.0)
    left = min(line.box.left for line in lines)
    right = max(line.box.right for line in lines)
    middle = (left + right) / 2
    long = [line for line in lines if line.box.width > 0.3 * (right - left)]
    on_left = sum(line.box.right < middle for line in long)
    on_right = sum(line.box.left > middle for line in long)
    crossing = sum(line.box.left < middle - 10 < middle + 10 < line.box.right for line in long)
    if on_left >= 4 and on_right >= 4 and crossing < min(on_left, on_right):
        return Columns(left, right, middle)
    return Columns(left, right)


def reading_order(items: list[tuple[Box, object]], columns: Columns) -> list[object]:
    """Items top to bottom; on two columns, band by band (a band ends at an item that spans
    both), each band's left column before its right."""
    ordered: list[object] = []
    band: dict[int, list[tuple[Box, object]]] = {1: [], 2: []}

    def flush() -> None:
        for side in (1, 2):
            ordered.extend(item for _, item in sorted(band[side], key=lambda b: -b[0].top))
            band[side] = []

    for box, item in sorted(items, key=lambda b: (-b[0].top, b[0].left)):
        side = columns.side(box)
        if side == 0:
            flush()
            ordered.append(item)
        else:
            band[side].append((box, item))
    flush()
    return ordered


def body_size(lines: list[Line]) -> float:
    """The font size of body text: the commonest among lines of some length."""
    sizes = [round(line.size * 2) / 2 for line in lines if len(line.text) > 20 and line.size]
    return float(statistics.mode(sizes)) if sizes else 10.0


def paragraphs(lines: list[Line], body: float) -> list[list[Line]]:
    """Consecutive lines (already in reading order, one column at a time) → paragraphs: a new
    one after a gap wider than the leading, at a change of size (a heading), at an indented
    first line, or after a short line that ends a sentence."""
    blocks: list[list[Line]] = []
    for line in lines:
        if blocks and not _starts_paragraph(blocks[-1][-1], line, body):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _starts_paragraph(previous: Line, line: Line, body: float) -> bool:
    gap = previous.box.bottom - line.box.top
    if gap > 0.9 * body or gap < -2 * body:  # a wide gap, or a jump (to another column)
        return True
    if abs(line.size - previous.size) > 0.15 * body:
        return True
    if line.box.left > previous.box.left + 0.8 * body and line.box.right >= previous.box.right - 2:
        return True
    return previous.box.right < line.box.right - 3 * body and previous.text.endswith((".", ":"))


def join_lines(block: list[Line]) -> str:
    """A paragraph's text: lines joined, words split at a line end rejoined (pdfium marks a
    soft hyphen as U+FFFE or U+0002)."""
    text = ""
    for line in block:
        piece = line.text
        if text.endswith(("\ufffe", "\x02")):
            text = text[:-1] + piece
        elif text.endswith("-") and piece[:1].islower() and not text.endswith(" -"):
            text = text + piece
        else:
            text = f"{text} {piece}" if text else piece
    return text.replace("\ufffe", "").replace("\x02", "").strip()
