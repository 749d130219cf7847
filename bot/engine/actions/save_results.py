"""``save``: store results computed by Jinja2 expressions."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bot.engine.actions.base import ActionModel, Run, register
from bot.engine.events import SaveResult
from bot.engine.model import Identifier


@register("save")
class SaveAction(ActionModel):
    """Save results computed by Jinja2 expressions (``amount: results.miles * 0.45``)."""

    save: dict[Identifier, str]

    def execute(self, run: Run, step: str) -> None:
        for key, expression in self.save.items():
            value = _tidy(run.evaluate(step, expression))
            run.results[key] = value
            run.emit(SaveResult(step, key, value, None))

    def expressions(self) -> Iterator[tuple[str, str]]:
        return ((f"save.{key}", source) for key, source in self.save.items())


def _tidy(value: Any) -> Any:
    """Money and other sums stay exact: a float from arithmetic becomes a Decimal."""
    if isinstance(value, float):
        return Decimal(str(value))
    return value
