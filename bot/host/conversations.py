"""The host around the engine: inbound messages in, outbox rows out, one transaction each.

For every message: find or create the participant, honour STOP/START/HELP,
resume their flow (or start one), and apply the engine's events to storage
together with the outbound messages they cause.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event as orm_event

from bot.answers import normalise
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.logs import mask
from bot.engine.definition import Flow, Text, text_for
from bot.engine.events import (
    Event,
    Expired,
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
from bot.engine.templates import TemplateProblem, Templates
from bot.engine.values import from_json, to_json
from bot.flowfiles.library import Library, parse_flow
from bot.host import keywords
from bot.language import texts
from storage import audit, groups, invites, messages, participants, results, sessions
from storage import flows as stored_flows
from storage.db import Database, Tx
from storage.models import FlowDefinition, FlowSession, Participant

log = logging.getLogger(__name__)

# A flow may start another; this many in a row is a mistake in the flows.
MAX_CHAINED_FLOWS = 5
FLOOD_WINDOW = timedelta(minutes=1)
FLOOD_QUIET = timedelta(hours=1)


@dataclass
class _Reply:
    """Where the answers of one transaction go, and how many there were.

    ``quiet`` marks messages sent on copro's own initiative (scheduled work, not
    a reply to the person): they wait while the person's contact hours are shut.
    """

    channel: str
    address: str
    key: str
    quiet: bool = False
    topic: str | None = None
    count: int = 0
    priority: str = messages.NORMAL  # urgent once the transaction raised a safeguarding alert
    queued: list[int] = field(default_factory=list)


# Queues one reply to the message being handled: a template, its extra variables, and
# how it is shown (``{"buttons": [...]}``).
Say = Callable[..., Awaitable[None]]
# Looks at a message before flows do; True if it dealt with it ("ACK 12" from a safeguarding lead).
Interceptor = Callable[[Tx, Participant, str, Say], Awaitable[bool]]
# A button that acts rather than answers: (session, who tapped it, the words after the prefix, say).
Action = Callable[[Tx, Participant, list[str], Say], Awaitable[None]]
# Adds to the answer to HELP: (session, who asked, say).
HelpHook = Callable[[Tx, Participant, Say], Awaitable[None]]
# Handles a flow's ``notify`` for ``who`` (safeguarding alerts), instead of the plain notice.
NotifyHook = Callable[[Tx, Participant, FlowSession, Notify], Awaitable[None]]
# Called in the transaction that keeps an answer: (session, participant, flow session, key, value).
ResultHook = Callable[[Tx, Participant, FlowSession, str, Any], Awaitable[None]]
# Called in the transaction in which a session ends (completed or expired), with its results.
EndHook = Callable[[Tx, Participant, FlowSession, Mapping[str, Any]], Awaitable[None]]


class Conversations:
    """Runs every participant's conversation; the only caller of the engine."""

    def __init__(
        self,
        db: Database,
        library: Library,
        config: Config,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.library = library
        self.config = config
        self.clock = clock
        self.templates = Templates(config.safeguarding.risk_words)
        self.engine = Engine(self.templates)
        self.settings: Mapping[str, Any] = {
            "group_name": config.group.name,
            "coordinator": config.group.coordinator,
            "mileage_rate": config.expenses.mileage_rate,
        }
        self._definitions: dict[str, int] = {}
        self._parsed: dict[int, Flow] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        # Called once a transaction that queued messages has committed (wakes the sender).
        self.on_queued: Callable[[], None] | None = None
        self._result_hooks: dict[str, list[ResultHook]] = {}
        self._end_hooks: dict[str, list[EndHook]] = {}
        self._interceptors: list[Interceptor] = []
        self._actions: dict[str, Action] = {}
        self._notify_hooks: dict[str, NotifyHook] = {}
        self._help: list[HelpHook] = []
        # Messages a minute from one address beyond which it looks like a robot (see _flooding).
        self.flood_limits: dict[str, int] = {"sms": config.twilio.max_inbound_per_minute}

    def on_help(self, hook: HelpHook) -> None:
        """Let ``hook`` add to the answer to HELP (coordinators' commands, say)."""
        self._help.append(hook)

    def intercept(self, interceptor: Interceptor) -> None:
        """Let ``interceptor`` see each message from an active person before flows do."""
        self._interceptors.append(interceptor)

    def on_action(self, prefix: str, action: Action) -> None:
        """Run ``action`` for a button whose data starts ``prefix:`` (``alert:12:ack``)."""
        self._actions[prefix] = action

    def on_notify(self, who: str, hook: NotifyHook) -> None:
        """Handle a flow's ``notify: who`` with ``hook``."""
        self._notify_hooks[who] = hook

    def on_result(self, flow_id: str, hook: ResultHook) -> None:
        """Run ``hook`` whenever a session of ``flow_id`` keeps an answer."""
        self._result_hooks.setdefault(flow_id, []).append(hook)

    def on_end(self, flow_id: str, hook: EndHook) -> None:
        """Run ``hook`` when a session of ``flow_id`` is completed or expires."""
        self._end_hooks.setdefault(flow_id, []).append(hook)

    async def register_flows(self) -> None:
        """Store each flow's source, so a session can keep the version it started with."""
        async with self.db.transaction() as s:
            for flow_id, file in self.library.files.items():
                row = await stored_flows.register_definition(
                    s, flow_id, file.flow.version, file.source
                )
                self._definitions[flow_id] = row.id
                self._parsed[row.id] = file.flow

    # --- entry points ------------------------------------------------------------

    async def receive(
        self,
        channel: str,
        address: str,
        text: str,
        media: Sequence[str] = (),
        provider_id: str | None = None,
    ) -> int:
        """Handle one inbound message; returns the participant's id."""
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            is_new = person is None
            if person is None:
                person = await self._new_person(s, channel, address)
            command = keywords.command(text)
            if person.status != "active" and command != "start":
                log.info("ignored a message from opted-out %s", mask(address))
                return person.id
            inbound = await messages.record_inbound(
                s,
                participant_id=person.id,
                channel=channel,
                address=address,
                body=text,
                media=list(media),
                provider_id=provider_id,
                at=self.clock(),
            )
            if inbound is None:
                log.info("%s message %s from %s came twice; handled once",
                         channel, provider_id, mask(address))
                return person.id
            if command not in ("stop", "start") and await self._flooding(s, person, channel, address):
                return person.id
            reply = _Reply(channel, address, f"in:{inbound.id}")
            await self._dispatch(s, person, reply, command, text, tuple(media), is_new)
            return person.id

    async def link(self, channel: str, address: str, code: str) -> int | None:
        """Someone opens a chat with a coordinator's invite code: attach it to them.

        Returns the participant's id, or None (and a polite answer) if the code
        cannot be used; the caller then treats the chat as someone new.
        """
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await invites.redeem(s, code, channel=channel, address=address,
                                          at=self.clock())
            if person is None:
                return None
            await audit.record(s, kind="linked", actor="participant", participant_id=person.id,
                               details={"channel": channel}, at=self.clock())
            if person.status != "active":
                await participants.opt_in(s, person, at=self.clock())
            reply = _Reply(channel, address, f"link:{channel}:{address}:{invites.tidy(code)}")
            if person.consent_at is None:
                await sessions.end_active_sessions(s, person.id, "interrupted", now=self.clock())
                await self._start(s, person, self.config.flows.welcome, reply)
            else:
                await self._say(s, person, reply, texts.LINKED)
            return person.id

    async def refuse_invite(self, channel: str, address: str) -> None:
        """Tell someone their invite code did not work (they may still be new)."""
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is None:
                person = await self._new_person(s, channel, address)
            reply = _Reply(channel, address, f"badcode:{channel}:{address}:{uuid.uuid4().hex}")
            await self._say(s, person, reply, texts.BAD_INVITE)

    async def act(self, channel: str, address: str, data: str) -> bool:
        """Someone tapped a button that acts (``claim:12:approve``); False if nothing knows it."""
        prefix, *args = data.split(":")
        action = self._actions.get(prefix)
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is None or person.status != "active" or action is None:
                return False
            reply = _Reply(channel, address, f"act:{channel}:{address}:{uuid.uuid4().hex}")
            await action(s, person, args, self._sayer(s, person, reply))
            return True

    def _sayer(self, s: Tx, person: Participant, reply: _Reply) -> Say:
        async def say(text: Text, scope: Mapping[str, Any] | None = None,
                      display: dict[str, Any] | None = None) -> None:
            await self._say(s, person, reply, text, scope, display)

        return say

    async def greet(self, channel: str, address: str) -> int:
        """Someone new opens a conversation (``copro chat``): start the welcome flow."""
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is not None:
                return person.id
            person = await self._new_person(s, channel, address)
            reply = _Reply(channel, address, f"greet:{channel}:{address}")
            await self._start(s, person, self.config.flows.welcome, reply)
            return person.id

    async def start_flow(
        self,
        participant_id: int,
        flow_id: str,
        *,
        key: str,
        extra: Mapping[str, Any] | None = None,
    ) -> bool:
        """Start ``flow_id`` for a participant on their own channel (scheduled work)."""
        async with self.db.transaction() as s:
            person = await participants.get(s, participant_id)
            if person is None:
                return False
            return await self.start_in(s, person, flow_id, key=key, extra=extra)

    async def resume(self, participant_id: int, resume: Resume) -> None:
        """A timer for a participant's flow: a nudge (``TimedOut``) or ``Expired``."""
        async with self.db.transaction() as s:
            person = await participants.get(s, participant_id)
            current = await sessions.active_session(s, participant_id) if person else None
            if person is None or current is None:
                return
            await self.resume_in(s, person, current, resume)

    # --- scheduled work, inside the caller's transaction --------------------------------

    async def start_in(
        self,
        s: Tx,
        person: Participant,
        flow_id: str,
        *,
        key: str,
        extra: Mapping[str, Any] | None = None,
        topic: str | None = None,
        quiet: bool = True,
    ) -> bool:
        """Start ``flow_id`` on the person's own channel; False if they cannot be reached.

        Its messages are keyed by ``key``, so the same start is never queued twice,
        and ``quiet`` (held outside contact hours) unless it answers something the
        person just sent.
        """
        if person.status != "active":
            return False
        address = await _preferred_address(s, person.id)
        if address is None:
            return False
        reply = _Reply(address[0], address[1], key, quiet=quiet, topic=topic)
        await self._start(s, person, flow_id, reply, extra)
        return bool(reply.queued)

    async def resume_in(
        self, s: Tx, person: Participant, row: FlowSession, resume: Resume
    ) -> None:
        """Resume a session for a timer (a nudge or the end of its time); messages are quiet."""
        address = await _preferred_address(s, person.id)
        if address is None:
            if isinstance(resume, Expired):
                await sessions.save_session(s, row, step=row.step, state=row.state,
                                            status="expired", timeout_at=None, now=self.clock())
            return
        reply = _Reply(address[0], address[1], f"timer:{row.id}:{resume.type}:{row.step}",
                       quiet=True)
        await self._continue(s, person, row, resume, reply)

    async def say_in(
        self,
        s: Tx,
        person: Participant,
        text: Text,
        *,
        key: str,
        scope: Mapping[str, Any] | None = None,
        quiet: bool = True,
        topic: str | None = None,
        display: dict[str, Any] | None = None,
        photo: str | None = None,
        priority: str = messages.NORMAL,
    ) -> bool:
        """Queue one message (a template, in the person's language) on their own channel.

        ``scope`` adds template variables; with ``photo`` (a file) the message is that
        picture with the text as its caption. False if they cannot be reached or the
        key was used before.
        """
        if person.status != "active":
            return False
        address = await _preferred_address(s, person.id)
        if address is None:
            return False
        reply = _Reply(address[0], address[1], key, quiet=quiet, topic=topic, priority=priority)
        await self._say(s, person, reply, text, scope, display, photo)
        return bool(reply.queued)

    # --- what a message means ----------------------------------------------------------

    async def _dispatch(
        self,
        s: Tx,
        person: Participant,
        reply: _Reply,
        command: keywords.Command | None,
        text: str,
        media: tuple[str, ...],
        is_new: bool,
    ) -> None:
        if command == "stop":
            await sessions.end_active_sessions(s, person.id, "stopped", now=self.clock())
            await messages.cancel_pending(s, person.id, reason="cancelled: sent STOP",
                                          at=self.clock())
            await participants.opt_out(s, person, at=self.clock())
            await audit.record(s, kind="opt_out", actor="participant", participant_id=person.id,
                               at=self.clock())
            await self._say(s, person, replace(reply, topic=messages.OPT_OUT_TOPIC), texts.STOPPED)
            return
        if command == "start":
            was_out = person.status != "active"
            await participants.opt_in(s, person, at=self.clock())
            if was_out:
                await audit.record(s, kind="opt_in", actor="participant", participant_id=person.id,
                               at=self.clock())
            if person.consent_at is None:
                await sessions.end_active_sessions(s, person.id, "interrupted", now=self.clock())
                await self._start(s, person, self.config.flows.welcome, reply)
            else:
                await self._say(s, person, reply, texts.RESTARTED)
            return
        say = self._sayer(s, person, reply)
        if command == "help":
            await self._say(s, person, reply, texts.HELP)
            for more in self._help:
                await more(s, person, say)
            return
        for interceptor in self._interceptors:
            if await interceptor(s, person, text, say):
                return
        current = await sessions.active_session(s, person.id)
        if current is not None:
            await self._continue(s, person, current, Reply(text, media), reply)
            return
        if is_new or person.consent_at is None:
            await self._start(s, person, self.config.flows.welcome, reply)
            return
        triggered = self.library.by_keyword(normalise(text))
        await self._start(s, person, triggered.flow if triggered else "menu", reply)

    # --- running flows ------------------------------------------------------------------

    async def _start(
        self,
        s: Tx,
        person: Participant,
        flow_id: str,
        reply: _Reply,
        extra: Mapping[str, Any] | None = None,
        depth: int = 0,
    ) -> None:
        if flow_id not in self.library or depth > MAX_CHAINED_FLOWS:
            log.error("cannot start flow %r for participant %s", flow_id, person.id)
            await audit.record(
                s, kind="flow_missing", actor="copro", participant_id=person.id,
                details={"flow": flow_id}, at=self.clock(),
            )
            await self._say(s, person, reply, texts.SYSTEM_ERROR)
            return
        await sessions.end_active_sessions(s, person.id, "interrupted", now=self.clock())
        flow = self.library[flow_id].flow
        definition = await self.definition_for(s, flow_id)
        outcome = self.engine.start(flow, self.context_for(person, extra))
        now = self.clock()
        row = await sessions.start_session(
            s,
            participant_id=person.id,
            definition=definition,
            step=outcome.session.step,
            state={**outcome.session.state(), "extra": to_json(dict(extra or {}))},
            expires_at=now + flow.expires_after if flow.expires_after else None,
            timeout_at=None,
            now=now,
        )
        await self._apply(s, person, row, outcome, reply, depth)

    async def _continue(
        self,
        s: Tx,
        person: Participant,
        row: FlowSession,
        resume: Resume,
        reply: _Reply,
    ) -> None:
        flow = await self._flow_of(s, row)
        if flow is None:
            await sessions.save_session(
                s, row, step=None, state=row.state, status="errored", timeout_at=None,
                now=self.clock(),
            )
            await self._say(s, person, reply, texts.SYSTEM_ERROR)
            return
        session = Session.restore(row.flow_id, row.flow_version, row.step, row.status, row.state)
        extra = from_json(row.state.get("extra") or {})
        outcome = self.engine.resume(flow, session, resume, self.context_for(person, extra))
        await self._apply(s, person, row, outcome, reply, 0)

    async def _apply(
        self,
        s: Tx,
        person: Participant,
        row: FlowSession,
        outcome: Outcome,
        reply: _Reply,
        depth: int,
    ) -> None:
        refused = any(isinstance(e, RecordConsent) and not e.given for e in outcome.events)
        if refused:
            # No consent: keep nothing but the opt-out, then say goodbye.
            await participants.erase_personal_data(s, person, at=self.clock())
            await participants.opt_out(s, person, at=self.clock())
            await audit.record(s, kind="consent_refused", actor="participant", participant_id=person.id,
                               at=self.clock())
        follow_on: str | None = None
        timeout_at: datetime | None = None
        now = self.clock()
        if any(isinstance(e, Notify) and e.who == "safeguarding" for e in outcome.events):
            reply.priority = messages.URGENT  # the signposting goes as fast as the alert
        for event in outcome.events:
            if isinstance(event, SendText):
                await self._queue(s, person, row, reply, event.text, event.options)
            elif refused:
                continue
            elif isinstance(event, SaveResult):
                await results.add_result(
                    s, session=row, step=event.step, key=event.key,
                    value=to_json(event.value), raw=event.raw, status=event.status, at=now,
                )
                for on_result in self._result_hooks.get(row.flow_id, ()):
                    await on_result(s, person, row, event.key, event.value)
            elif isinstance(event, SetField):
                await participants.set_fields(s, person, at=now, **{event.field: event.value})
            elif isinstance(event, RecordConsent):
                await participants.record_consent(s, person, now)
                await audit.record(s, kind="consent_given", actor="participant", participant_id=person.id,
                               at=self.clock())
            elif isinstance(event, Notify):
                await self._notify(s, person, row, event)
            elif isinstance(event, StartFlow):
                follow_on = event.flow
            elif isinstance(event, Waiting):
                timeout_at = now + event.timeout if event.timeout else None
            elif isinstance(event, Problem | FlowEnded):
                _log_event(person, row, event)
        state = {} if refused else {**outcome.session.state(), "extra": row.state.get("extra") or {}}
        await sessions.save_session(
            s, row, step=outcome.session.step, state=state,
            status=outcome.session.status, timeout_at=timeout_at, now=now,
        )
        if outcome.session.status in ("completed", "expired") and not refused:
            for on_end in self._end_hooks.get(row.flow_id, ()):
                await on_end(s, person, row, outcome.session.results)
        if follow_on and not refused:
            await self._start(s, person, follow_on, reply, depth=depth + 1)

    async def _notify(
        self, s: Tx, person: Participant, row: FlowSession, event: Notify
    ) -> None:
        hook = self._notify_hooks.get(event.who)
        if hook is not None:
            await hook(s, person, row, event)
            return
        group_ids = [g.id for g in await groups.groups_of(s, person.id)]
        roles = ["safeguarding", "coordinator"] if event.who == "safeguarding" else ["coordinator"]
        staff = await groups.people_with_role(s, group_ids, roles[:1])
        if not staff and len(roles) > 1:
            staff = await groups.people_with_role(s, group_ids, roles[1:])
        await audit.record(
            s, kind="notify", actor="copro", participant_id=person.id,
            details={"who": event.who, "reason": event.reason, "flow": row.flow_id,
                     "step": event.step, "text": event.text,
                     "recipients": [p.id for p in staff]},
            at=self.clock(),
        )
        for member in staff:
            if member.id == person.id:
                continue
            address = await _preferred_address(s, member.id)
            if address is None:
                continue
            await messages.queue_outbound(
                s, participant_id=member.id, session_id=None, channel=address[0],
                address=address[1], body=event.text, options=[],
                idempotency_key=f"notify:{row.id}:{event.step}:{event.reason}:{member.id}",
                at=self.clock(), quiet=True,  # not urgent: safeguarding alerts have their own way
            )
        if not staff:
            log.warning("no one to notify for participant %s (%s)", person.id, event.reason)

    async def _say(
        self,
        s: Tx,
        person: Participant,
        reply: _Reply,
        text: Text,
        extra: Mapping[str, Any] | None = None,
        display: dict[str, Any] | None = None,
        photo: str | None = None,
    ) -> None:
        await self._queue(s, person, None, reply, self.render(person, text, extra), (), display,
                          photo)

    def render(self, person: Participant, text: Text, extra: Mapping[str, Any] | None = None) -> str:
        """``text`` (a template) in the person's language, for them."""
        scope = {"settings": self.settings, "participant": _view(person), "lang": person.language,
                 **(extra or {})}
        try:
            return self.templates.text(text_for(text, person.language), scope)
        except TemplateProblem:
            return text_for(text, person.language)

    async def _queue(
        self,
        s: Tx,
        person: Participant,
        row: FlowSession | None,
        reply: _Reply,
        body: str,
        options: Sequence[str],
        display: dict[str, Any] | None = None,
        photo: str | None = None,
    ) -> None:
        reply.count += 1
        message = await messages.queue_outbound(
            s, participant_id=person.id, session_id=row.id if row else None,
            channel=reply.channel, address=reply.address, body=body, options=list(options),
            idempotency_key=f"{reply.key}:{reply.count}", quiet=reply.quiet, topic=reply.topic,
            display=display, kind="photo" if photo else "text", media=[photo] if photo else (),
            at=self.clock(), priority=reply.priority,
        )
        if message is not None:
            if not reply.queued:
                self.wake_after(s)
            reply.queued.append(message.id)

    def wake_after(self, s: Tx) -> None:
        """Wake the outbox sender once this transaction (which queued messages) commits."""
        if self.on_queued is not None:
            wake = self.on_queued
            orm_event.listen(s.sync_session, "after_commit", lambda _s: wake(), once=True)

    # --- helpers ----------------------------------------------------------------------

    async def _flooding(
        self, s: Tx, person: Participant, channel: str, address: str
    ) -> bool:
        """Whether ``address`` sends more than its channel's limit a minute, as another robot's
        auto-replies do: its messages are kept, but not answered, for an hour."""
        limit = self.flood_limits.get(channel)
        if limit is None:
            return False
        now = self.clock()
        # Someone noticed within the hour sent more than the limit within the hour and a minute:
        # one look at that settles it for everyone else (nearly everyone).
        lately = await messages.received_since(s, channel=channel, address=address,
                                               since=now - FLOOD_QUIET - FLOOD_WINDOW)
        if lately <= limit:
            return False
        recent = await messages.received_since(s, channel=channel, address=address,
                                               since=now - FLOOD_WINDOW)
        noticed = await audit.last_at(s, kind="robot_suspected", participant_id=person.id)
        if recent <= limit:
            return noticed is not None and now - noticed <= FLOOD_QUIET
        if noticed is None or now - noticed > FLOOD_QUIET:
            await audit.record(s, kind="robot_suspected", actor="copro", participant_id=person.id,
                               details={"in_a_minute": recent}, at=now)
            log.warning("%s: %s sent %d messages in a minute, like an automatic reply; copro keeps "
                        "them but stops answering for an hour", channel, mask(address), recent)
        return True

    async def _new_person(self, s: Tx, channel: str, address: str) -> Participant:
        return await participants.create(
            s, channel=channel, address=address, language=self.config.language,
            timezone=self.config.timezone, contact_start=self.config.group.contact_start,
            contact_end=self.config.group.contact_end,
        )

    def _lock(self, channel: str, address: str) -> asyncio.Lock:
        return self._locks.setdefault((channel, address), asyncio.Lock())

    def context_for(self, person: Participant, extra: Mapping[str, Any] | None) -> Context:
        return Context(
            participant=_view(person),
            today=self._today(person),
            settings=self.settings,
            extra=extra or {},
        )

    def _today(self, person: Participant) -> date:
        try:
            zone = ZoneInfo(person.timezone or self.config.timezone)
        except (KeyError, ValueError):
            zone = ZoneInfo(self.config.timezone)
        return self.clock().astimezone(zone).date()

    async def definition_for(self, s: Tx, flow_id: str) -> FlowDefinition:
        definition_id = self._definitions.get(flow_id)
        if definition_id is not None:
            found = await stored_flows.get_definition(s, definition_id)
            if found is not None:
                return found
        file = self.library[flow_id]
        row = await stored_flows.register_definition(s, flow_id, file.flow.version, file.source)
        self._definitions[flow_id] = row.id
        self._parsed[row.id] = file.flow
        return row

    async def _flow_of(self, s: Tx, row: FlowSession) -> Flow | None:
        """The exact flow text a session started with, even if the file changed since."""
        flow = self._parsed.get(row.definition_id)
        if flow is None:
            definition = await stored_flows.get_definition(s, row.definition_id)
            if definition is None:
                return None
            try:
                flow = parse_flow(definition.source)
            except Exception:
                log.exception("stored flow %s cannot be read", row.definition_id)
                return None
            self._parsed[row.definition_id] = flow
        return flow


def _view(person: Participant) -> dict[str, Any]:
    return {
        "name": person.name,
        "language": person.language,
        "timezone": person.timezone,
        "contact_start": person.contact_start,
        "contact_end": person.contact_end,
    }


async def _preferred_address(s: Tx, participant_id: int) -> tuple[str, str] | None:
    for address in await participants.addresses_of(s, participant_id):
        if address.status == "ok":
            return address.channel, address.address
    return None


def _log_event(person: Participant, row: FlowSession, event: Event) -> None:
    if isinstance(event, Problem):
        log.error("flow %s step %s: %s (participant %s)", row.flow_id, event.step, event.detail, person.id)
    elif isinstance(event, FlowEnded):
        log.info("flow %s %s for participant %s", row.flow_id, event.status, person.id)

