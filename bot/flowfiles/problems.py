"""One problem found in a flow file (or a fixed text), with its file, step and field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    step: str | None = None
    field: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = [self.file]
        if self.step:
            where.append(f"step {self.step!r}")
        if self.field:
            where.append(self.field)
        label = "" if self.severity == "error" else "warning: "
        return f"{': '.join(where)}: {label}{self.message}"
