"""Hostile requests at the WhatsApp webhooks (``/webhooks/twilio/whatsapp`` and its ``/status``)
of the HTTP app ``copro run`` serves, with the WhatsApp and SMS channels talking to the Twilio
double, in the manner of ``test_fuzz_webhooks``.

Hypothesis sends random forms, bodies that are not forms, bodies of 1-2 MB, missing and wrong
signatures; and, signed, messages with odd or missing fields: ``whatsapp:`` missing, doubled or
misspelt, quick-reply taps with payloads copro never gave or far too long, taps naming messages
that do not exist, and photos on hosts that are not Twilio's. Whatever arrives, the sender gets
a 2xx or a 4xx saying what was wrong, never a 5xx; nothing accepted is set aside as a fault; a
photo on another host is never fetched (so never given the credentials); and afterwards someone
new on WhatsApp is still answered with the welcome and its buttons.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.channels.sms.webhooks import MAX_SID
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.core.config import load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from storage.models import Message
from tests.channels import test_fuzz_webhooks as fuzz_webhooks
from tests.channels.test_fuzz_webhooks import (
    CONTENT_TYPES,
    GARBAGE,
    MB,
    NOT_A_FORM,
    NOT_A_SID,
    REQUIRED,
    SIDS,
    TEXTS,
    TWIML,
    WELCOME,
    _sign,
    _without_nul,
    fuzz,
)
from tests.doubles.twilio_api import ACCOUNT, TwilioDouble
from tests.doubles.twilio_api import TOKEN as TWILIO_TOKEN
from tests.servers import serve_asgi

INBOUND = "/webhooks/twilio/whatsapp"
STATUS = "/webhooks/twilio/whatsapp/status"
PHONES = [f"+447700900{n:03d}" for n in range(100, 140)]
NEWCOMERS = [f"whatsapp:+447700900{n:03d}" for n in range(900, 910)]  # never in the fuzz
SENDERS = st.one_of(
    st.sampled_from(PHONES).map(lambda p: f"whatsapp:{p}"),  # as Twilio sends them
    st.sampled_from(PHONES),  # the prefix missing: not a WhatsApp address
    st.sampled_from(PHONES).map(lambda p: f"whatsapp:whatsapp:{p}"),  # doubled
    st.sampled_from(PHONES).map(lambda p: f"WhatsApp:{p}"),
    st.sampled_from(["whatsapp:", "whatsapp: +44 7700 900150", "whatsapp:07700900151",
                     "whatsapp:+1", "whatsapp:\x00+447700900152", "messenger:12345",
                     "whatsapp:+44770090015" + "0" * 300]),
    st.text(max_size=20),
)
PAYLOADS = st.one_of(
    TEXTS, st.sampled_from(["en", "cy", "open", "yes", "STOP", "start", " stop ", "1", "0", "-1",
                            "opt:1:1", "x" * 5000, "\x00", "en\x00"]),
)


@dataclass
class Rig(fuzz_webhooks.Rig):
    """The fuzz rig of ``test_fuzz_webhooks`` (its ``post``, ``received``, ``nothing_set_aside``)
    with the WhatsApp channel instead of Telegram, and a server that is not Twilio's:
    every request it gets is in ``asked``."""

    elsewhere: str = ""
    asked: list[dict[str, str]] = field(default_factory=list)

    async def still_answers(self, address: str) -> None:
        """Someone new writes on WhatsApp: the welcome comes back, with its buttons."""
        answer = await self.twilio.text_copro(self.client, f"{self.url}{INBOUND}", address, "Hi")
        assert (answer.status_code, answer.text) == (200, TWIML)
        await self.sender.drain()
        [greeting] = self.twilio.whatsapp_to(address)
        assert WELCOME in greeting.body
        assert greeting.buttons == [("English", "en"), ("Cymraeg", "cy")]


@pytest.fixture
async def rig(database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    twilio = TwilioDouble()
    asked: list[dict[str, str]] = []

    async def anything(request: Request) -> Response:
        asked.append(dict(request.headers))
        return Response(b"\xff\xd8\xff not Twilio's", media_type="image/jpeg")

    elsewhere_app = Starlette(routes=[Route("/{path:path}", anything)])
    async with serve_asgi(twilio.app) as twilio_url, serve_asgi(elsewhere_app) as elsewhere:
        twilio.base_url = twilio_url
        (tmp_path / "copro.toml").write_text("\n".join([
            "[twilio]", f'account_sid = "{ACCOUNT}"', f'auth_token = "{TWILIO_TOKEN}"',
            'from_number = "+447700900000"', f'api_base_url = "{twilio_url}"',
            f'content_api_url = "{twilio_url}"', "segments_per_second = 1000",
            "max_inbound_per_minute = 100000",
            "[whatsapp]", 'from_number = "+447700900000"', "messages_per_second = 1000",
            "[outbox]", "first_retry_seconds = 0.01", "max_retry_seconds = 0.05",
            "max_attempts = 2", ""]))
        config = load_config(tmp_path / "copro.toml", env={"COPRO_DATA_DIR": str(tmp_path)})
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        metrics = Metrics()
        spool = Spool(tmp_path / "spool")
        inbox = Inbox(conversations, spool)
        channels = {"sms": SmsChannel(config, inbox, metrics),
                    "whatsapp": WhatsAppChannel(config, inbox, metrics)}
        for channel in channels.values():
            await channel.start()
        sender = Sender(database, channels, config, metrics)
        routes = [route for channel in channels.values() for route in channel.routes()]
        app = create_app(database, metrics, routes, list(channels))
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as client:
                yield Rig(url, client, twilio, None, database, sender, spool, [],  # type: ignore[arg-type]
                          elsewhere, asked)
        finally:
            for channel in channels.values():
                await channel.stop()


@st.composite
def _messages(draw: st.DrawFn, elsewhere: str, replied: list[str]) -> dict[str, str]:
    """A WhatsApp message from Twilio with random values: some fields missing, some Twilio
    never sends, a button tapped (or not), photos on hosts that are not Twilio's."""
    params = {"MessageSid": draw(SIDS), "AccountSid": ACCOUNT, "From": draw(SENDERS),
              "To": "whatsapp:+447700900000", "Body": draw(TEXTS), "NumMedia": "0",
              "ProfileName": draw(TEXTS)}
    if draw(st.booleans()):
        params["ButtonText"] = draw(TEXTS)
        params["ButtonPayload"] = draw(PAYLOADS)
        params["OriginalRepliedMessageSid"] = draw(st.one_of(
            SIDS, st.sampled_from(replied or ["SM" + "0" * 32])))
    if draw(st.booleans()):
        params["NumMedia"] = draw(st.sampled_from(["1", "2", "abc", "-1"]))
        for n in range(draw(st.integers(0, 2))):
            params[f"MediaUrl{n}"] = draw(st.sampled_from([
                f"{elsewhere}/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME1",
                f"{elsewhere}/image.jpg", "https://example.org/receipt.jpg",
                "http://169.254.169.254/latest/meta-data/", "not a url"]))
            params[f"MediaContentType{n}"] = "image/jpeg"
    for key in draw(st.sets(st.sampled_from(sorted(params)), max_size=3)):
        del params[key]
    return params


