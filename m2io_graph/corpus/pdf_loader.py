"""PDF files → one document per page: its text in reading order, and each figure rendered to a
PNG with its caption, placed after the sentence a reader meets before it.

PDFium (through `pypdfium2`, Apache-2.0 / BSD-3) parses and renders: it is the engine of
Chrome's viewer, reads damaged files, and its licence lets this Apache-2.0 package depend on it
without conditions. (PyMuPDF is AGPL-3.0: anyone serving m2io to others over a network would
have to offer their whole application's source.) A page is a document so that an answer can
cite the page a figure is on, candidates come from the pages the question is about, and a PDF
of thousands of pages is read one page at a time in bounded memory. A page that holds figures
and no text joins the page before it.

Figures are regions, not image objects: a raster image (or several side by side), or a vector
drawing found from its caption ("Figure 3: …", above or below it), rendered at 144 dpi from the
page itself, so both look as they do in the PDF. Text inside a figure (plot labels) is not body
text. Running headers and footers, page numbers and images repeated on many pages (logos) are
chrome and dropped, as in HTML; so are tiny images.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.pdf_figures import find_figures
from m2io_graph.corpus.pdf_layout import (
    Box,
    Columns,
    Figure,
    Line,
    body_size,
    find_columns,
    group_lines,
    join_lines,
    paragraphs,
    reading_order,
)
from m2io_graph.corpus.sources import LoadError, unexpected

DPI = 144
MARGIN = 0.12
"""Header and footer bands: the top and bottom 12% of a page (a line there is chrome only if it
is a page number or repeats on many pages)."""
MIN_SIDE = 24.0
"""Images smaller than this (points, about a third of an inch) on either side are icons."""


def default_figures_dir() -> Path:
    """Where figures rendered from PDFs are kept unless told otherwise (the XDG data dir, beside
    the default store): the store keeps their paths, so they must outlive a cache clean-up."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "m2io_graph" / "figures"


@dataclass
class _Chrome:
    """What repeats on many pages: running headers/footers and logos, counted in a first pass."""

    margin_texts: Counter[str]
    image_spots: Counter[tuple[int, int, int, int]]
    pages: int
    text_pages: int

    repeats = 2
    """A margin line on two pages is a running header or footer: a chapter's title heads only
    its own pages, and text in the margins rarely repeats word for word otherwise."""

    @property
    def logo_repeats(self) -> int:
        return max(self.repeats, round(0.1 * self.pages))


def iter_pdf(path: Path, *, doc_id: str, figures_dir: Path) -> Iterator[ParsedDocument]:
    """The PDF's pages as documents (`doc_id#page=N`). A file pdfium cannot open (encrypted,
    truncated beyond repair, not a PDF) raises LoadError; a page that fails is a document whose
    `skipped` says why, and the next page is read."""
    import pypdfium2 as pdfium

    path = path.resolve()  # the answer page links figures back to this file
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as error:
        raise LoadError(path, _why(error)) from error
    try:
        if len(pdf) == 0:
            raise LoadError(path, "the PDF has no pages")
        chrome = _survey(pdf)
        title = _title(pdf, path)
        slug = _slug(path.stem)
        out = figures_dir / f"{slug}-{_file_hash(path)}" / slug
        if chrome.text_pages == 0:
            skipped = f"{path}: no text layer (a scan?): nothing to answer from; run OCR first"
            yield ParsedDocument(doc_id, title, str(path), skipped=[skipped])
            return
        held: ParsedDocument | None = None
        section = ""
        for number in range(1, len(pdf) + 1):
            page_id = f"{doc_id}#page={number}"
            try:
                doc, heading = _page(pdf, number, page_id, title, path, out, chrome, section)
                section = heading or section
            except Exception as error:  # one bad page must not cost the rest of the file
                reason = f"{path}: page {number} not read ({unexpected(error)})"
                doc = ParsedDocument(page_id, f"{title}, p. {number}", str(path), skipped=[reason])
            if held is not None and doc.segments and not _has_text(doc):
                # A page of figures only (a paper's floats): a reader meets them after the
                # page before, so they join it, keeping their own page number for citing.
                held.segments.extend(doc.segments)
                held.skipped.extend(doc.skipped)
                continue
            if held is not None:
                yield held
            held = doc
        if held is not None:
            yield held
    finally:
        pdf.close()


def _has_text(doc: ParsedDocument) -> bool:
    return any(isinstance(segment, str) for segment in doc.segments)


