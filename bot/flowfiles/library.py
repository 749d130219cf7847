"""Reading flow files: the shipped ``flows/`` package plus an optional extra directory."""

from __future__ import annotations

import functools
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


@functools.cache
def _shipped() -> tuple[list[FlowFile], list[Any]]:
    """The shipped flows and their errors (none, unless the package is damaged); read once."""
    from bot.flowfiles.checker import check_sources

    sources = list(shipped_files())
    errors = [p for p in check_sources(sources) if p.severity == "error"]
    return [load_file(name, source) for name, source in sources], errors


class Library:
    """The flows copro runs, by id. A file in the extra directory replaces a shipped one."""

    def __init__(self, files: Iterable[FlowFile]) -> None:
        self.files: dict[str, FlowFile] = {}
        for f in files:
            self.files[f.flow.flow] = f

    @classmethod
    def load(cls, extra_dir: Path | None = None) -> Library:
        """The shipped flows and those in ``extra_dir``, all checked as ``copro flows check``
        checks them: any error stops the load (``FlowError`` names every one)."""
        from bot.flowfiles.checker import check_sources

        shipped, shipped_errors = _shipped()
        extra = ([(str(p), p.read_text(encoding="utf-8")) for p in flow_paths([extra_dir])]
                 if extra_dir is not None else [])
        problems = check_sources(extra, known_flows={f.flow.flow for f in shipped})
        errors = [*shipped_errors, *(p for p in problems if p.severity == "error")]
        if errors:
            listed = "\n".join(f"  {p}" for p in errors)
            raise FlowError(f"{len(errors)} problem(s) in the flow files:\n{listed}")
        return cls([*shipped, *(load_file(name, source) for name, source in extra)])

    def __contains__(self, flow_id: object) -> bool:
        return flow_id in self.files

    def __getitem__(self, flow_id: str) -> FlowFile:
        return self.files[flow_id]

    def flows(self) -> list[Flow]:
        return [f.flow for f in self.files.values()]

    def by_keyword(self, keyword: str) -> Flow | None:
        """The flow whose ``keywords`` include ``keyword`` (already normalised)."""
        for flow in self.flows():
            if keyword in {k.casefold() for k in flow.keywords}:
                return flow
        return None
