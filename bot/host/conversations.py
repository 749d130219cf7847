"""The conversation host's front door: every way in to a participant's conversation.

Each entry point holds one transaction (and, for a message, the sender's place in
line): ``receive`` a message, ``link`` an invite, ``act`` on a button, ``greet``
someone new; scheduled work starts flows, resumes them and says things inside
its own transaction (``start_in``, ``resume_in``, ``say_in``). What a message
means is the router's (``bot.host.router``); running flows and applying their
events is the runner's (``bot.host.running``), the only caller of the engine.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.logs import mask
from bot.core.phones import twin
from bot.engine.definition import LANGUAGES, Text
from bot.engine.events import Expired, Reply, Resume
from bot.engine.runner import Engine
from bot.engine.templates import Templates
from bot.flowfiles.library import Library
from bot.host import interleave, keywords, robots
from bot.host.definitions import Definitions
from bot.host.hooks import (
    Action,
    ActionCallback,
    EndCallback,
    EndHook,
    HelpCallback,
    HelpHook,
    Hook,
    Hooks,
    InterceptCallback,
    Interceptor,
    NotifyCallback,
    NotifyHook,
    ReleaseCallback,
    ReleaseHook,
    ResultCallback,
    ResultHook,
    Say,
)
from bot.host.replies import Outbox, ReplyTo, preferred_address, staff_address
from bot.host.router import Router
from bot.host.running import Runner
from bot.host.screening import Screening
from bot.language import texts
from storage import audit, groups, invites, messages, participants, sessions, windows
from storage.db import Database, Tx
from storage.models import FlowSession, Participant

__all__ = ["Conversations", "Say"]

log = logging.getLogger(__name__)


class Conversations:
    """Runs every participant's conversation."""

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
        # What templates see as ``settings``, in each language (Welsh has its own words).
        self.settings: Mapping[str, Mapping[str, Any]] = {
            lang: {"group_name": name, "coordinator": coordinator,
                   "mileage_rate": config.expenses.mileage_rate}
            for lang in LANGUAGES for name, coordinator in [config.group.words(lang)]
        }
        self.hooks = Hooks()
        self.definitions = Definitions(library)
        self.outbox = Outbox(self.templates, self.settings, self._now, config.group)
        self.runner = Runner(Engine(self.templates), library, self.definitions, self.hooks, self.outbox,
                             config, self._now)
        screening = Screening(self.hooks, self.outbox, self.definitions, self._now)
        self.router = Router(self.runner, self.outbox, self.hooks, library, config, self._now,
                             screening)
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        # When an address on a channel looks like a robot (see robots).
        sms = config.twilio
        self.robot_guards: dict[str, robots.Guard] = {
            name: robots.Guard(sms.max_inbound_per_minute, sms.robot_echoes, sms.robot_echo_window)
            for name in ("sms", "whatsapp")
        }

    def _now(self) -> datetime:
        return self.clock()  # read each time: a test may swap the clock

    @property
    def on_queued(self) -> Callable[[], None] | None:
        """Called once a transaction that queued messages has committed (wakes the sender)."""
        return self.outbox.on_queued

    @on_queued.setter
    def on_queued(self, wake: Callable[[], None] | None) -> None:
        self.outbox.on_queued = wake

    # --- hooks -------------------------------------------------------------------

    def add(self, hook: Hook) -> None:
        """Register a hook (see ``bot.host.hooks``); a prefix or target taken is refused."""
        self.hooks.add(hook)

    def on_help(self, hook: HelpCallback) -> None:
        """Let ``hook`` add to the answer to HELP (coordinators' commands, say)."""
        self.add(HelpHook(hook))

    def on_release(self, prefix: str, check: ReleaseCallback) -> None:
        """Let ``check`` look again at each message about ``prefix:...`` just before it goes."""
        self.add(ReleaseHook(prefix, check))

    def intercept(self, interceptor: InterceptCallback) -> None:
        """Let ``interceptor`` see each message from an active person before flows do."""
        self.add(Interceptor(interceptor))

    def on_action(self, prefix: str, action: ActionCallback) -> None:
        """Run ``action`` for a button whose data starts ``prefix:`` (``alert:12:ack``)."""
        self.add(Action(prefix, action))

    def on_notify(self, who: str, hook: NotifyCallback) -> None:
        """Handle a flow's ``notify: who`` with ``hook``."""
        self.add(NotifyHook(who, hook))

    def on_result(self, flow_id: str, hook: ResultCallback) -> None:
        """Run ``hook`` whenever a session of ``flow_id`` keeps an answer."""
        self.add(ResultHook(flow_id, hook))

    def on_end(self, flow_id: str, hook: EndCallback) -> None:
        """Run ``hook`` when a session of ``flow_id`` is completed or expires."""
        self.add(EndHook(flow_id, hook))

    async def register_flows(self) -> None:
        """Store each flow's source, so a session can keep the version it started with."""
        async with self.db.transaction() as s:
            await self.definitions.register(s)

    # --- entry points ------------------------------------------------------------

    async def receive(
        self,
        channel: str,
        address: str,
        text: str,
        media: Sequence[str] = (),
        provider_id: str | None = None,
        *,
        unread: int = 0,
        answers: int | None = None,
        revives: bool = False,
    ) -> int:
        """Handle one inbound message; returns the participant's id.

        ``unread`` photos came with it but could not be had: the person is told so
        plainly before their message is handled (without the photos). ``answers``: the
        outbox message a tapped button was under, which a short item aside answers.
        ``revives``: the message shows that an address marked unreachable works again (on
        Telegram, someone who had blocked the bot writes again)."""
        if invites.looks_like_code(text) and await self._may_link(channel, address):
            linked = await self.link(channel, address, text)  # an invite code typed on its own
            if linked is not None:
                return linked
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await self._find(s, channel, address)
            if revives and person is not None and await participants.reachable_again(
                    s, channel, address):
                log.info("%s %s can be reached again", channel, mask(address))
            is_new = person is None
            if person is None:
                person = await self._new_person(s, channel, address)
            command = keywords.command(text)
            if person.status != "active" and command != "start":
                if person.status == "opted_out" and self.router.screening.urgent(person, text):
                    await self._opted_out_at_risk(s, person, channel, address, text, provider_id)
                else:
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
            to = ReplyTo(channel, address, f"in:{inbound}")
            if unread:
                await self.outbox.say(s, person, replace(to, key=f"in:{inbound}:unread"),
                                      texts.PHOTO_UNREAD)
            if await windows.release(s, channel, address, at=self.clock()) and command is None:
                # The answer to a template that opened the conversation: what waited for it
                # goes now, and these words answer nothing the person has not yet seen.
                await self.router.screen(s, person, to, text)
                return person.id
            if command not in ("stop", "start") and await robots.muted(
                s, person, channel, address, guard=self.robot_guards.get(channel),
                now=self.clock(), tell=self.say_in,
            ):
                await self.router.screen(s, person, to, text)  # muted, but never deaf to risk
                return person.id
            reply = Reply(text, tuple(media))
            if answers is not None and command is None and await interleave.answer_aside(
                s, person, answers, lambda row: self.runner.resume(s, person, row, reply, to),
            ):
                return person.id
            await self.router.dispatch(s, person, to, command, text, tuple(media), is_new)
            return person.id

    async def _opted_out_at_risk(
        self, s: Tx, person: Participant, channel: str, address: str, text: str,
        provider_id: str | None,
    ) -> None:
        """STOP stops messages, not safeguarding: words of risk from someone who opted out
        raise an alert to the leads (kept, as safeguarding records are), and nothing is sent
        back to them, as opt-out rules require; the alert says so, so a lead calls them."""
        inbound = await messages.record_inbound(
            s, participant_id=person.id, channel=channel, address=address, body=text,
            media=[], provider_id=provider_id, at=self.clock())
        if inbound is None:
            return  # the same text came twice
        log.warning("a message of risk from opted-out participant %s: alerting the leads", person.id)
        to = ReplyTo(channel, address, f"in:{inbound}")
        await self.router.screening.respond(s, person, to, text, None, answer=False)

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
            to = ReplyTo(channel, address, f"link:{channel}:{address}:{invites.tidy(code)}")
            if person.consent_at is None:
                await sessions.end_active_sessions(s, person.id, "interrupted", now=self.clock())
                await self.runner.start(s, person, self.config.flows.welcome, to)
            else:
                await self.outbox.say(s, person, to, texts.LINKED)
            return person.id

    async def refuse_invite(self, channel: str, address: str) -> None:
        """Tell someone their invite code did not work (they may still be new)."""
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is None:
                person = await self._new_person(s, channel, address)
            to = ReplyTo(channel, address, f"badcode:{channel}:{address}:{uuid.uuid4().hex}")
            await self.outbox.say(s, person, to, texts.BAD_INVITE)

    async def act(self, channel: str, address: str, data: str) -> bool:
        """Someone tapped a button that acts (``claim:12:approve``); False if nothing knows it."""
        prefix, *args = data.split(":")
        action = self.hooks.action(prefix)
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is None or person.status != "active" or action is None:
                return False
            to = ReplyTo(channel, address, f"act:{channel}:{address}:{uuid.uuid4().hex}")
            await action.callback(s, person, args, self.router.sayer(s, person, to))
            return True

    async def greet(self, channel: str, address: str) -> int:
        """Someone new opens a conversation (``copro chat``): start the welcome flow."""
        async with self._lock(channel, address), self.db.transaction() as s:
            person = await participants.find_by_address(s, channel, address)
            if person is not None:
                return person.id
            person = await self._new_person(s, channel, address)
            to = ReplyTo(channel, address, f"greet:{channel}:{address}")
            await self.runner.start(s, person, self.config.flows.welcome, to)
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
        to = await self._reply_to(s, person, key, quiet=quiet, topic=topic)
        if to is None:
            return False
        await self.runner.start(s, person, flow_id, to, extra)
        return bool(to.queued)

    async def come_back(self, s: Tx, person: Participant, *, key: str) -> None:
        """A short item in front ended without an answer (its poll closed, its meeting moved):
        what waited for it goes on (``bot.host.interleave.come_back``)."""
        to = await self._reply_to(s, person, key, quiet=True, topic=None)
        if to is not None:
            await self.runner.come_back(s, person, to, 0)

    async def resume_in(
        self, s: Tx, person: Participant, row: FlowSession, resume: Resume
    ) -> None:
        """Resume a session for a timer (a nudge or the end of its time); messages are quiet."""
        address = await preferred_address(s, person.id)
        if address is None:
            if isinstance(resume, Expired):
                await sessions.save_session(s, row, step=row.step, state=row.state,
                                            status="expired", timeout_at=None, now=self.clock())
            return
        to = ReplyTo(address[0], address[1], f"timer:{row.id}:{resume.type}:{row.step}",
                     quiet=True)
        await self.runner.resume(s, person, row, resume, to)

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
        staff: bool = False,
    ) -> bool:
        """Queue one message (a template, in the person's language) on their own channel.

        ``scope`` adds template variables; with ``photo`` (a file) the message is that
        picture with the text as its caption; ``priority`` is its place in the outbox's
        order; ``staff``: a notice for their copro work, on the channel they use for it
        (``staff_address``). False if they cannot be reached or the key was used before.
        """
        to = await self._reply_to(s, person, key, quiet=quiet, topic=topic, priority=priority,
                                  staff=staff)
        if to is None:
            return False
        await self.outbox.say(s, person, to, text, scope, display, photo)
        return bool(to.queued)

    # --- for scheduled work that queues its own rows ---------------------------------

    def render(
        self, person: Participant, text: Text, extra: Mapping[str, Any] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> str:
        """``text`` (a template) in the person's language, for them; ``settings`` from
        ``settings_for`` (their group's words), else the service's."""
        return self.outbox.render(person, text, extra, settings)

    async def settings_for(
        self, s: Tx, people: Sequence[Participant], topic: str | None = None
    ) -> dict[int, Mapping[str, Any]]:
        """What templates see as ``settings`` for each person: their group's words (the group
        ``topic`` is about, else their first), else the service's."""
        return await self.outbox.settings_for(s, people, topic)

    def wake_after(self, s: Tx) -> None:
        """Wake the outbox sender once this transaction (which queued messages) commits."""
        self.outbox.wake_after(s)

    # --- helpers ----------------------------------------------------------------------

    async def _reply_to(
        self, s: Tx, person: Participant, key: str, *, quiet: bool, topic: str | None,
        priority: str = messages.NORMAL, staff: bool = False,
    ) -> ReplyTo | None:
        """Where copro's own messages to ``person`` go; None if they cannot be reached."""
        if person.status != "active":
            return None
        address = await (staff_address(s, person) if staff else preferred_address(s, person.id))
        if address is None:
            return None
        return ReplyTo(address[0], address[1], key, quiet=quiet, topic=topic, priority=priority)

    async def _find(self, s: Tx, channel: str, address: str) -> Participant | None:
        """Who writes from ``address``. Someone known by the same phone's SMS or WhatsApp number
        keeps their one conversation: this address is theirs too."""
        person = await participants.find_by_address(s, channel, address)
        other = twin(channel, address) if person is None else None
        if other is not None:
            person = await participants.find_by_address(s, *other)
            if person is not None:
                await participants.replace_address(s, person, channel, address)
                await audit.record(s, kind="address_added", actor="participant",
                                   participant_id=person.id, details={"channel": channel},
                                   at=self.clock())
        return person

    async def _may_link(self, channel: str, address: str) -> bool:
        """Whether this chat is still no one in particular: unknown, or new and not yet agreed."""
        async with self.db.reading() as s:
            person = await participants.find_by_address(s, channel, address)
            return person is None or (person.consent_at is None and not person.admin
                                      and not await groups.groups_of(s, person.id))

    async def _new_person(self, s: Tx, channel: str, address: str) -> Participant:
        return await participants.create(
            s, channel=channel, address=address, language=self.config.language,
            timezone=self.config.timezone, contact_start=self.config.group.contact_start,
            contact_end=self.config.group.contact_end,
        )

    def _lock(self, channel: str, address: str) -> asyncio.Lock:
        return self._locks.setdefault((channel, address), asyncio.Lock())