def _why(error: Exception) -> str:
    message = str(error)
    if "password" in message.lower():
        return "the PDF is encrypted (password-protected): decrypt it first, e.g. qpdf --decrypt"
    return f"not a readable PDF ({message})"


def _title(pdf: Any, path: Path) -> str:
    title = str((pdf.get_metadata_dict() or {}).get("Title") or "").strip()
    return title if len(title) > 3 else path.stem


def _slug(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem)[:40] or "pdf"


def _file_hash(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()[:12]


def _runs(page: Any) -> list[Line]:
    """Runs of glyphs that sit side by side on one baseline, read glyph by glyph: pdfium's own
    text rectangles can run across the gutter of a two-column page."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    text = page.get_textpage()
    try:
        raw = text.raw
        runs: list[Line] = []
        current: Line | None = None
        space = False
        edges = [ctypes.c_double() for _ in range(4)]
        high = 0
        for index in range(pdfium_c.FPDFText_CountChars(raw)):
            code = pdfium_c.FPDFText_GetUnicode(raw, index) or 32
            if 0xD800 <= code < 0xDC00:  # UTF-16: a letter beyond U+FFFF (math italics) in two
                high = code
                continue
            if 0xDC00 <= code < 0xE000:
                code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00) if high else 0xFFFD
            high = 0
            char = chr(code)
            if char.isspace() or char in "\x00":
                space = True
                if char in "\r\n":
                    current = None
                continue
            pdfium_c.FPDFText_GetCharBox(raw, index, *map(ctypes.byref, edges))
            left, right, bottom, top = (edge.value for edge in edges)
            size = float(pdfium_c.FPDFText_GetFontSize(raw, index)) or max(top - bottom, 1.0)
            box = Box(left, bottom, right, top)
            if current is not None and _continues(current, box, size):
                current.text += (" " if space else "") + char
                current.box = current.box.union(box)
                current.size = max(current.size, size)
            else:
                current = Line(box, char, size)
                runs.append(current)
            space = False
        return runs
    finally:
        text.close()


def _continues(run: Line, box: Box, size: float) -> bool:
    """Whether a glyph goes on with a run: on its baseline, just right of it (not across a
    gutter, not back at the start of a line)."""
    overlap = min(run.box.top, box.top) - max(run.box.bottom, box.bottom)
    gap = box.left - run.box.right
    tall = max(min(run.box.height, box.top - box.bottom), 0.5)
    return overlap > 0.3 * tall and -0.3 * size < gap < 0.9 * size


def _objects(page: Any) -> tuple[list[Box], list[Box]]:
    """The page's images and drawings, as boxes on the page. An object nested in a form XObject
    (how LaTeX places an included PDF figure) has bounds in the form's own space, so the form
    stands for what it holds: an image when it holds one, else a drawing."""
    import pypdfium2.raw as pdfium_c

    tops: list[tuple[Box, bool]] = []
    for obj in page.get_objects(max_depth=8):
        if obj.level == 0:
            if obj.type in (
                pdfium_c.FPDF_PAGEOBJ_IMAGE,
                pdfium_c.FPDF_PAGEOBJ_PATH,
                pdfium_c.FPDF_PAGEOBJ_FORM,
            ):
                try:
                    box = Box(*obj.get_bounds())
                except Exception:  # an object pdfium cannot place is not drawn
                    continue
                tops.append((box, obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE))
            else:
                tops.append((Box(0, 0, 0, 0), False))
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE and tops:
            tops[-1] = (tops[-1][0], True)
    images = [box for box, image in tops if image]
    drawings = [box for box, image in tops if not image and (box.width > 1 or box.height > 1)]
    return images, drawings


def _margin(line: Line, height: float) -> bool:
    return line.box.bottom > (1 - MARGIN) * height or line.box.top < MARGIN * height


def _normal(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _spot(box: Box) -> tuple[int, int, int, int]:
    return (round(box.left / 4), round(box.bottom / 4), round(box.right / 4), round(box.top / 4))


def _survey(pdf: Any) -> _Chrome:

    chrome = _Chrome(Counter(), Counter(), len(pdf), 0)
    for index in range(len(pdf)):
        page = pdf[index]
        try:
            height = page.get_height()
            lines = group_lines(_runs(page))
            chrome.text_pages += bool(lines)
            chrome.margin_texts.update({_normal(x.text) for x in lines if _margin(x, height)})
            images, _ = _objects(page)
            chrome.image_spots.update({_spot(box) for box in images})
        except Exception:  # read again, and reported, when its turn comes
            continue
        finally:
            page.close()
    return chrome


def _page(
    pdf: Any,
    number: int,
    page_id: str,
    title: str,
    path: Path,
    out: Path,
    chrome: _Chrome,
    section: str,
) -> tuple[ParsedDocument, str]:
    """The page as a document, and the last heading it opens ("" if none). The document is titled
    by the PDF's title and the page's first heading, or the
    `section` an earlier page opened, or its running header ("CHAPTER 18. USER INTERFACES"):
    questions are asked about what a page is titled, and most pages open no section."""
    page = pdf[number - 1]
    try:
        width, height = page.get_size()
        lines, header = [], ""
        for line in group_lines(_runs(page)):
            if _margin(line, height) and _is_chrome(line.text, chrome):
                words = line.text.strip(" 0123456789")
                header = words if len(words) > len(header) else header
            else:
                lines.append(line)
        found, drawn = _objects(page)
        images = [
            box
            for box in found
            if min(box.width, box.height) >= MIN_SIDE
            and chrome.image_spots[_spot(box)] < chrome.logo_repeats
        ]
        paths = [box for box in drawn if box.width * box.height < 0.8 * width * height]
        columns = find_columns(lines)
        body = body_size(lines)
        figures, lines = find_figures(lines, images, paths, columns, body, height)
        doc = ParsedDocument(page_id, f"{title}, p. {number}", str(path))
        doc.segments = _segments(page, lines, figures, columns, body, number, out, doc.skipped)
        ordered = reading_order([(line.box, line) for line in lines], columns)
        headings = _headings([line for line in ordered if isinstance(line, Line)], body)
        if about := (headings[:1] or [section or header])[0]:
            doc.title = f"{title}, p. {number}: {about}"
        return doc, (headings[-1:] or [""])[0]
    finally:
        page.close()


def _is_chrome(text: str, chrome: _Chrome) -> bool:
    return text.strip().isdigit() or chrome.margin_texts[_normal(text)] >= chrome.repeats


def _headings(lines: list[Line], body: float) -> list[str]:
    """The page's headings (lines set larger than body text), each with the title that follows
    its number on the next line ("18.2" + "MS Windows Console", "Chapter 21" + "Example
    Circuits")."""
    found = []
    for index, line in enumerate(lines):
        if line.size < 1.2 * body or len(line.text) > 100 or len(line.text) < 2:
            continue
        if _NUMBERED.fullmatch(line.text) and index + 1 < len(lines):
            found.append(f"{line.text} {lines[index + 1].text}"[:100])
        elif not (found and found[-1].endswith(line.text)):
            found.append(line.text)
    return found


_NUMBERED = re.compile(r"((chapter|part|section|appendix)\s+)?[\dIVXA-Z.]+", re.IGNORECASE)


def _segments(
    page: Any,
    lines: list[Line],
    figures: list[Figure],
    columns: Columns,
    body: float,
    number: int,
    out: Path,
    skipped: list[str],
) -> list[str | ImageSpec]:
    items = [(line.box, line) for line in lines] + [(figure.box, figure) for figure in figures]
    segments: list[str | ImageSpec] = []
    pending: list[Line] = []

    def flush() -> None:
        segments.extend(join_lines(block) for block in paragraphs(pending, body))
        pending.clear()

    for index, item in enumerate(reading_order(items, columns)):
        if isinstance(item, Line):
            pending.append(item)
            continue
        flush()
        assert isinstance(item, Figure)
        try:
            png = _render(page, item.box, out.with_name(f"{out.name}-p{number:04d}-{index}.png"))
        except Exception as error:
            skipped.append(f"page {number}: a figure could not be rendered ({unexpected(error)})")
            continue
        box = (item.box.left, item.box.bottom, item.box.right, item.box.top)
        segments.append(ImageSpec(src=str(png), caption=item.caption, page=number, box=box))
    flush()
    return [s for s in segments if not isinstance(s, str) or s.strip()]


def _render(page: Any, box: Box, target: Path) -> Path:
    """The region as a PNG (written once: the name holds the file's hash and the page)."""
    if target.is_file():
        return target
    width, height = page.get_size()
    pad = 2.0
    crop = (
        max(0.0, box.left - pad),
        max(0.0, box.bottom - pad),
        max(0.0, width - box.right - pad),
        max(0.0, height - box.top - pad),
    )
    scale = min(DPI / 72, 2000 / max(box.width, box.height, 1.0))
    image = page.render(scale=scale, crop=crop).to_pil()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    image.save(partial, format="PNG")
    partial.replace(target)
    return target
