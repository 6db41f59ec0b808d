"""MRAMG-Bench documents (arXiv 2502.04176) → ParsedDocuments.

The released layout is::

    MRAMG-Bench/doc_<name>.jsonl                       one [doc_id, text, img_list] per line
    MRAMG-Bench/IMAGE/images_info/<name>_imgs_collection.json
    MRAMG-Bench/IMAGE/images/<NAME>/<image_path>

where the i-th `<PIC>` in `text` stands for `img_list[i]` and the images-info file maps an image
id to {"image_path", "image_url", "image_caption"} (unzipping IMAGE.zip may add one more IMAGE/
level). Other exports use `path`/`url`/`caption`/`title`, or a list of records with an `id`;
those load too. One bad line never stops the file: it becomes an empty document whose `skipped`
says which line and why, so the ingest report shows it.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from m2io_graph.corpus.document import ImageSpec, ParsedDocument
from m2io_graph.corpus.image_files import is_remote
from m2io_graph.corpus.sources import MAX_FILE_BYTES, LoadError, read_bytes, too_large, unexpected
from m2io_graph.text import cut_at_word, normalize_space

PLACEHOLDER = "<PIC>"
TITLE_CHARS = 80
_PATH_KEYS = ("image_path", "path", "img_path", "file_name", "filename", "file")
_URL_KEYS = ("image_url", "url", "img_url")
_CAPTION_KEYS = ("image_caption", "caption", "title", "image_title")
_ID_KEYS = ("image_id", "id", "img_id", "name")
_SKIP_BYTES = 2**20
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class ImageInfo:
    """One images-info entry: a file path relative to the image folders, a URL, a caption."""

    path: str = ""
    url: str = ""
    caption: str = ""


def _text(value: Any) -> str:
    """`str(value)`, with lone surrogates as U+FFFD: JSON may escape them (`"\\ud800"`), and
    no UTF-8 page, store or response can hold them."""
    return _LONE_SURROGATE.sub("\ufffd", str(value))


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> str:
    return next((_text(record[k]) for k in keys if record.get(k) not in (None, "")), "")


def read_images_info(path: Path) -> dict[str, ImageInfo]:
    """Image id → where the file is and its caption, from a dict or a list of records."""
    try:
        data = json.loads(read_bytes(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LoadError(path, f"images-info is not valid JSON ({error})") from error
    if isinstance(data, list):
        data = {_first(r, _ID_KEYS): r for r in data if isinstance(r, dict)}
    if not isinstance(data, dict):
        raise LoadError(path, "images-info must be a JSON object (id → info) or a list of records")
    info: dict[str, ImageInfo] = {}
    for key, value in data.items():
        record = value if isinstance(value, dict) else {"path": value}
        info[_text(key)] = ImageInfo(
            _first(record, _PATH_KEYS), _first(record, _URL_KEYS), _first(record, _CAPTION_KEYS)
        )
    return info


def _collection(jsonl: Path) -> str:
    """`wit` for doc_wit.jsonl (documents) and for wit_mqa.jsonl (its questions)."""
    return re.sub(r"_mqa$", "", re.sub(r"^doc_", "", jsonl.stem))


def find_images_info(jsonl: Path) -> Path:
    """The images-info JSON of a jsonl: one named like it next to it, or MRAMG's IMAGE/ layout."""
    name = _collection(jsonl)
    here = sorted({*jsonl.parent.glob("*images_info*.json"), *jsonl.parent.glob("*imgs*.json")})
    named = [p for p in here if name in p.stem]
    if len(named) == 1 or len(here) == 1:
        return (named or here)[0]
    layout = [
        jsonl.parent / sub / "images_info" / f"{name}_imgs_collection.json"
        for sub in (".", "IMAGE", "IMAGE/IMAGE")
    ]
    for candidate in layout:
        if candidate.is_file():
            return candidate
    found = ", ".join(p.name for p in here) or "none"
    raise LoadError(
        jsonl,
        f"no images-info JSON found (next to it: {found}; also tried "
        f"{layout[1].relative_to(jsonl.parent)}); pass it explicitly",
    )


class Resolver:
    """Finds an image's file under the folders MRAMG layouts use; else keeps its URL.

    A path that leads out of the folder it is looked up in (`../../x.png`, `/etc/x.png`) is
    never used: the images-info file says where images are, not which files may be read."""

    def __init__(self, jsonl: Path, info_file: Path) -> None:
        images = info_file.parent.parent / "images"
        folders = [info_file.parent, images / _collection(jsonl).upper(), images, jsonl.parent]
        self.folders = [folder.resolve() for folder in folders]

    def src(self, info: ImageInfo) -> str | None:
        if info.path:
            for folder in self.folders:
                try:
                    candidate = (folder / info.path).resolve()
                except (OSError, ValueError):  # a NUL in the path, a symlink loop
                    continue
                if candidate.is_relative_to(folder) and candidate.is_file():
                    return str(candidate)
        if is_remote(info.url):
            return info.url
        return None


