"""The flow engine: a flow, a session and a resume in; a new session and events out.

Pure: no I/O, no clock (``Context.today`` is passed in), no database. The host
applies the events it returns in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from decimal import Decimal
from typing import Any, Literal

from bot import answers
from bot.engine.definition import (
    CHOOSING,
    END,
    LANGUAGES,
    ConsentAction,
    EndAction,
    Flow,
    NotifyAction,
    SaveAction,
    SetAction,
    StartAction,
    Step,
    Text,
    text_for,
)
from bot.engine.events import (
    EndStatus,
    Event,
    Expired,
    FlowEnded,
    MessageKind,
    Notify,
    Problem,
    RecordConsent,
    Reply,
    ResultStatus,
    Resume,
    SaveResult,
    SendText,
    SetField,
    StartFlow,
    TimedOut,
    Waiting,
)
from bot.engine.templates import TemplateProblem, Templates
from bot.engine.values import from_json, to_json
from bot.language import texts

SessionStatus = Literal["active", "completed", "expired", "errored"]

# A flow that runs this many steps without stopping to ask is going round in circles.
MAX_STEPS_PER_TURN = 100


@dataclass(frozen=True)
class Session:
    """Where one participant is in one flow."""

    flow: str
    version: int
    step: str | None = None
    status: SessionStatus = "active"
    results: Mapping[str, Any] = field(default_factory=dict)
    retries: int = 0
    nudged: bool = False

    def state(self) -> dict[str, Any]:
        """The part kept in the session's JSON column."""
        return {"results": to_json(dict(self.results)), "retries": self.retries, "nudged": self.nudged}

    @classmethod
    def restore(
        cls, flow: str, version: int, step: str | None, status: str, state: Mapping[str, Any]
    ) -> Session:
        known: SessionStatus = status if status in ("completed", "expired", "errored") else "active"  # type: ignore[assignment]
        return cls(
            flow=flow,
            version=version,
            step=step,
            status=known,
            results=from_json(dict(state.get("results") or {})),
            retries=int(state.get("retries") or 0),
            nudged=bool(state.get("nudged")),
        )


@dataclass(frozen=True)
class Context:
    """What a flow may read besides its own session."""

    participant: Mapping[str, Any]
    today: date
    settings: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    session: Session
    events: tuple[Event, ...]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]


class Engine:
    def __init__(self, templates: Templates | None = None) -> None:
        self.templates = templates or Templates()

    def start(self, flow: Flow, context: Context) -> Outcome:
        turn = _Turn(self.templates, flow, Session(flow.flow, flow.version), context)
        turn.enter(flow.steps[0].id)
        return turn.outcome()

    def resume(self, flow: Flow, session: Session, resume: Resume, context: Context) -> Outcome:
        if session.status != "active" or session.step is None:
            return Outcome(session, ())
        turn = _Turn(self.templates, flow, session, context)
        if isinstance(resume, Reply):
            turn.answer(resume)
        elif isinstance(resume, TimedOut):
            turn.nudge(resume.step)
        elif isinstance(resume, Expired):
            turn.end("expired", "the conversation was left unfinished")
        return turn.outcome()


