"""``notify``: tell the coordinators or safeguarding leads (in English)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from bot.engine.actions.base import ActionModel, Run, register
from bot.engine.events import Notify
from bot.engine.model import Text


@register("notify")
class NotifyAction(ActionModel):
    """Tell the people who look after the group (a template ``text``)."""

    for_staff = True

    notify: Literal["coordinators", "safeguarding"]
    text: Text
    reason: str = "flow"

    def execute(self, run: Run, step: str) -> None:
        english = run.render(step, self.text, "en")
        if english:
            run.emit(Notify(step, self.notify, english, self.reason))

    def templates(self) -> Iterator[tuple[str, Text]]:
        yield "text", self.text
