"""Twilio Voice's two webhooks: the next TwiML of a call (``/webhooks/twilio/voice``) and how a
call ended (``/webhooks/twilio/voice/status``).

Both check Twilio's signature as the SMS webhooks do. The voice webhook is
called when a call is answered (``on`` empty: copro's call, or a call to copro's
number), when keys are pressed or, with ``voice.speech``, words said
(``on=keys``), after silence (``on=silence``) and after a message is left
(``on=record``). Keys are handed to the inbox as the
words the question understands, and the turn that answers them is said: star
says the question again; a first silence asks it again, a second moves on as an
unanswered text question would (a question that may be skipped is skipped; any
other waits, and the call says goodbye). A call that ends busy, unanswered or
failed, or reaches an answering machine, puts its messages back in the outbox
to be called again after ``voice.retry_gap``, up to ``voice.attempts`` calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from bot.channels.sms.media import fetch_file
from bot.channels.sms.signature import Signature
from bot.channels.voice import keys
from bot.channels.voice.calls import Call, Calls
from bot.channels.voice.twiml import Speaker
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.metrics import Metrics
from bot.core.phones import InvalidNumber, normalise
from bot.delivery.inbox import Inbound, Inbox
from bot.delivery.receipts import Receipt
from bot.language import spoken

log = logging.getLogger(__name__)

NAME = "voice"
ANSWER_WAIT = 8.0  # seconds for the reply to a key pressed (Twilio waits 15 for TwiML)
NOT_REACHED = ("busy", "no-answer", "failed", "canceled")
SKIP = "skip"  # understood in English and Welsh by every question that may be skipped
RECORDED_WAITS, RECORDED_WAIT = 25, 0.2  # for the sender to write down a call it placed
MAX_SKIPPED = 20  # questions skipped by phone in one turn before the call stops


class Webhooks:
    def __init__(self, config: Config, inbox: Inbox, metrics: Metrics, calls: Calls,
                 speaker: Speaker, clock: Callable[[], datetime] = utcnow) -> None:
        self.config = config
        self.clock = clock
        self.voice = config.voice
        self.inbox = inbox
        self.metrics = metrics
        self.calls = calls
        self.speaker = speaker
        self.signature = Signature(config.twilio)

    async def call(self, request: Request) -> Response:
        params = await self.signature.checked(request, "voice")
        if isinstance(params, Response):
            return params
        sid = params.get("CallSid")
        if not sid:
            return PlainTextResponse("CallSid is required", status_code=400)
        on = request.query_params.get("on", "")
        call = self.calls.get(sid)
        if call is not None:
            call.heard_from()
        if on == "":
            return await self._answered(sid, call, params)
        if call is None:
            return _twiml(self.speaker.farewell(spoken.NOTHING, self.config.language))
        if on == "keys":
            return await self._pressed(call, params.get("Digits") or "",
                                       (params.get("SpeechResult") or "").strip())
        if on == "silence":
            return await self._silence(call)
        if on == "record":
            return await self._left(call, params)
        return PlainTextResponse("on is one of keys, silence, record", status_code=400)

    async def status(self, request: Request) -> Response:
        params = await self.signature.checked(request, "voice")
        if isinstance(params, Response):
            return params
        sid, status = params.get("CallSid"), (params.get("CallStatus") or "").lower()
        if not sid or not status:
            return PlainTextResponse("CallSid and CallStatus are required", status_code=400)
        call = self.calls.get(sid)
        if status in NOT_REACHED:
            self.calls.end(sid)
            why = f"the call was {status.replace('-', ' ')}"
            if await self._call_again(sid, why, placed=call is not None) is None:
                return PlainTextResponse("try again later", status_code=503)
        elif status == "completed":
            self.calls.end(sid)
            if call is not None and call.answered:
                self.metrics.messages_out.labels(channel=NAME, status="delivered").inc()
        return PlainTextResponse("", status_code=204)

    # --- a call's turns --------------------------------------------------------------------

    async def _answered(self, sid: str, call: Call | None, params: dict[str, str]) -> Response:
        if call is None:  # a call to copro's number: it asks for what answer_calls_with starts
            try:
                address = normalise(params.get("From") or "", self.config.twilio.default_region)
            except InvalidNumber:
                log.warning("voice: a call from a number copro cannot call back was refused")
                return _twiml(self.speaker.farewell(spoken.NOTHING, self.config.language))
            call = self.calls.open(sid, address)
            call.answered = True
            if not await self._hand_in(call, self.voice.answer_calls_with):
                return _twiml(self.speaker.farewell(spoken.LATER, self.config.language))
            return await self._next(call)
        if (params.get("AnsweredBy") or "").startswith(("machine", "fax")):
            self.calls.end(sid)
            await self._call_again(sid, "an answering machine took the call", placed=True)
            if self.voice.answering_machine == "message":
                group = await self.inbox.group_name(NAME, call.address, call.language)
                return _twiml(self.speaker.farewell(spoken.MACHINE, call.language, group=group))
            return _twiml('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>')
        call.answered = True
        return await self._next(call)

    async def _pressed(self, call: Call, digits: str, speech: str = "") -> Response:
        question = call.question
        if question is None:
            return await self._next(call)
        if speech and not digits:  # voice.speech: said, not pressed; read as a text would be
            call.silences = 0
            if not await self._hand_in(call, speech):
                return _twiml(self.speaker.farewell(spoken.LATER, call.language))
            return await self._next(call)
        if keys.repeat(digits):
            return _twiml(self.speaker.turn([question], call.language))
        call.silences = 0
        if (question.answer or {}).get("way") == "record":
            if digits.strip("#") == "1":
                return _twiml(self.speaker.record(question.language))
            answer = SKIP
        else:
            answer = keys.meaning(digits, question)
        if not await self._hand_in(call, answer):
            return _twiml(self.speaker.farewell(spoken.LATER, call.language))
        return await self._next(call)

    async def _silence(self, call: Call) -> Response:
        question = call.question
        if question is None:
            return await self._next(call)
        call.silences += 1
        if call.silences == 1:
            return _twiml(self.speaker.turn([question], call.language, again=True))
        call.silences = 0
        if (question.answer or {}).get("skip"):
            if not await self._hand_in(call, SKIP):
                return _twiml(self.speaker.farewell(spoken.LATER, call.language))
            return await self._next(call)
        # The question waits, as a text would: its nudge and expiry still come.
        self.calls.end(call.sid)
        return _twiml(self.speaker.farewell(spoken.LATER, call.language))

    async def _left(self, call: Call, params: dict[str, str]) -> Response:
        url, recording = params.get("RecordingUrl"), params.get("RecordingSid") or "message"
        path = self.config.media_dir / NAME / f"{_safe(call.sid)}-{_safe(recording)}.wav"
        if url and await fetch_file(self.config.twilio, f"{url}.wav", path,
                                    f"a message left on call {call.sid}"):
            kept = await self._hand_in(call, "", (str(path),))
        else:
            kept = await self._hand_in(call, SKIP)
        if not kept:
            return _twiml(self.speaker.farewell(spoken.LATER, call.language))
        return await self._next(call)

    async def _next(self, call: Call) -> Response:
        """The turn the flow says next; a question the call skips is answered at once."""
        said = []
        for _ in range(MAX_SKIPPED):
            turn = await call.turn(ANSWER_WAIT)
            if not turn:
                break
            said += turn
            question = turn[-1].answer
            if question is None or question.get("way") != "skip":
                break
            said.pop()  # skipped by phone: not read out
            if not await self._hand_in(call, SKIP):
                break
        if not said:
            self.calls.end(call.sid)
            return _twiml(self.speaker.farewell(spoken.NOTHING, call.language))
        if said[-1].answer is None:
            self.calls.end(call.sid)  # goodbye: what comes later is a new call
        return _twiml(self.speaker.turn(said, call.language))

    async def _hand_in(self, call: Call, text: str, media: tuple[str, ...] = ()) -> bool:
        call.pressed += 1
        self.metrics.messages_in.labels(channel=NAME).inc()
        try:
            await self.inbox.hand_in(Inbound("message", NAME, call.address, text, media,
                                             f"{call.sid}:{call.pressed}"))
        except Exception:
            log.exception("voice: what was pressed on call %s could not be handed in", call.sid)
            return False
        return True

    async def _call_again(self, sid: str, why: str, *, placed: bool) -> bool | None:
        """``_not_reached``, waiting a moment for a call copro ``placed``: Twilio can report it
        before the sender has written down that it was placed."""
        for _ in range(RECORDED_WAITS if placed else 1):
            found = await self._not_reached(sid, why)
            if found is not False:
                return found
            await asyncio.sleep(RECORDED_WAIT)
        return False

    async def _not_reached(self, sid: str, why: str) -> bool | None:
        """Call again later: True if the call's messages were put back, None if the database
        could not be reached."""
        receipt = Receipt(NAME, sid, "failed", error=f"{why}; to be called again",
                          again_at=self.clock() + self.voice.retry_gap,
                          tries=self.voice.attempts)
        try:
            return await self.inbox.receipt(receipt)
        except Exception:
            log.warning("voice: how call %s ended could not be kept", sid, exc_info=True)
            return None


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())[:64] or "call"


def _twiml(xml: str) -> Response:
    return Response(xml, media_type="text/xml")
