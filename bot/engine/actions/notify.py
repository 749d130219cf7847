"""``notify``: tell the coordinators or safeguarding leads (in English).

``told`` and ``untold`` are what the participant hears, in their language,
depending on whether the notice really reached someone able to act: a step's
own ``say`` should hold only words that are true either way.
"""

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
    told: Text | None = None
    untold: Text | None = None

    def execute(self, run: Run, step: str) -> None:
        english = run.render(step, self.text, "en")
        if not english:
            return
        told = run.render(step, self.told) if self.told is not None else ""
        untold = run.render(step, self.untold) if self.untold is not None else ""
        run.emit(Notify(step, self.notify, english, self.reason, told or "", untold or ""))

    def templates(self) -> Iterator[tuple[str, Text]]:
        yield "text", self.text
        if self.told is not None:
            yield "told", self.told
        if self.untold is not None:
            yield "untold", self.untold
