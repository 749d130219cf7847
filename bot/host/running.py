"""Running flows: the only caller of the engine, and the one place its events are applied.

``start`` and ``start_many`` begin a flow (for one person or for a whole group at
once: the one is the case of the other), ``resume`` carries a session on with a
reply or a timer. Either way the engine's outcome becomes the session's row and
the outbox rows of its messages, together with the answers, fields, consent and
notices its events ask for, in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.config import Config
from bot.engine.definition import Flow, text_for
from bot.engine.events import (
    Event,
    FlowEnded,
    Notify,
    Problem,
    RecordConsent,
    Reply,
    Resume,
    SaveResult,
    SendText,
    SetField,
    StartFlow,
    Waiting,
)
from bot.engine.runner import Context, Engine, Outcome, Session
from bot.engine.values import from_json, to_json
from bot.flowfiles.library import Library
from bot.host import interleave
from bot.host.definitions import Definitions
from bot.host.hooks import Hooks
from bot.host.notices import notify_staff, unheard
from bot.host.replies import Outbox, ReplyTo, view
from bot.language import texts
from storage import audit, messages, participants, results, sessions
from storage.db import Tx
from storage.models import FlowDefinition, FlowSession, Participant

log = logging.getLogger(__name__)

# A flow may start another; this many in a row is a mistake in the flows.
MAX_CHAINED_FLOWS = 5
# A start whose events are only these needs no more than its session row and its messages.
SIMPLE = (SendText, Waiting)


@dataclass(frozen=True, slots=True)
class Begin:
    """One person about to start a flow: where its messages go, and its extra variables."""

    person: Participant
    to: ReplyTo
    extra: Mapping[str, Any] = field(default_factory=dict)


def _topic_of(extra: Mapping[str, Any] | None, to: ReplyTo | None) -> str | None:
    """What a conversation is about, for its group's words: the meeting or poll it was
    started with, else what its replies are about."""
    for kind in ("meeting", "poll"):
        about = (extra or {}).get(kind)
        if isinstance(about, Mapping) and about.get("id") is not None:
            return f"{kind}:{about['id']}"
    return to.topic if to is not None else None


@dataclass(frozen=True, slots=True)
class Planned:
    """Starts of one flow worked out and not yet written (``Runner.plan_many``): each
    begin with the engine's outcome and its session's row, in the same order."""

    flow_id: str
    flow: Flow
    begins: list[Begin]
    outcomes: list[Outcome]
    rows: list[dict[str, Any]]

    def without(self, keys: Collection[str]) -> Planned:
        """The same starts but those whose messages are keyed by one of ``keys``."""
        kept = [n for n, begin in enumerate(self.begins) if begin.to.key not in keys]
        return Planned(self.flow_id, self.flow, [self.begins[n] for n in kept],
                       [self.outcomes[n] for n in kept], [self.rows[n] for n in kept])


class SessionTaken(RuntimeError):
    """Another transaction started a session for the person in the meantime."""


class Runner:
    def __init__(
        self,
        engine: Engine,
        library: Library,
        definitions: Definitions,
        hooks: Hooks,
        outbox: Outbox,
        config: Config,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.library = library
        self.definitions = definitions
        self.hooks = hooks
        self.outbox = outbox
        self.config = config
        self.clock = clock

    async def start(
        self,
        s: Tx,
        person: Participant,
        flow_id: str,
        to: ReplyTo,
        extra: Mapping[str, Any] | None = None,
        depth: int = 0,
    ) -> None:
        """Start ``flow_id`` for ``person``, ending any conversation under way."""
        await self.start_many(s, flow_id, [Begin(person, to, extra or {})], interrupt=True,
                              depth=depth)

    async def start_many(
        self, s: Tx, flow_id: str, begins: Sequence[Begin], *, interrupt: bool, depth: int = 0,
        aside: bool = False,
    ) -> set[int]:
        """Start ``flow_id`` for each; returns the ids of the people whose session started.

        With ``interrupt`` any conversation under way is ended first; without, a person
        in one is left out (the database's one-active-session index decides, race-free).
        The sessions go in with one statement, and so do the messages of every start
        that only sends and waits; a start that does more is applied event by event.
        """
        if flow_id not in self.library or depth > MAX_CHAINED_FLOWS:
            for begin in begins:
                await self._flow_missing(s, begin.person, flow_id, begin.to)
            return set()
        now = self.clock()
        if interrupt:
            for begin in begins:
                await sessions.end_active_sessions(s, begin.person.id, "interrupted", now=now)
        planned = await self.plan_many(s, flow_id, begins, aside=aside, now=now)
        return await self.write_many(s, planned, interrupt=interrupt, depth=depth)

    async def plan_many(
        self, s: Tx, flow_id: str, begins: Sequence[Begin], *, aside: bool = False,
        now: datetime | None = None,
    ) -> Planned:
        """``start_many``'s first half, which only reads: the engine's start for each, and
        the rows of their sessions. ``write_many`` writes them, in ``s`` or a later
        transaction (a fan-out works out its next chunk while this one is written)."""
        now = now or self.clock()
        flow = self.library[flow_id].flow
        definition = await self.definitions.current(s, flow_id)
        words = {topic: await self.outbox.settings_for(s, [b.person for b in begins], topic)
                 for topic in {_topic_of(b.extra, b.to) for b in begins}}
        outcomes = self.engine.start_many(flow, [self.context_for(
            b.person, b.extra, words[_topic_of(b.extra, b.to)][b.person.id]) for b in begins])
        if aside:  # beside the conversation open: only a start whose question has choices to tap
            kept = [(b, o) for b, o in zip(begins, outcomes, strict=True)
                    if interleave.status_after("aside", o) == "aside"]
            begins, outcomes = [b for b, _ in kept], [o for _, o in kept]
        # Starts that came out alike (see Engine.start_many) have rows alike but for whose.
        alike: dict[tuple[int, int], dict[str, Any]] = {}
        rows: list[dict[str, Any]] = []
        for begin, outcome in zip(begins, outcomes, strict=True):
            same = alike.get((id(outcome), id(begin.extra)))
            if same is None:
                same = alike[id(outcome), id(begin.extra)] = _session_row(
                    definition, flow, begin, outcome, now, aside=aside)
            rows.append({**same, "participant_id": begin.person.id})
        return Planned(flow_id, flow, list(begins), list(outcomes), rows)

    async def write_many(
        self, s: Tx, planned: Planned, *, interrupt: bool = False, depth: int = 0
    ) -> set[int]:
        """Write the starts ``plan_many`` worked out; returns the ids of the people whose
        session started (see ``start_many``)."""
        flow_id, flow, begins = planned.flow_id, planned.flow, planned.begins
        started = await sessions.start_many(s, planned.rows)
        if interrupt and len(started) < len({b.person.id for b in begins}):
            raise SessionTaken(f"a session of someone starting {flow_id} began elsewhere")
        rows: list[dict[str, Any]] = []
        for begin, outcome in zip(begins, planned.outcomes, strict=True):
            session_id = started.get(begin.person.id)
            if session_id is None:
                continue
            if all(isinstance(e, SIMPLE) for e in outcome.events):
                rows.extend(_message_rows(begin.to, begin.person, session_id, outcome.events,
                                          flow))
                continue
            row = await sessions.get(s, session_id)
            if row is None:
                raise SessionTaken(f"the new session {session_id} of {flow_id} is not there")
            await self._apply(s, begin.person, row, flow, outcome, begin.to, depth, new=True)
        if rows:
            await self.outbox.queue(s, rows, begins[0].to if len(begins) == 1 else None)
        return set(started)

    async def resume(
        self, s: Tx, person: Participant, row: FlowSession, resume: Resume, to: ReplyTo
    ) -> None:
        """Carry a session on with ``resume`` (a reply, a nudge, its end)."""
        flow = await self.definitions.flow_of(s, row)
        if flow is None:
            await sessions.save_session(s, row, step=None, state=row.state, status="errored",
                                        timeout_at=None, now=self.clock())
            await self.outbox.say(s, person, to, texts.SYSTEM_ERROR)
            return
        session = Session.restore(row.flow_id, row.flow_version, row.step, row.status, row.state)
        extra = from_json(row.state.get("extra") or {})
        settings = await self.outbox.settings_of(s, person, _topic_of(extra, to))
        outcome = self.engine.resume(flow, session, resume, self.context_for(person, extra, settings))
        await self._apply(s, person, row, flow, outcome, to, 0, new=False)

    async def accepts(self, s: Tx, person: Participant, row: FlowSession, reply: Reply) -> bool:
        """Whether ``row``'s question would take ``reply`` as an answer (the engine is pure:
        nothing is kept)."""
        flow = await self.definitions.flow_of(s, row)
        if flow is None or row.step is None:
            return False
        session = Session.restore(row.flow_id, row.flow_version, row.step, "active", row.state)
        extra = from_json(row.state.get("extra") or {})
        settings = await self.outbox.settings_of(s, person, _topic_of(extra, None))
        outcome = self.engine.resume(flow, session, reply, self.context_for(person, extra, settings))
        return any(isinstance(e, SaveResult) and e.status == "answered" for e in outcome.events)

    def context_for(
        self, person: Participant, extra: Mapping[str, Any] | None, settings: Mapping[str, Any]
    ) -> Context:
        return Context(participant=view(person), today=self._today(person),
                       settings=settings, extra=extra or {})

    async def _apply(
        self,
        s: Tx,
        person: Participant,
        row: FlowSession,
        flow: Flow,
        outcome: Outcome,
        to: ReplyTo,
        depth: int,
        *,
        new: bool,
    ) -> None:
        """Apply an outcome's events in order; a ``new`` row was written with its final state."""
        was = row.status
        refused = _refused(outcome)
        if refused:
            # No consent: keep nothing but the opt-out, then say goodbye.
            await participants.erase_personal_data(s, person, at=self.clock())
            await participants.opt_out(s, person, at=self.clock())
            await audit.record(s, kind="consent_refused", actor="participant",
                               participant_id=person.id, at=self.clock())
            to.topic = messages.OPT_OUT_TOPIC  # the goodbye still goes, as STOP's answer does
        follow_on: str | None = None
        now = self.clock()
        if any(isinstance(e, Notify) and e.who == "safeguarding" for e in outcome.events):
            to.priority = messages.URGENT  # the signposting goes as fast as the alert
        sends: list[SendText] = []
        for event in outcome.events:
            if isinstance(event, SendText):
                sends.append(event)
                continue
            if refused or isinstance(event, Waiting):
                continue
            if sends:  # what the flow said before this event goes out before what it causes
                await self.outbox.queue(s, _message_rows(to, person, row.id, sends, flow), to)
                sends = []
            if isinstance(event, SaveResult):
                await results.add_result(
                    s, session=row, step=event.step, key=event.key,
                    value=to_json(event.value), raw=event.raw, status=event.status, at=now,
                )
                for on_result in self.hooks.results(row.flow_id):
                    await on_result.callback(s, person, row, event.key, event.value)
            elif isinstance(event, SetField):
                await participants.set_fields(s, person, at=now, **{event.field: event.value})
            elif isinstance(event, RecordConsent):
                await participants.record_consent(s, person, now)
                await audit.record(s, kind="consent_given", actor="participant",
                                   participant_id=person.id, at=self.clock())
            elif isinstance(event, Notify):
                said = await self._notify(s, person, row, event)
                if said:
                    sends.append(SendText(said, event.step))
            elif isinstance(event, StartFlow):
                follow_on = event.flow
            elif isinstance(event, Problem | FlowEnded):
                _log_event(person, row, event)
        if sends:
            await self.outbox.queue(s, _message_rows(to, person, row.id, sends, flow), to)
        if not new:
            status = interleave.status_after(was, outcome)
            if was == "aside" and status == "active":
                await interleave.to_front(s, person.id, now)
            await sessions.save_session(
                s, row, step=outcome.session.step,
                state=_state(outcome, row.state.get("extra") or {}, refused),
                status=status, timeout_at=_timeout_at(outcome, now, refused),
                now=now,
            )
        if (outcome.session.status == "expired" and row.flow_id == self.config.flows.welcome
                and person.consent_at is None):
            # A welcome that ended without a yes keeps nothing of what the person wrote.
            await participants.erase_personal_data(s, person, at=now)
            await audit.record(s, kind="welcome_unanswered", actor="copro",
                               participant_id=person.id, at=now)
        if outcome.session.status in ("completed", "expired") and not refused:
            for on_end in self.hooks.ends(row.flow_id):
                await on_end.callback(s, person, row, outcome.session.results)
        if follow_on and not refused:
            await self.start(s, person, follow_on, to, depth=depth + 1)
        elif was == "active" and outcome.session.status != "active" and not refused:
            await self.come_back(s, person, to, row.id)

    async def come_back(self, s: Tx, person: Participant, to: ReplyTo, ended: int) -> None:
        """After the conversation in front ends: see ``bot.host.interleave.come_back``."""
        await interleave.come_back(s, person, to, ended, lambda row: self.definitions.flow_of(s, row),
                                   self.resume, self.outbox.render, self.clock())

    async def _notify(self, s: Tx, person: Participant, row: FlowSession, event: Notify) -> str:
        """Hand the notice on; what to tell the person: ``told`` only if someone can act."""
        hook = self.hooks.notify(event.who)
        if hook is not None:
            reached = await hook.callback(s, person, row, event)
        else:
            reached = await notify_staff(s, person, row, event, at=self.clock())
        if reached:
            return event.told
        await unheard(s, person, row, event, self.outbox.render, at=self.clock())
        return event.untold

    async def _flow_missing(self, s: Tx, person: Participant, flow_id: str, to: ReplyTo) -> None:
        log.error("cannot start flow %r for participant %s", flow_id, person.id)
        await audit.record(s, kind="flow_missing", actor="copro", participant_id=person.id,
                           details={"flow": flow_id}, at=self.clock())
        await self.outbox.say(s, person, to, texts.SYSTEM_ERROR)

    def _today(self, person: Participant) -> date:
        try:
            zone = ZoneInfo(person.timezone or self.config.timezone)
        except (KeyError, ValueError):
            zone = ZoneInfo(self.config.timezone)
        return self.clock().astimezone(zone).date()


