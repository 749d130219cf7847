"""Reading flow files, one at a time, without checks across them: see ``library`` for those."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.engine.definition import Flow, SpecError, migrate

SHIPPED = "flows"


@dataclass(frozen=True)
class FlowFile:
    """A flow as read from one file: the parsed flow and the exact source text."""

    path: str
    source: str
    flow: Flow

    @property
    def hash(self) -> str:
        return source_hash(self.source)


class FlowError(ValueError):
    """A flow file that cannot be used; ``str()`` says which file and why."""


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def read_yaml(source: str) -> dict[str, Any]:
    data = yaml.safe_load(source)
    if not isinstance(data, dict):
        raise ValueError("a flow file holds a mapping (flow:, title:, version:, steps: ...)")
    return data


def parse_flow(source: str) -> Flow:
    """Parse and validate flow source text (raises yaml, pydantic or spec errors)."""
    return Flow.model_validate(migrate(read_yaml(source)))


def load_file(path: Path | str, source: str | None = None) -> FlowFile:
    text = Path(path).read_text(encoding="utf-8") if source is None else source
    try:
        return FlowFile(str(path), text, parse_flow(text))
    except (yaml.YAMLError, ValidationError, SpecError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FlowError(f"{path}: {first} (run `copro flows check {path}` for details)") from exc


def shipped_files() -> Iterator[tuple[str, str]]:
    """(name, source) of every flow shipped inside the package."""
    for entry in sorted(resources.files(SHIPPED).iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".yaml", ".yml")):
            yield f"{SHIPPED}/{entry.name}", entry.read_text(encoding="utf-8")


def flow_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and the ``*.yaml``/``*.yml`` files of directories, in order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            found.append(path)
    return found
