"""``set``: change fields of the participant (each value a Jinja2 expression)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any, Literal

from bot.engine.actions.base import ActionModel, Run, register
from bot.engine.events import Problem, SetField
from bot.engine.model import LANGUAGES

Settable = Literal["name", "called", "language", "timezone", "contact_start", "contact_end"]


@register("set")
class SetAction(ActionModel):
    """Save participant fields: each value is a Jinja2 expression."""

    set: dict[Settable, str]

    def execute(self, run: Run, step: str) -> None:
        for name, expression in self.set.items():
            raw = run.evaluate(step, expression)
            value = None if raw is None else participant_value(name, raw)
            if value is not None:
                run.participant[name] = value
                if name == "called":  # what templates call ``participant.name`` from now on
                    run.participant["name"] = value
                run.emit(SetField(step, name, value))
            elif raw is not None:
                run.emit(Problem(step, f"cannot set {name} to {raw!r}"))

    def expressions(self) -> Iterator[tuple[str, str]]:
        return ((f"set.{name}", source) for name, source in self.set.items())


def participant_value(name: str, value: Any) -> Any:
    """``value`` as the participant field ``name`` holds it, or None if it cannot be."""
    if name == "language":
        return value if value in LANGUAGES else None
    if name in ("contact_start", "contact_end"):
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            return None
    text = str(value).strip()
    return text[:200] or None