def _text_blocks(text: str) -> list[str]:
    return [b for b in map(normalize_space, text.splitlines()) if b]


def _parse_line(line: str) -> tuple[str, str, list[str]]:
    """[doc_id, text, img_list] with as many `<PIC>` as images; ValueError says what is wrong."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"bad JSON ({error.msg} at column {error.colno})") from error
    if not (isinstance(record, list) and len(record) == 3):
        raise ValueError("expected a JSON array [doc_id, text, img_list]")
    doc_id, text, images = record
    if not isinstance(text, str) or not isinstance(images, list):
        raise ValueError("text must be a string and img_list a list")
    if text.count(PLACEHOLDER) != len(images):
        raise ValueError(f"{text.count(PLACEHOLDER)} {PLACEHOLDER} for {len(images)} images")
    return _text(doc_id), _text(text), [_text(i) for i in images]


def iter_mramg(
    jsonl: Path, images_info: Path | None = None, *, max_line_bytes: int = MAX_FILE_BYTES
) -> Iterator[ParsedDocument]:
    """One ParsedDocument per line, images in place of their `<PIC>`; doc_id is the dataset's.

    The file is read a line at a time, so a jsonl of any size loads in the memory of its
    longest line; a line over `max_line_bytes`, one that is not UTF-8, and one whose reading
    fails in any other way each become an empty document whose `skipped` says why.
    """
    info_file = images_info or find_images_info(jsonl)
    info = read_images_info(info_file)
    resolver = Resolver(jsonl, info_file)
    try:
        with jsonl.open("rb") as file:
            for number, raw in enumerate(_lines(file, max_line_bytes), start=1):
                if raw is not None and not raw.strip():
                    continue
                where = f"{jsonl}:{number}"
                try:
                    doc = _document(raw, where, jsonl, info, resolver, max_line_bytes)
                except ValueError as error:
                    doc = _unreadable(jsonl, number, f"{where}: {error}")
                except Exception as error:  # one line never stops the file
                    doc = _unreadable(jsonl, number, f"{where}: {unexpected(error)}")
                yield doc
    except OSError as error:
        raise LoadError(jsonl, f"cannot read ({error.strerror or error})") from error


def _lines(file: BinaryIO, limit: int) -> Iterator[bytes | None]:
    """The file's lines (a UTF-8 BOM dropped from the first), None in place of a line over
    `limit` bytes, which is skipped without ever being held in memory whole."""
    first = True
    while line := file.readline(limit + 1):
        if first and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        first = False
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        while (rest := file.readline(_SKIP_BYTES)) and not rest.endswith(b"\n"):
            pass  # the rest of the oversized line, a block at a time
        yield None


def _unreadable(jsonl: Path, number: int, problem: str) -> ParsedDocument:
    """The empty document a bad line becomes, so the ingest report names the line."""
    return ParsedDocument(f"{jsonl.name}:{number}", "", str(jsonl), skipped=[problem])


def _document(
    raw: bytes | None,
    where: str,
    jsonl: Path,
    info: dict[str, ImageInfo],
    resolver: Resolver,
    limit: int,
) -> ParsedDocument:
    """The document of one line; a ValueError says what is wrong with it."""
    if raw is None:
        raise ValueError(too_large(limit))
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text ({error.reason} at byte {error.start})") from error
    doc_id, text, images = _parse_line(line)
    pieces = text.split(PLACEHOLDER)
    blocks = _text_blocks(text.replace(PLACEHOLDER, " "))
    title = cut_at_word(blocks[0], TITLE_CHARS) if blocks else doc_id
    doc = ParsedDocument(doc_id, title, str(jsonl), segments=_text_blocks(pieces[0]))
    for image_id, piece in zip(images, pieces[1:], strict=True):
        entry = info.get(image_id)
        src = resolver.src(entry) if entry else None
        if entry is None:
            doc.skipped.append(f"{where}: image {image_id!r} has no images-info entry")
        elif src is None:
            missing = entry.path or "no path, no URL"
            doc.skipped.append(f"{where}: image {image_id!r} not found ({missing})")
        else:
            doc.segments.append(ImageSpec(src=src, caption=normalize_space(entry.caption)))
        doc.segments.extend(_text_blocks(piece))
    return doc
