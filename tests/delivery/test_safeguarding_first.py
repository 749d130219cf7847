"""Safeguarding goes first: while a broadcast to 1,000 people is being texted through the Twilio
double at Twilio's own rate, a risk answer in a weekly check-in reaches the safeguarding lead's
phone within seconds, ahead of the rest of the broadcast, even though the lead has had their
texts for the hour and, at night, their contact hours are shut; and the person who wrote it gets
the signposting as fast.

The sender runs as ``copro run`` runs it, and its clock moves with real time from the moment the
test sets (midday or 23:40 in London), so what the double records is when each text reached
"Twilio".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest

from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features.broadcasts import Broadcasts
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, messages, participants
from storage.db import Database
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.people import deliver, member
from tests.servers import serve_asgi

PEOPLE = 1000
RATE = 10  # twilio.segments_per_second's default: Twilio's rate for one long code
CAP = 2  # twilio.max_per_participant_per_hour, already reached by the lead
ANN, SAM = "+447700900001", "+447700900002"
FROM = "+447700900000"
NOTICE = "The hall is closed on Friday; we meet in the library instead, same time."
RISK = "Some days I want to end it all."
MIDDAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 24, 23, 40, tzinfo=UTC)  # outside Sam's contact hours (8am to 9pm)


def moving_from(start: datetime) -> Callable[[], datetime]:
    """A clock that reads ``start`` now and moves on with real time."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


async def arrived(twilio: TwilioDouble, to: str, words: str, seconds: float) -> float:
    """When (monotonic) the first text to ``to`` containing ``words`` reached the double."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for text in twilio.texts:
            if text.to == to and words in text.body:
                return text.at
        await asyncio.sleep(0.02)
    raise AssertionError(f"no text to {to} with {words!r} within {seconds:g} s")


async def under_way(twilio: TwilioDouble, texts: int, seconds: float) -> None:
    """Until ``texts`` broadcast texts have reached the double."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(t.body == NOTICE for t in twilio.texts) >= texts:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {texts} broadcast texts within {seconds:g} s")


@pytest.mark.parametrize("start", [pytest.param(MIDDAY, id="midday"),
                                   pytest.param(NIGHT, id="night")])
async def test_a_risk_answer_reaches_the_lead_within_seconds_during_a_broadcast_to_1000(
    database: Database, tmp_path: Path, start: datetime
) -> None:
    clock = moving_from(start)
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as url:
        path = tmp_path / "copro.toml"
        path.write_text(
            f'[twilio]\naccount_sid = "{ACCOUNT}"\nauth_token = "{TOKEN}"\nfrom_number = "{FROM}"\n'
            f'api_base_url = "{url}"\nsegments_per_second = {RATE}\n'
            f"max_per_participant_per_hour = {CAP}\n"
            "[outbox]\nidle_seconds = 0.05\n[checkins]\nenabled = false\n")
        config = load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})
        conversations = Conversations(database, Library.load(), config, clock=clock)
        await conversations.register_flows()
        async with database.transaction() as s:
            riverside = await groups.create_group(s, "Riverside Voices")
        await member(database, riverside, ANN, name="Ann", hours=(clock_time(0), clock_time(0)))
        await member(database, riverside, SAM, name="Sam", role="safeguarding")  # 8am to 9pm
        async with database.transaction() as s:
            ids = await participants.create_many(s, [
                {"name": f"Person {n}", "channel": "sms", "address": f"+4477009{10000 + n:05d}",
                 "consent_at": start} for n in range(PEOPLE)], at=start)
            for person in (await participants.get_many(s, ids)).values():
                await participants.set_fields(s, person, contact_start=clock_time(0),
                                              contact_end=clock_time(0), at=start)
            await groups.add_members(s, riverside, ids)
            for n in range(CAP):  # Sam has had the texts the hourly cap allows
                earlier = await messages.queue_outbound(
                    s, participant_id=None, session_id=None, channel="sms", address=SAM,
                    body=f"Earlier text {n}", options=[], idempotency_key=None,
                    at=start - timedelta(minutes=20))
                assert earlier is not None
                await messages.mark_sent(s, earlier, at=start - timedelta(minutes=20 - n))
        # Ann is in her weekly check-in, at the question whose answer may raise an alert.
        await conversations.receive("sms", ANN, "check in")
        for answer in ("8", "8", "8", "2", "never"):
            await conversations.receive("sms", ANN, answer)
        await deliver(database, ANN, clock())

        channel = SmsChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), Metrics())
        await channel.start()
        sender = Sender(database, {"sms": channel}, config, clock=clock)
        conversations.on_queued = sender.wake
        try:
            async with database.transaction() as s:
                found = await groups.get_group_by_name(s, "Riverside Voices")
                assert found is not None
                await Broadcasts(conversations, config, clock).send(s, found, NOTICE)
            await scheduler_for(conversations, config, clock=clock).tick()
            sender.start()
            await under_way(twilio, 20, 60)
            answered = time.monotonic()
            await conversations.receive("sms", ANN, RISK)
            to_sam = await arrived(twilio, SAM, "Safeguarding alert 1", 60)
            to_ann = await arrived(twilio, ANN, "Samaritans free on 116 123", 60)
        finally:
            await sender.stop()
            await channel.stop()

    broadcast = [t.at for t in twilio.texts if t.body == NOTICE]
    print(f"alert {to_sam - answered:.2f} s, signposting {to_ann - answered:.2f} s after the "
          f"answer; {len(broadcast)} of {PEOPLE + 2} broadcast texts sent by then")
    # Within seconds (well within a minute, even on a busy machine), not after the broadcast.
    assert to_sam - answered < 10
    assert to_ann - answered < 10  # and Ann is told as fast where to find help now
    # Ahead of the rest of the broadcast: only the texts already on their way (a few seconds'
    # worth at Twilio's rate at most) reached Twilio between the answer and the alert.
    overtaken = [at for at in broadcast if answered < at < to_sam]
    assert len(overtaken) <= 3 * RATE
    assert len([at for at in broadcast if at < to_sam]) < PEOPLE / 10  # most still to go