def _session_row(
    definition: FlowDefinition, flow: Flow, begin: Begin, outcome: Outcome, now: datetime,
    *, aside: bool = False,
) -> dict[str, Any]:
    """The row of a session just started, as its outcome leaves it (``aside``: beside the
    conversation open, see ``bot.host.interleave``)."""
    refused = _refused(outcome)
    status = interleave.status_after("aside", outcome) if aside else outcome.session.status
    return {
        "participant_id": begin.person.id, "definition_id": definition.id,
        "flow_id": definition.flow_id, "flow_version": definition.version,
        "step": outcome.session.step, "status": status,
        "state": _state(outcome, to_json(dict(begin.extra)), refused),
        "started_at": now, "updated_at": now,
        "expires_at": now + flow.expires_after if flow.expires_after else None,
        "timeout_at": _timeout_at(outcome, now, refused),
    }


def _message_rows(
    to: ReplyTo, person: Participant, session_id: int, events: Sequence[Event], flow: Flow
) -> list[dict[str, Any]]:
    return [to.message_row(person.id, session_id, e.text, e.options, _display(to, person, flow, e))
            for e in events if isinstance(e, SendText)]


def _display(to: ReplyTo, person: Participant, flow: Flow, event: SendText) -> dict[str, Any] | None:
    """How a channel shows ``event`` beyond its words: as its own poll (Telegram), with its
    choices' values (WhatsApp's quick replies), or read out by phone."""
    display: dict[str, Any] = _several(person.language) if event.multiple else {}
    if event.values:  # what a WhatsApp quick-reply button carries back, and their language
        display |= {"values": list(event.values), "language": person.language}
    if event.poll:
        display["poll"] = {"question": event.poll, "multiple": event.multiple}
    display |= _by_phone(to, person, flow, event) or {}
    return display or None