class _Turn:
    """One call into the engine: mutable while it runs, frozen into an Outcome."""

    def __init__(self, templates: Templates, flow: Flow, session: Session, context: Context):
        self.templates = templates
        self.flow = flow
        self.context = context
        self.participant = dict(context.participant)
        self.results = dict(session.results)
        self.session = session
        self.events: list[Event] = []
        self.steps_run = 0

    # --- the session ---------------------------------------------------------

    @property
    def language(self) -> str:
        lang = str(self.participant.get("language") or "en")
        return lang if lang in self.flow.languages else "en"

    def outcome(self) -> Outcome:
        return Outcome(replace(self.session, results=self.results), tuple(self.events))

    def end(self, status: EndStatus, reason: str = "") -> None:
        self.events.append(FlowEnded(status, self.session.step, reason))
        self.session = replace(self.session, status=status, step=None)

    def scope(self) -> dict[str, Any]:
        return {
            **self.context.extra,
            "participant": self.participant,
            "results": self.results,
            "settings": self.context.settings,
            "flow": {"id": self.flow.flow, "title": text_for(self.flow.title, self.language)},
            "lang": self.language,
        }

    def render(self, step: Step, text: Text, language: str | None = None) -> str | None:
        scope = self.scope()
        if language:
            scope["lang"] = language
        try:
            return self.templates.text(text_for(text, scope["lang"]), scope)
        except TemplateProblem as exc:
            self.events.append(Problem(step.id, str(exc)))
            return None

    def send(self, step: Step, text: Text | str | None, kind: MessageKind, ask: bool = False) -> None:
        body = self.render(step, text) if text is not None else None
        options = self.options(step) if ask else ()
        if body or options:
            self.events.append(SendText(body or "", step.id, kind, options))

    def items(self, step: Step) -> list[tuple[str, Text, tuple[str, ...]]]:
        """A choice question's options as (value, label, aliases): given in the flow, or by
        the variable its ``options_from`` names (the options of a poll, say)."""
        expect = step.answer
        if expect.type not in CHOOSING:
            return []
        if expect.options_from is None:
            return [(o.value, o.label, tuple(o.aliases)) for o in expect.options]
        found: Any = self.scope()
        for part in expect.options_from.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        items = []
        for n, item in enumerate(found if isinstance(found, list | tuple) else [], start=1):
            if isinstance(item, Mapping):
                label = item.get("label") or ""
                aliases = tuple(str(a) for a in item.get("aliases") or ())
                items.append((str(item.get("value", n)), label, aliases))
            else:
                items.append((str(n), str(item), ()))
        return items

    def options(self, step: Step) -> tuple[str, ...]:
        return tuple(text_for(label, self.language) for _, label, _ in self.items(step))

    def choices(self, step: Step) -> list[answers.ChoiceOption]:
        return [
            answers.ChoiceOption(value, tuple(label.values()) if isinstance(label, dict) else (label,),
                                 aliases)
            for value, label, aliases in self.items(step)
        ]

    # --- moving through steps -----------------------------------------------

    def enter(self, step_id: str) -> None:
        while self.session.status == "active":
            if step_id == END:
                self.end("completed")
                return
            self.steps_run += 1
            if self.steps_run > MAX_STEPS_PER_TURN:
                self.events.append(Problem(step_id, "too many steps without a question"))
                self.end("errored", "too many steps without a question")
                return
            step = self.flow.step(step_id)
            self.session = replace(self.session, step=step.id)
            self.send(step, step.say, "say")
            if step.ask is not None:
                self.send(step, step.ask, "ask", ask=True)
                self.events.append(Waiting(step.id, step.timeout.after if step.timeout else None))
                self.session = replace(self.session, retries=0, nudged=False)
                return
            step_id = self.act_then_next(step)

    def act_then_next(self, step: Step) -> str:
        for action in step.do:
            self.act(step, action)
            if self.session.status != "active":
                return END
        return self.next(step)

    def next(self, step: Step) -> str:
        if isinstance(step.next, str):
            return step.next
        for branch in step.next or ():
            if branch.when is None or self.holds(step, branch.when):
                return branch.goto
        return self.flow.after(step.id)

    def holds(self, step: Step, condition: str) -> bool:
        """A branch condition; one that cannot be worked out is false, and reported."""
        try:
            return bool(self.templates.value(condition, self.scope()))
        except TemplateProblem as exc:
            self.events.append(Problem(step.id, f"condition {condition!r}: {exc}"))
            return False

    # --- answers ---------------------------------------------------------------

    def answer(self, reply: Reply) -> None:
        step = self.flow.step(self.session.step or "")
        parsed = parse(step, reply, today=self.context.today, choices=self.choices(step))
        if parsed is None:
            retries = self.session.retries + 1
            limit = self.flow.max_retries if step.max_retries is None else step.max_retries
            if retries <= limit:
                self.session = replace(self.session, retries=retries)
                self.send_retry(step)
                return
            self.send(step, step.no_answer or texts.NO_ANSWER, "no_answer")
            self.save(step, None, reply.text, "no_answer")
        else:
            status, value = parsed
            self.save(step, value, reply.text, status)
        self.enter(self.act_then_next(step))

    def send_retry(self, step: Step) -> None:
        if step.retry is not None:
            self.send(step, step.retry, "retry", ask=True)
            return
        sorry = self.render(step, texts.NOT_UNDERSTOOD)
        question = self.render(step, step.ask) if step.ask else None
        body = "\n".join(t for t in (sorry, question) if t)
        self.events.append(SendText(body, step.id, "retry", self.options(step)))

    def save(self, step: Step, value: Any, raw: str | None, status: ResultStatus) -> None:
        if step.save_as is None:
            return
        self.results[step.save_as] = value
        self.events.append(SaveResult(step.id, step.save_as, value, raw, status))

    def nudge(self, step_id: str) -> None:
        if self.session.step != step_id or self.session.nudged:
            return  # a stale timer: the session has moved on, or was nudged already
        step = self.flow.step(step_id)
        if step.timeout is None:
            return
        self.send(step, step.timeout.nudge, "nudge", ask=True)
        self.session = replace(self.session, nudged=True)

    # --- actions ----------------------------------------------------------------

    def act(self, step: Step, action: object) -> None:
        if isinstance(action, SetAction):
            for name, expression in action.set.items():
                raw = self.evaluate(step, expression)
                value = None if raw is None else _participant_value(name, raw)
                if value is not None:
                    self.participant[name] = value
                    self.events.append(SetField(step.id, name, value))
                elif raw is not None:
                    self.events.append(Problem(step.id, f"cannot set {name} to {raw!r}"))
        elif isinstance(action, SaveAction):
            for key, expression in action.save.items():
                value = _tidy(self.evaluate(step, expression))
                self.results[key] = value
                self.events.append(SaveResult(step.id, key, value, None))
        elif isinstance(action, NotifyAction):
            english = self.render(step, action.text, "en")
            if english:
                self.events.append(Notify(step.id, action.notify, english, action.reason))
        elif isinstance(action, ConsentAction):
            self.events.append(RecordConsent(step.id, action.consent == "given"))
        elif isinstance(action, StartAction):
            self.events.append(StartFlow(step.id, action.start))
            self.end("completed")
        elif isinstance(action, EndAction):
            self.end("completed")

    def evaluate(self, step: Step, expression: str) -> Any:
        try:
            return self.templates.value(expression, self.scope())
        except TemplateProblem as exc:
            self.events.append(Problem(step.id, str(exc)))
            return None


