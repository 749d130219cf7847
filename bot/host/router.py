"""How a reply is chosen: what one inbound message means, and who answers it.

In order: STOP and START (always honoured), HELP, the features' interceptors
("ACK 12" from a safeguarding lead), the conversation under way, the welcome
flow for someone new, and last a flow whose keyword is the whole message (or
the menu). Every message but STOP, START and HELP is read for risk first
(``bot.host.screening``): an urgent one raises an alert and gets the crisis
numbers; it is not then taken as the answer to the question under way (which stays
open, with no "Sorry, I did not understand"), and otherwise handled as any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.answers import normalise
from bot.core.config import Config
from bot.engine.events import Reply
from bot.flowfiles.library import Library
from bot.host import interleave, keywords
from bot.host.hooks import Hooks, Say
from bot.host.replies import Outbox, ReplyTo
from bot.host.running import Runner
from bot.host.screening import Screening
from bot.language import texts
from storage import audit, messages, participants, sessions
from storage.db import Tx
from storage.models import Participant


class Router:
    def __init__(
        self,
        runner: Runner,
        outbox: Outbox,
        hooks: Hooks,
        library: Library,
        config: Config,
        clock: Callable[[], datetime],
        screening: Screening,
    ) -> None:
        self.runner = runner
        self.outbox = outbox
        self.hooks = hooks
        self.library = library
        self.config = config
        self.clock = clock
        self.screening = screening

    async def dispatch(
        self,
        s: Tx,
        person: Participant,
        to: ReplyTo,
        command: keywords.Command | None,
        text: str,
        media: tuple[str, ...],
        is_new: bool,
    ) -> None:
        """Answer one message from ``person`` (recorded already), in ``s``."""
        if command == "stop":
            await self._stop(s, person, to)
            return
        if command == "start":
            await self._restart(s, person, to)
            return
        say = self.sayer(s, person, to)
        if command == "help":
            await self.outbox.say(s, person, to, texts.HELP)
            for more in self.hooks.helps:
                await more.callback(s, person, say)
            return
        left_to_flow = responded = False
        if self.screening.urgent(person, text):
            asked = await sessions.active_session(s, person.id)
            left_to_flow = await self.screening.left_to_flow(s, asked)
            if not left_to_flow:
                await self.screening.respond(s, person, to, text, asked)
                responded = True
        for interceptor in self.hooks.interceptors:
            if await interceptor.callback(s, person, text, say):
                return
        current = await sessions.active_session(s, person.id)
        if current is not None and responded:
            return  # words of risk are not a wrong answer: the question waits, no "Sorry"
        if current is not None and not left_to_flow:
            reply = Reply(text, media)
            beside = await interleave.typed_for(s, person, current,
                                                lambda row: self.runner.accepts(s, person, row, reply))
            if beside == "ask":
                await self.outbox.say(s, person, replace(to, topic=interleave.WHICH),
                                      texts.WHICH_QUESTION)
                return
            if beside is not None:
                await self.runner.resume(s, person, beside, reply, to)
                return
        if current is not None:
            before = await self.screening.raised(s, person) if left_to_flow else 0
            await self.runner.resume(s, person, current, Reply(text, media), to)
            if left_to_flow and await self.screening.raised(s, person) == before:
                await self.screening.respond(s, person, to, text, current)  # its flow did not
            return
        if is_new or person.consent_at is None:
            await self.runner.start(s, person, self.config.flows.welcome, to)
            return
        triggered = self.library.by_keyword(normalise(text))
        await self.runner.start(s, person, triggered.flow if triggered else "menu", to)

    async def screen(self, s: Tx, person: Participant, to: ReplyTo, text: str) -> None:
        """Read a message copro does not otherwise answer (a muted number's) for risk."""
        if self.screening.urgent(person, text):
            await self.screening.respond(s, person, to, text,
                                         await sessions.active_session(s, person.id))

    def sayer(self, s: Tx, person: Participant, to: ReplyTo) -> Say:
        """A ``Say`` that answers ``person`` through ``to``."""
        async def say(text: str | Mapping[str, str], scope: Mapping[str, Any] | None = None,
                      display: dict[str, Any] | None = None, photo: str | None = None) -> None:
            template = text if isinstance(text, str) else dict(text)
            await self.outbox.say(s, person, to, template, scope, display, photo)

        return say

    async def _stop(self, s: Tx, person: Participant, to: ReplyTo) -> None:
        await sessions.end_active_sessions(s, person.id, "stopped", now=self.clock(), every=True)
        await messages.cancel_pending(s, person.id, reason="cancelled: sent STOP", at=self.clock())
        await participants.opt_out(s, person, at=self.clock())
        await audit.record(s, kind="opt_out", actor="participant", participant_id=person.id,
                           at=self.clock())
        await self.outbox.say(s, person, replace(to, topic=messages.OPT_OUT_TOPIC), texts.STOPPED)

    async def _restart(self, s: Tx, person: Participant, to: ReplyTo) -> None:
        was_out = person.status != "active"
        await participants.opt_in(s, person, at=self.clock())
        if was_out:
            await audit.record(s, kind="opt_in", actor="participant", participant_id=person.id,
                               at=self.clock())
        if person.consent_at is None:
            await sessions.end_active_sessions(s, person.id, "interrupted", now=self.clock())
            await self.runner.start(s, person, self.config.flows.welcome, to)
        else:
            await self.outbox.say(s, person, to, texts.RESTARTED)
