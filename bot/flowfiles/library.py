"""The flows copro runs: the shipped ``flows/`` package plus an optional extra directory,
loaded only when ``copro flows check`` finds no error in them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from bot.engine.definition import Flow
from bot.flowfiles.checker import Problem, check_fixed_texts, check_sources
from bot.flowfiles.reading import (
    FlowError,
    FlowFile,
    flow_paths,
    load_file,
    parse_flow,
    read_yaml,
    shipped_files,
    source_hash,
)

__all__ = [
    "FlowError",
    "FlowFile",
    "Library",
    "flow_paths",
    "load_file",
    "parse_flow",
    "read_yaml",
    "shipped_files",
    "source_hash",
]


@functools.cache
def _shipped() -> tuple[list[FlowFile], list[Problem]]:
    """The shipped flows and their errors, and those of the fixed texts the bot says
    outside flows (none, unless the package is damaged); read once."""
    sources = list(shipped_files())
    errors = [p for p in [*check_sources(sources), *check_fixed_texts()] if p.severity == "error"]
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
