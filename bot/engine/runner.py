"""The flow engine: a flow, a session and a resume in; a new session and events out.

Pure: no I/O, no clock (``Context.today`` is passed in), no database. The host
applies the events it returns in one transaction. What a step's actions do is in
``bot.engine.actions``; how a reply is read is in ``bot.engine.replies``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot import answers
from bot.engine.actions import ActionModel
from bot.engine.definition import CHOOSING, END, Flow, Step, Text, text_for
from bot.engine.events import (
    EndStatus,
    Event,
    Expired,
    FlowEnded,
    MessageKind,
    Problem,
    Reply,
    ResultStatus,
    Resume,
    Returned,
    SaveResult,
    SendText,
    TimedOut,
    Waiting,
)
from bot.engine.replies import parse
from bot.engine.session import Context, Outcome, Session, SessionStatus
from bot.engine.templates import PERSONAL, TemplateProblem, Templates
from bot.language import texts

__all__ = ["MAX_STEPS_PER_TURN", "Context", "Engine", "Outcome", "Session", "SessionStatus", "parse"]

# A flow that runs this many steps without stopping to ask is going round in circles.
MAX_STEPS_PER_TURN = 100


class Engine:
    def __init__(self, templates: Templates | None = None) -> None:
        self.templates = templates or Templates()

    def start(self, flow: Flow, context: Context) -> Outcome:
        return self._start(flow, context).outcome()

    def start_many(self, flow: Flow, contexts: Sequence[Context]) -> list[Outcome]:
        """``start`` for each context. A start that read nothing of its person (their name,
        their answers) comes out the same for everyone with the same language, time zone,
        ``settings`` and ``extra`` (the same objects): it is worked out once for them."""
        alike: dict[tuple[Any, ...], Outcome] = {}
        outcomes: list[Outcome] = []
        for context in contexts:
            # The objects' ids stand for them while ``contexts`` holds every one of them.
            key = (context.participant.get("language"), context.participant.get("timezone"),
                   id(context.settings), id(context.extra))
            outcome = alike.get(key)
            if outcome is None:
                turn = self._start(flow, context)
                outcome = turn.outcome()
                if not turn.personal:
                    alike[key] = outcome
            outcomes.append(outcome)
        return outcomes

    def _start(self, flow: Flow, context: Context) -> _Turn:
        turn = _Turn(self.templates, flow, Session(flow.flow, flow.version), context)
        turn.enter(flow.steps[0].id)
        return turn

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
        elif isinstance(resume, Returned):
            turn.again(resume.lead)
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
        self.personal = False  # whether anything read so far was of the person (see start_many)

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

    def render(self, step: str, text: Text, language: str | None = None) -> str | None:
        scope = self.scope()
        if language:
            scope["lang"] = language
        source = text_for(text, scope["lang"])
        self.personal = self.personal or self.templates.reads_person(source)
        try:
            return self.templates.text(source, scope)
        except TemplateProblem as exc:
            self.events.append(Problem(step, str(exc)))
            return None

    def send(self, step: Step, text: Text | str | None, kind: MessageKind, ask: bool = False) -> None:
        body = self.render(step.id, text) if text is not None else None
        options = self.options(step) if ask else ()
        poll = (self.render(step.id, step.poll) or "") if ask and step.poll and options else ""
        if body or options:
            self.events.append(SendText(body or "", step.id, kind, options, poll,
                                        bool(options) and step.answer.type == "choices",
                                        self.values(step) if ask else ()))

    def items(self, step: Step) -> list[tuple[str, Text, tuple[str, ...]]]:
        """A choice question's options as (value, label, aliases): given in the flow, or by
        the variable its ``options_from`` names (the options of a poll, say)."""
        expect = step.answer
        if expect.type not in CHOOSING:
            return []
        if expect.options_from is None:
            return [(o.value, o.label, tuple(o.aliases)) for o in expect.options]
        self.personal = self.personal or expect.options_from.split(".")[0] in PERSONAL
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

    def values(self, step: Step) -> tuple[str, ...]:
        return tuple(value for value, _, _ in self.items(step))

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
        self.personal = self.personal or self.templates.reads_person(condition, expression=True)
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
        sorry = self.render(step.id, texts.NOT_UNDERSTOOD)
        question = self.render(step.id, step.ask) if step.ask else None
        body = "\n".join(t for t in (sorry, question) if t)
        options = self.options(step)
        self.events.append(SendText(body, step.id, "retry", options,
                                    multiple=bool(options) and step.answer.type == "choices",
                                    values=self.values(step)))

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

    def again(self, lead: str) -> None:
        """The question the session waits at, asked again (after ``lead``), its nudge afresh."""
        step = self.flow.step(self.session.step or "")
        if step.ask is None:
            return
        first = len(self.events)
        self.send(step, step.ask, "ask", ask=True)
        if lead and len(self.events) > first:
            asked = self.events[first]
            if isinstance(asked, SendText):
                self.events[first] = replace(asked, text=f"{lead}\n{asked.text}")
        self.events.append(Waiting(step.id, step.timeout.after if step.timeout else None))
        self.session = replace(self.session, nudged=False)

    # --- actions (the ``Run`` an action sees) ---------------------------------------

    def emit(self, event: Event) -> None:
        self.events.append(event)

    def act(self, step: Step, action: ActionModel) -> None:
        action.execute(self, step.id)

    def evaluate(self, step: str, expression: str) -> Any:
        self.personal = self.personal or self.templates.reads_person(expression, expression=True)
        try:
            return self.templates.value(expression, self.scope())
        except TemplateProblem as exc:
            self.events.append(Problem(step, str(exc)))
            return None
