"""``end``: end this flow now."""

from __future__ import annotations

from typing import Literal

from bot.engine.actions.base import ActionModel, Run, register


@register("end")
class EndAction(ActionModel):
    """End this flow now."""

    ends_flow = True

    end: Literal[True]

    def execute(self, run: Run, step: str) -> None:
        run.end("completed")