async def test_whatsapp_without_a_valid_signature_is_refused_whatever_it_holds(rig: Rig) -> None:
    """No signature, a random one, or one for other fields: 403 "invalid signature" at both
    WhatsApp webhooks, and nothing is kept."""

    async def check(example: tuple[str, dict[str, str], str]) -> None:
        path, params, how = example
        headers = {}
        if how == "other-fields":
            headers["X-Twilio-Signature"] = _sign(f"{rig.url}{path}", {**params, "Body": "!"})
        elif how == "other-webhook":
            other = INBOUND if path == STATUS else STATUS
            headers["X-Twilio-Signature"] = _sign(f"{rig.url}{other}", params)
        elif how:
            headers["X-Twilio-Signature"] = how
        answer = await rig.post(path, data=params, headers=headers)
        assert (answer.status_code, answer.text) == (403, "invalid signature")

    hows = st.sampled_from(["", "other-fields", "other-webhook", "bm90IGEgc2lnbmF0dXJl", "x" * 500])
    await fuzz(st.tuples(st.sampled_from([INBOUND, STATUS]), _messages(rig.elsewhere, []), hows),
               check, 60)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers(NEWCOMERS[0])


async def test_whatsapp_bodies_that_are_not_forms_or_are_huge_get_a_4xx(rig: Rig) -> None:
    """Random bytes under any Content-Type, and a field of 1-2 MB, signed or not: 400 "the body
    is not a form", 403 "invalid signature", or 400 saying which fields are required."""

    async def check(example: tuple[str, bytes, str | None, int, bool]) -> None:
        path, body, content_type, size, signed = example
        if size:
            params = {"MessageSid": f"SM{size:032d}", "From": NEWCOMERS[9], "Body": "x" * size}
            headers = {"X-Twilio-Signature": _sign(f"{rig.url}{path}", params)} if signed else {}
            answer = await rig.post(path, data=params, headers=headers)
            assert (answer.status_code, answer.text) == NOT_A_FORM
            return
        headers = {} if content_type is None else {"Content-Type": content_type}
        if signed:
            headers["X-Twilio-Signature"] = _sign(f"{rig.url}{path}", {})
        answer = await rig.post(path, content=body, headers=headers)
        assert answer.status_code in (400, 403), answer.text
        assert answer.text in ("the body is not a form", "invalid signature",
                               "MessageSid and From are required",
                               "MessageSid and a known MessageStatus are required")

    sizes = st.one_of(st.just(0), st.integers(MB + 1, 2 * MB))
    await fuzz(st.tuples(st.sampled_from([INBOUND, STATUS]), GARBAGE,
                         st.sampled_from(CONTENT_TYPES), sizes, st.booleans()), check, 50)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers(NEWCOMERS[1])


