"""What the engine asks its host to do. Small frozen records; the engine does no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

MessageKind = Literal["say", "ask", "retry", "nudge", "no_answer"]
ResultStatus = Literal["answered", "skipped", "no_answer"]
EndStatus = Literal["completed", "expired", "errored"]


@dataclass(frozen=True)
class SendText:
    """Send ``text`` to the participant; ``options`` are the choices of a question. ``poll`` is
    the question as a channel's own poll shows it, where it has one (``multiple``: several
    choices may be made). ``values`` are the options' stored values, in the same order (what a
    channel's button may carry back instead of the words on it)."""

    type = "send_text"
    text: str
    step: str
    kind: MessageKind = "say"
    options: tuple[str, ...] = ()
    poll: str = ""
    multiple: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SaveResult:
    """Store an answer (``value`` is a Python value: see ``bot.engine.values``)."""

    type = "save_result"
    step: str
    key: str
    value: Any
    raw: str | None
    status: ResultStatus = "answered"


@dataclass(frozen=True)
class SetField:
    """Change a field of the participant (name, language, contact hours...)."""

    type = "set_field"
    step: str
    field: str
    value: Any


@dataclass(frozen=True)
class Notify:
    """Tell the group's coordinators or safeguarding leads about an answer.

    ``text`` is for them (in English). ``told`` and ``untold`` are for the
    participant, in their language: the host sends ``told`` only if the notice
    reached someone able to act, and ``untold`` otherwise ("" sends nothing).
    """

    type = "notify"
    step: str
    who: Literal["coordinators", "safeguarding"]
    text: str
    reason: str
    told: str = ""
    untold: str = ""


@dataclass(frozen=True)
class RecordConsent:
    type = "record_consent"
    step: str
    given: bool


@dataclass(frozen=True)
class StartFlow:
    """This flow has ended; start ``flow`` next."""

    type = "start_flow"
    step: str
    flow: str


@dataclass(frozen=True)
class Waiting:
    """The flow waits at ``step`` for a reply; nudge after ``timeout`` if set."""

    type = "waiting"
    step: str
    timeout: timedelta | None = None


@dataclass(frozen=True)
class FlowEnded:
    type = "flow_ended"
    status: EndStatus
    step: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Problem:
    """Something in the flow could not be done (a template or an expression failed)."""

    type = "problem"
    step: str
    detail: str


Event = SendText | SaveResult | SetField | Notify | RecordConsent | StartFlow | Waiting | FlowEnded | Problem


@dataclass(frozen=True)
class Reply:
    """A message from the participant."""

    type = "reply"
    text: str
    media: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TimedOut:
    """The wait at ``step`` passed its ``timeout.after``."""

    type = "timed_out"
    step: str


@dataclass(frozen=True)
class Expired:
    """The session passed the flow's ``expires_after``."""

    type = "expired"


@dataclass(frozen=True)
class Returned:
    """A conversation set aside comes back: the question it waits at is asked again, after
    ``lead`` ("Now, back to your weekly check-in.")."""

    type = "returned"
    lead: str = ""


Resume = Reply | TimedOut | Expired | Returned