def parse(
    step: Step, reply: Reply, *, today: date, choices: Sequence[answers.ChoiceOption] = ()
) -> tuple[ResultStatus, Any] | None:
    """The answer to ``step`` in ``reply``, or None when it is not understood.

    ``choices`` are the options of a choice question (see ``_Turn.choices``).
    """
    expect = step.answer
    text = reply.text
    if expect.type == "media":
        media = answers.parse_media(text, reply.media)
        if media is not None:
            return "answered", list(media)
        if expect.skip and (answers.is_skip(text) or answers.is_no_media(text)):
            return "skipped", None
        return None
    if expect.skip and answers.is_skip(text, expect.type):
        return "skipped", None
    value: Any = None
    if expect.type == "text":
        value = text.strip() or None
    elif expect.type == "yesno":
        value = answers.parse_yes_no(text)
    elif expect.type == "number":
        value = answers.parse_number(
            text, minimum=expect.min, maximum=expect.max, integer=expect.integer
        )
    elif expect.type == "money":
        value = answers.parse_money(text)
        if value is not None and not _within(value, expect.min, expect.max):
            value = None
    elif expect.type == "choice":
        value = answers.parse_choice(text, choices)
    elif expect.type == "choices":
        value = answers.parse_choices(text, choices)
    elif expect.type == "date":
        value = answers.parse_date(text, today=today)
    return None if value is None else ("answered", value)


def _within(value: Decimal, low: Decimal | None, high: Decimal | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _tidy(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def _participant_value(name: str, value: Any) -> Any:
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
