"""Where a PDF page's figures are, and which text is their caption.

A caption ("Figure 3: …") names a figure; the figure is the raster image right above it (or
right below, for styles that caption on top), or else the drawing between it and the body text
above it in its column: vector plots are paths and text labels, not image objects. Images
without a caption are figures too (manuals show screenshots uncaptioned). The lines of a caption
and the labels inside a figure leave the body text.
"""

from __future__ import annotations

from m2io_graph.corpus.pdf_layout import (
    CAPTION,
    Box,
    Columns,
    Figure,
    Line,
    join_lines,
    paragraphs,
    reading_order,
)

NEAR = 3.0
"""How far (in body-line heights) an image may sit from its caption."""


def find_figures(
    lines: list[Line],
    images: list[Box],
    paths: list[Box],
    columns: Columns,
    body: float,
    page_height: float,
) -> tuple[list[Figure], list[Line]]:
    """The page's figures and the lines left as body text."""
    groups = _group(images, body)
    ordered = reading_order([(line.box, line) for line in lines], columns)
    figures: list[Figure] = []
    taken: set[int] = set()
    for block in paragraphs([x for x in ordered if isinstance(x, Line)], body):
        match = CAPTION.match(block[0].text)
        if not match or not _captions(block[0].text, match.end()):
            continue
        block = _caption_lines(block)
        box = _box(block)
        region = _image_near(box, groups, taken, body)
        if region is None:
            region = _drawing_above(box, lines, paths, images, columns, body, page_height)
        if region is not None:
            figures.append(Figure(region, join_lines(block), block))
    for index, group in enumerate(groups):
        if index not in taken and not any(group.inside(f.box) for f in figures):
            figures.append(Figure(group))
    caption_lines = {id(line) for figure in figures for line in figure.lines}
    kept = [
        line
        for line in lines
        if id(line) not in caption_lines and not any(line.box.inside(f.box) for f in figures)
    ]
    return figures, kept


def _captions(text: str, end: int) -> bool:
    """A caption has a mark after its number ("Figure 3:", "Fig. 2."), or is short; "Figure 3
    shows …" opens a sentence of body text."""
    mark = text[end - 1 : end] in {".", ":", "—", "–", "-"}
    return mark or len(text) < 60


def _caption_lines(block: list[Line]) -> list[Line]:
    """The caption's own lines: a label of the figure below may sit close enough to join its
    paragraph, but it is short and does not end a sentence."""
    kept = block[:1]
    for line in block[1:]:
        if len(line.text) < 20 and not line.text.endswith("."):
            break
        kept.append(line)
    return kept


def _box(block: list[Line]) -> Box:
    box = block[0].box
    for line in block[1:]:
        box = box.union(line.box)
    return box


def _group(images: list[Box], body: float) -> list[Box]:
    """Images that touch or nearly touch (the panels of one figure) → one region."""
    groups: list[Box] = []
    for image in sorted(images, key=lambda b: (-b.top, b.left)):
        for index, group in enumerate(groups):
            near = Box(group.left - body, group.bottom - body, group.right + body, group.top + body)
            if near.overlaps_x(image) and image.bottom < near.top and image.top > near.bottom:
                groups[index] = group.union(image)
                break
        else:
            groups.append(image)
    return groups


def _image_near(caption: Box, groups: list[Box], taken: set[int], body: float) -> Box | None:
    best: tuple[float, int] | None = None
    for index, group in enumerate(groups):
        if index in taken or not group.overlaps_x(caption):
            continue
        above = group.bottom - caption.top
        below = caption.bottom - group.top
        distance = above if -body <= above <= NEAR * body else below
        if -body <= distance <= NEAR * body and (best is None or distance < best[0]):
            best = (distance, index)
    if best is None:
        return None
    taken.add(best[1])
    return groups[best[1]]


def _drawing_above(
    caption: Box,
    lines: list[Line],
    paths: list[Box],
    images: list[Box],
    columns: Columns,
    body: float,
    page_height: float,
) -> Box | None:
    """The drawing between the caption and the nearest body line above it, in its column; None
    when nothing is drawn there (a caption of a table, or text that only looks like one)."""
    side = columns.side(caption)
    left, right = columns.left, columns.right
    if side == 1 and columns.middle is not None:
        right = columns.middle
    elif side == 2 and columns.middle is not None:
        left = columns.middle
    width = right - left
    ceiling = page_height
    for line in lines:
        above = line.box.bottom > caption.top and line.box.overlaps_x(Box(left, 0, right, 0))
        prose = line.box.width >= 0.6 * width and len(line.text) >= 40  # labels are short
        if above and (prose or CAPTION.match(line.text)):  # body text, or the figure above
            ceiling = min(ceiling, line.box.bottom)
    area = Box(left - 2, caption.top, right + 2, ceiling)
    if area.height < 2 * body:
        return None
    drawn = [b for b in (*paths, *images) if b.inside(area) and (b.width > 1 or b.height > 1)]
    labels = [line.box for line in lines if line.box.inside(area)]
    if not drawn:
        return None
    region = drawn[0]
    for box in (*drawn[1:], *labels):
        region = region.union(box)
    return region if region.height >= body else None
