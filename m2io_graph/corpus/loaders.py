"""One entry point for every corpus format: a file or a folder in, ParsedDocuments out.

Folders are read recursively in sorted order, so two ingests of the same folder see the same
documents in the same order (ids and reports are reproducible).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from m2io_graph.corpus.document import ParsedDocument
from m2io_graph.corpus.html_loader import load_html
from m2io_graph.corpus.markdown_loader import load_markdown
from m2io_graph.corpus.mramg_loader import iter_mramg
from m2io_graph.corpus.pdf_loader import default_figures_dir, iter_pdf
from m2io_graph.corpus.sources import MAX_FILE_BYTES, LoadError, unexpected

__all__ = ["FORMATS", "LoadError", "format_of", "ingest_root", "iter_documents"]

FORMATS = ("html", "markdown", "mramg", "pdf")
_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".jsonl": "mramg",
    ".pdf": "pdf",
}
_NOTICES = frozenset({"ATTRIBUTION", "LICENSE", "LICENCE", "COPYING", "COPYRIGHT", "NOTICE"})
_PAGE_LOADERS: dict[str, Callable[..., ParsedDocument]] = {
    "html": load_html,
    "markdown": load_markdown,
}


def format_of(path: Path) -> str | None:
    """The format a file's extension announces, or None for files no loader reads."""
    return _EXTENSIONS.get(path.suffix.lower())


def ingest_root(path: Path) -> Path:
    """The folder an ingest of `path` may read images from: the folder itself, or a single
    file's own folder. Images outside it are refused, and the server reads none outside it."""
    path = Path(path).resolve()
    return path if path.is_dir() else path.parent


def iter_documents(
    path: Path,
    fmt: str | None = None,
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    figures_dir: Path | None = None,
) -> Iterator[ParsedDocument]:
    """Every document in `path` (a file, or a folder searched recursively).

    `fmt` is one of FORMATS, or None to go by extension (.html/.htm/.xhtml, .md/.markdown,
    .jsonl, .pdf). For a folder, `fmt` also selects which files are read. doc_id is the path
    relative to the folder (a single file: its name); MRAMG documents keep the dataset's own ids,
    and each page of a PDF is a document `doc_id#page=N`, its figures rendered into
    `figures_dir` (default: `pdf_loader.default_figures_dir()`). PDFs are read a page at a time
    whatever their size, so `max_file_bytes` does not apply to them.
    Hidden folders, licence/attribution notices and MRAMG question files are not read. Pages
    (and MRAMG lines) over `max_file_bytes` are refused; images must lie in `ingest_root(path)`.

    A missing path or a folder without supported files raises FileNotFoundError / LoadError.
    A single file that cannot be read raises LoadError, whatever went wrong inside it; inside a
    folder the same file becomes an empty document whose `skipped` holds the reason, so one bad
    file does not stop an ingest.
    """
    path = Path(path)
    figures = figures_dir or default_figures_dir()
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)} or None")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder to load documents from")
    if path.is_file():
        chosen = fmt or format_of(path)
        if chosen is None:
            raise LoadError(path, f"unknown file type; pass a format ({', '.join(FORMATS)})")
        return _load(path, chosen, path.name, ingest_root(path), max_file_bytes, figures)
    files = sorted(
        (p for p in path.rglob("*") if p.is_file() and _wanted(p, path, fmt)),
        key=lambda p: p.relative_to(path).as_posix(),
    )
    if not files:
        wanted = fmt or "html, markdown, pdf or mramg jsonl"
        raise LoadError(path, f"no {wanted} files in this folder")
    return _load_folder(path, files, fmt, max_file_bytes, figures)


def _load_folder(
    folder: Path, files: list[Path], fmt: str | None, max_bytes: int, figures: Path
) -> Iterator[ParsedDocument]:
    root = ingest_root(folder)
    for file in files:
        doc_id = file.relative_to(folder).as_posix()
        try:
            yield from _load(file, fmt or format_of(file) or "", doc_id, root, max_bytes, figures)
        except LoadError as error:
            yield ParsedDocument(doc_id, "", str(file), skipped=[str(error)])


def _wanted(file: Path, folder: Path, fmt: str | None) -> bool:
    """Supported (and of `fmt` when given), outside hidden folders such as .git, and not a
    notice that travels with a corpus (ATTRIBUTION.md, LICENSE.md) nor MRAMG-Bench's question
    files (`<name>_mqa.jsonl`, which sit beside its `doc_<name>.jsonl`)."""
    found = format_of(file)
    hidden = any(part.startswith(".") for part in file.relative_to(folder).parts)
    notice = file.stem.upper() in _NOTICES or file.name.endswith("_mqa.jsonl")
    return found is not None and not hidden and not notice and (fmt is None or found == fmt)


def _load(
    file: Path, fmt: str, doc_id: str, root: Path, max_bytes: int, figures: Path
) -> Iterator[ParsedDocument]:
    """The file's documents; an error no loader foresaw (a parser bug on odd input) becomes a
    LoadError naming the file, like an unreadable file."""
    try:
        if fmt == "mramg":
            yield from iter_mramg(file, max_line_bytes=max_bytes)
        elif fmt == "pdf":
            yield from iter_pdf(file, doc_id=doc_id, figures_dir=figures)
        else:
            yield _PAGE_LOADERS[fmt](file, doc_id=doc_id, root=root, max_bytes=max_bytes)
    except LoadError:
        raise
    except Exception as error:
        raise LoadError(file, unexpected(error)) from error