def _by_phone(to: ReplyTo, person: Participant, flow: Flow, event: SendText) -> dict[str, Any] | None:
    """What a phone call needs to read ``event`` out: its language, and how a question is
    answered by keypad (``bot.channels.voice``). Nothing for the other channels."""
    if to.channel != "voice":
        return None
    language = person.language if person.language in flow.languages else "en"
    answer = None
    if event.kind in ("ask", "retry", "nudge"):
        step = flow.step(event.step)
        expect = step.answer
        answer = {"type": expect.type, "skip": expect.skip, "way": step.voice,
                  "min": None if expect.min is None else str(expect.min),
                  "max": None if expect.max is None else str(expect.max)}
    return {"voice": {"language": language, "answer": answer}}


def _several(language: str) -> dict[str, Any]:
    """The display of a question where several choices may be made: buttons that mark
    each choice, and one that sends them (its label in the person's language)."""
    return {"multiple": True, "done": text_for(texts.CHOICES_DONE, language)}


def _refused(outcome: Outcome) -> bool:
    return any(isinstance(e, RecordConsent) and not e.given for e in outcome.events)


def _state(outcome: Outcome, extra: Any, refused: bool) -> dict[str, Any]:
    """What a session keeps: nothing at all once consent is refused."""
    return {} if refused else {**outcome.session.state(), "extra": extra}


def _timeout_at(outcome: Outcome, now: datetime, refused: bool) -> datetime | None:
    """When to nudge: the last wait's timeout, if it has one."""
    if refused:
        return None
    for event in reversed(outcome.events):
        if isinstance(event, Waiting):
            return now + event.timeout if event.timeout else None
    return None


def _log_event(person: Participant, row: FlowSession, event: Event) -> None:
    if isinstance(event, Problem):
        log.error("flow %s step %s: %s (participant %s)", row.flow_id, event.step, event.detail,
                  person.id)
    elif isinstance(event, FlowEnded):
        log.info("flow %s %s for participant %s", row.flow_id, event.status, person.id)
