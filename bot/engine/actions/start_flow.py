"""``start``: end this flow and start another."""

from __future__ import annotations

from bot.engine.actions.base import ActionModel, Run, register
from bot.engine.events import StartFlow


@register("start")
class StartAction(ActionModel):
    """End this flow and start another."""

    ends_flow = True

    start: str

    def execute(self, run: Run, step: str) -> None:
        run.emit(StartFlow(step, self.start))
        run.end("completed")
