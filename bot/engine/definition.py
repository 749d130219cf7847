"""The flow file format: pydantic models for the YAML in ``flows/``.

``SPEC`` is the format version. A file names the format it was written for in
its ``spec`` field; older formats are migrated on load by ``migrate``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from bot.engine.actions import (
    Action,
    ConsentAction,
    EndAction,
    NotifyAction,
    SaveAction,
    SetAction,
    StartAction,
)
from bot.engine.model import DEFAULT_LANGUAGE, LANGUAGES, Identifier, Model, Text, text_for

SPEC = 1
END = "end"
# Step ids the engine reads as something else: a step of that name would never run.
RESERVED_STEP_IDS = frozenset({END})

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: object) -> timedelta:
    """``90s``, ``30m``, ``24h``, ``2d``, ``1w`` (or a number of seconds)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and (m := _DURATION.match(value)):
        return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    raise ValueError("a duration looks like 90s, 30m, 24h, 2d or 1w")


def _duration_text(value: timedelta) -> str:
    return f"{int(value.total_seconds())}s"


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(_duration_text, return_type=str),
]

class Option(Model):
    """One answer to a choice question."""

    value: Identifier
    label: Text
    aliases: list[str] = Field(default_factory=list)


AnswerType = Literal["text", "yesno", "number", "choice", "choices", "date", "money", "media"]
CHOOSING = ("choice", "choices")  # one option, or several
# Answers a phone's keypad can give; the others need a step's ``voice`` to say what a call does.
KEYPAD = ("yesno", "number", "choice", "choices")
# By phone call, a question the keypad cannot answer is skipped, or offered as a short recording.
VoiceWay = Literal["skip", "record"]


class Expect(Model):
    """What kind of answer a question wants."""

    type: AnswerType = "text"
    min: Decimal | None = None
    max: Decimal | None = None
    integer: bool = False
    options: list[Option] = Field(default_factory=list)
    # The options come from a variable the flow was started with (a poll's, say): a list
    # of {value, label, aliases}, labels as texts. Named with dots: ``poll.options``.
    options_from: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
    skip: bool = False

    @model_validator(mode="after")
    def _fits_type(self) -> Expect:
        if self.options_from is not None:
            if self.type not in CHOOSING:
                raise ValueError("options_from belongs to a choice or choices")
            if self.options:
                raise ValueError("give options or options_from, not both")
        elif self.type in CHOOSING and len(self.options) < 2:
            raise ValueError(f"a {self.type} needs at least 2 options")
        if self.type not in CHOOSING and self.options:
            raise ValueError("options belong to a choice or choices")
        if (self.min is not None or self.max is not None or self.integer) and self.type not in (
            "number",
            "money",
        ):
            raise ValueError("min, max and integer belong to a number or money")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is more than max")
        values = [o.value for o in self.options]
        if len(values) != len(set(values)):
            raise ValueError("two options have the same value")
        return self


class Timeout(Model):
    """One gentle nudge when a question has waited ``after`` without an answer."""

    after: Duration
    nudge: Text


class Branch(Model):
    """``goto`` a step when ``if`` (a Jinja2 expression) is true, or always without it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    when: str | None = Field(default=None, alias="if")
    goto: str


class Step(Model):
    """One step: say something, maybe ask and wait, run actions, then go on."""

    id: Identifier
    say: Text | None = None
    ask: Text | None = None
    expect: Expect | None = None
    save_as: Identifier | None = None
    retry: Text | None = None
    max_retries: int | None = Field(default=None, ge=0, le=5)
    no_answer: Text | None = None
    timeout: Timeout | None = None
    # The question as a channel's own poll shows it (Telegram), the choices its answers.
    poll: Text | None = None
    voice: VoiceWay | None = None
    do: list[Action] = Field(default_factory=list)
    next: str | list[Branch] | None = None

    @model_validator(mode="after")
    def _asks_to_wait(self) -> Step:
        if self.ask is None:
            for field in ("expect", "save_as", "retry", "max_retries", "no_answer", "timeout",
                          "poll", "voice"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{field} belongs to a step that asks")
        if self.say is None and self.ask is None and not self.do and self.next is None:
            raise ValueError("a step needs say, ask, do or next")
        if self.poll is not None and self.answer.type not in CHOOSING:
            raise ValueError("poll belongs to a choice or choices question")
        return self

    @property
    def answer(self) -> Expect:
        return self.expect or Expect()


class Flow(Model):
    """A whole flow file."""

    spec: int = SPEC
    flow: Identifier
    title: Text
    version: int = Field(ge=1)
    languages: list[str] = Field(default_factory=lambda: [DEFAULT_LANGUAGE])
    keywords: list[str] = Field(default_factory=list)
    expires_after: Duration | None = None
    max_retries: int = Field(default=2, ge=0, le=5)
    voice: bool = False  # may be taken by phone call (``bot.channels.voice``)
    steps: list[Step] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        unknown = [lang for lang in value if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; copro speaks {', '.join(LANGUAGES)}")
        if DEFAULT_LANGUAGE not in value:
            raise ValueError("every flow needs English (en), the fallback language")
        return value

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def after(self, step_id: str) -> str:
        """The step that follows ``step_id`` in file order, or ``end``."""
        ids = [s.id for s in self.steps]
        index = ids.index(step_id)
        return ids[index + 1] if index + 1 < len(ids) else END


class SpecError(ValueError):
    pass


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a flow file written for an older format up to ``SPEC``."""
    spec = data.get("spec", SPEC)
    if not isinstance(spec, int) or spec < 1:
        raise SpecError(f"spec must be a whole number from 1 to {SPEC}")
    if spec > SPEC:
        raise SpecError(f"spec {spec} is newer than this copro understands (up to {SPEC})")
    # spec 1 is the first format: nothing to migrate yet.
    return data


__all__ = [
    "CHOOSING",
    "DEFAULT_LANGUAGE",
    "END",
    "KEYPAD",
    "LANGUAGES",
    "RESERVED_STEP_IDS",
    "SPEC",
    "Action",
    "AnswerType",
    "Branch",
    "ConsentAction",
    "Duration",
    "EndAction",
    "Expect",
    "Flow",
    "Identifier",
    "NotifyAction",
    "Option",
    "SaveAction",
    "SetAction",
    "SpecError",
    "StartAction",
    "Step",
    "Text",
    "Timeout",
    "VoiceWay",
    "migrate",
    "parse_duration",
    "text_for",
]