async def test_signed_random_whatsapp_messages_are_taken_or_refused_clearly(rig: Rig) -> None:
    """Signed messages with odd fields: with a MessageSid and a From, 200 and an empty TwiML
    (a From that is not a WhatsApp address is answered so, and left: no one has it); without,
    400 "MessageSid and From are required"; a MessageSid longer than Twilio's, 400. Each one
    from a WhatsApp address is kept (or was already, sent twice), taps with payloads copro never
    gave included; none is set aside as a fault; photos on other hosts are never fetched."""
    await rig.still_answers(NEWCOMERS[2])  # a greeting with buttons to tap, and to name
    replied = [t.sid for t in rig.twilio.texts]
    taken: dict[str, str] = {}  # MessageSid: who sent it

    async def check(params: dict[str, str]) -> None:
        answer = await rig.post(INBOUND, data=params,
                                headers={"X-Twilio-Signature": _sign(f"{rig.url}{INBOUND}", params)})
        seen = _without_nul(params)
        sid, sender = seen.get("MessageSid"), seen.get("From")
        if not sid or not sender:
            assert (answer.status_code, answer.text) == REQUIRED
        elif len(sid) > MAX_SID:
            assert (answer.status_code, answer.text) == NOT_A_SID
        else:
            assert (answer.status_code, answer.text) == (200, TWIML)
            if sender.startswith("whatsapp:+44770090") and len(sender) == len("whatsapp:") + 13:
                taken.setdefault(sid, sender)

    await fuzz(_messages(rig.elsewhere, replied), check, 150)
    await rig.sender.drain()
    rig.nothing_set_aside()
    assert rig.asked == []  # no other host was asked for anything, let alone with credentials
    async with rig.db.transaction() as s:
        kept = set((await s.scalars(select(Message.provider_id)
                                    .where(Message.direction == "in"))).all())
        stopped = set((await s.scalars(select(Message.address).where(
            Message.direction == "in", func.upper(Message.body).in_(["STOP"])))).all())
    lost = {sid: sender for sid, sender in taken.items() if sid not in kept}
    # Only someone who sent STOP (or tapped Stop) has messages not kept: they asked for nothing
    # more, so what they send after it is left, as on SMS.
    assert set(lost.values()) <= stopped, lost
    await rig.still_answers(NEWCOMERS[3])


async def test_taps_copro_never_gave_are_read_as_words_and_stop_is_always_stop(rig: Rig) -> None:
    """A payload no button carries, one far too long, or a tap naming a message that is not
    copro's: read as the words on the button (the person is answered, the question re-asked if
    the words mean nothing). A Stop payload in any case stops them."""
    hook = f"{rig.url}{INBOUND}"
    ann = NEWCOMERS[4]
    await rig.still_answers(ann)
    [greeting] = rig.twilio.whatsapp_to(ann)
    sorry = ("Sorry, I did not understand. Please reply 1 for English.\nMae'n ddrwg gen i, "
             "wnes i ddim deall. Atebwch 2 am Gymraeg.")
    for payload in ("zz-unknown", "x" * 5000):
        before = len(rig.twilio.whatsapp_to(ann))
        answer = await rig.twilio.text_copro(rig.client, hook, ann, "banana",
                                             button=("banana", payload), replied=greeting.sid)
        assert (answer.status_code, answer.text) == (200, TWIML)
        await rig.sender.drain()
        [again] = rig.twilio.whatsapp_to(ann)[before:]  # "banana" is no language: asked again
        assert again.body == sorry and again.buttons == greeting.buttons
    # A tap naming a message copro never sent: the words on the button answer.
    answer = await rig.twilio.text_copro(rig.client, hook, ann, "English",
                                         button=("English", "cy"), replied="SM" + "9" * 32)
    assert (answer.status_code, answer.text) == (200, TWIML)
    await rig.sender.drain()
    assert "Do you agree? Please reply YES or NO." in rig.twilio.whatsapp_to(ann)[-1].body
    answer = await rig.twilio.text_copro(rig.client, hook, ann, "Stop",
                                         button=("Stop", " stop "))
    assert (answer.status_code, answer.text) == (200, TWIML)
    await rig.sender.drain()
    async with rig.db.transaction() as s:
        bodies = (await s.scalars(select(Message.body).where(
            Message.direction == "in", Message.address == ann).order_by(Message.id))).all()
    assert bodies == ["Hi", "banana", "banana", "English", "STOP"]  # every one kept
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ann)
    assert person is not None and (person.language, person.status) == ("en", "opted_out")
    rig.nothing_set_aside()
