"""``consent``: record the participant's answer to the consent question."""

from __future__ import annotations

from typing import Literal

from bot.engine.actions.base import ActionModel, Run, register
from bot.engine.events import RecordConsent


@register("consent")
class ConsentAction(ActionModel):
    """Record the participant's answer to the consent question."""

    consent: Literal["given", "refused"]

    def execute(self, run: Run, step: str) -> None:
        run.emit(RecordConsent(step, self.consent == "given"))
