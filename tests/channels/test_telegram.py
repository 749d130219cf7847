"""Telegram end to end: python-telegram-bot, unmodified, against the Bot API double."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.telegram import files as telegram_files
from bot.channels.telegram import send as telegram_send
from bot.channels.telegram.channel import TelegramChannel, bot_username, webhook_secret
from bot.core.clock import utcnow
from bot.core.config import Config, ConfigError, load_config
from bot.core.metrics import Metrics
from bot.core.scheduler import Scheduler
from bot.delivery.channel import Outgoing, TryAgain
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.features import people
from bot.features.people import deep_link
from bot.features.polls import Polls
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage import groups, invites, messages, participants
from storage import polls as polls_store
from storage.db import Database
from storage.models import Membership, Participant
from tests import records
from tests.doubles.bot_api import BLOCKED, NO_CHAT, TOKEN, BotApiDouble, Fault, too_many
from tests.servers import serve_asgi

ANN = 1001
SECRET = "s3cret-value"
WEBHOOK = {"webhook_url": "https://copro.example.org/webhooks/telegram", "webhook_secret": SECRET}


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@dataclass
class Rig:
    api: BotApiDouble
    db: Database
    channel: TelegramChannel
    sender: Sender
    config: Config
    url: str  # copro's HTTP app
    client: httpx.AsyncClient
    scheduler: Scheduler

    async def until(self, check: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
        await until(check, seconds)

    async def inbound(self, chat: int) -> int:
        async with self.db.transaction() as s:
            found = await records.messages_of_address(s, str(chat))
        return sum(m.direction == "in" for m in found)

    async def say(self, chat: int, text: str) -> list[str]:
        """``chat`` sends ``text``; what copro sends back."""
        return await self.deliver(chat, self.api.message(chat, text))

    async def tap(self, chat: int, number: int) -> list[str]:
        """``chat`` taps choice ``number`` under the latest question; what copro sends back."""
        question = [c for c in self.api.sent(chat) if c.params.get("reply_markup")][-1]
        data = question.params["reply_markup"]["inline_keyboard"][number - 1][0]["callback_data"]
        return await self.deliver(chat, self.api.tap(chat, data, question))

    async def deliver(self, chat: int, update: dict[str, object]) -> list[str]:
        """Telegram delivers ``update`` (to a long poll, or to the webhook); what copro sends back."""
        before, heard = len(self.api.texts(chat)), await self.inbound(chat)
        if self.channel.webhook:
            answer = await self.api.post(self.client, f"{self.url}/webhooks/telegram", update, SECRET)
            assert answer.status_code == 200
        else:
            self.api.queue(update)

        async def handled() -> bool:
            return await self.inbound(chat) > heard

        await self.until(handled)
        await self.sender.drain()
        return self.api.texts(chat)[before:]

    async def person(self, chat: int) -> Participant:
        async with self.db.transaction() as s:
            found = await participants.find_by_address(s, "telegram", str(chat))
        assert found is not None
        return found


def settings(tmp_path: Path, api_url: str, **telegram: object) -> Config:
    keys = {"token": TOKEN, "api_base_url": api_url, "polling_timeout": 1,
            "messages_per_second": 1000, "chat_messages_per_second": 1000, **telegram}
    lines = "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
    path = tmp_path / "copro.toml"
    path.write_text(f"[telegram]\n{lines}\n[outbox]\nfirst_retry_seconds = 0.01\n"
                    "max_retry_seconds = 0.05\nmax_attempts = 4\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@pytest.fixture
async def rig(database: Database, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    api = BotApiDouble()
    async with serve_asgi(api.app) as api_url:
        api.base_url = api_url
        config = settings(tmp_path, api_url, **getattr(request, "param", {}))
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        scheduler = scheduler_for(conversations, config)
        metrics = Metrics()
        channel = TelegramChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), metrics)
        sender = Sender(database, {"telegram": channel}, config, metrics)
        app = create_app(database, metrics, channel.routes(), ["telegram"])
        await channel.start()
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient() as client:
                yield Rig(api, database, channel, sender, config, url, client, scheduler)
        finally:
            api.hang_up()
            await channel.stop()


@pytest.mark.parametrize("rig", [{}, WEBHOOK], ids=["polling", "webhook"], indirect=True)
async def test_a_whole_welcome_and_check_in_with_buttons_and_typed_answers(rig: Rig) -> None:
    # Long polling removes any webhook first; webhook mode registers one.
    assert bool(rig.api.webhook) == rig.channel.webhook
    assert rig.api.sent(None, "setWebhook" if rig.channel.webhook else "deleteWebhook")
    [greeting] = await rig.say(ANN, "/start")
    assert "Which language would you like?" in greeting
    markup = rig.api.sent(ANN)[-1].params["reply_markup"]
    assert [row[0]["text"] for row in markup["inline_keyboard"]] == ["English", "Cymraeg"]
    await rig.tap(ANN, 1)  # English
    edited = rig.api.sent(ANN, "editMessageReplyMarkup")[-1].params["reply_markup"]
    assert edited["inline_keyboard"][0][0]["text"] == "✓ English"  # the choice, echoed
    assert rig.api.sent(None, "answerCallbackQuery")
    await rig.say(ANN, "yes")
    await rig.say(ANN, "Ann")
    await rig.tap(ANN, 4)
    said = await rig.say(ANN, "check in")
    assert "how satisfied are you with your life nowadays?" in said[0]
    for answer in ("7", "eight", "about 6", "2"):
        await rig.say(ANN, answer)
    await rig.tap(ANN, 4)  # lonely: hardly ever
    thanks = await rig.say(ANN, "skip")
    assert any("Thank you for your answers, Ann" in t for t in thanks)
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "telegram", str(ANN))
        assert person is not None
        checkin = await records.last_session(s, person.id, "weekly-checkin")
        assert checkin is not None and checkin.status == "completed"
        kept = {r.key: r.value for r in await records.results_of(s, checkin.id)}
    assert kept == {"life_satisfaction": 7, "worthwhile": 8, "happy": 6, "anxious": 2,
                    "lonely": "hardly_ever", "note": None}


async def test_a_button_under_an_old_question_does_not_answer_the_new_one(rig: Rig) -> None:
    await rig.say(ANN, "/start")
    old = rig.api.sent(ANN)[-1]
    await rig.tap(ANN, 1)
    await rig.say(ANN, "yes")
    heard = await rig.inbound(ANN)
    stale = old.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    rig.api.queue(rig.api.tap(ANN, stale, old))

    async def answered() -> bool:
        return any(c.params.get("text") == "That question has closed. Please answer the latest one."
                   for c in rig.api.sent(None, "answerCallbackQuery"))

    await rig.until(answered)
    assert await rig.inbound(ANN) == heard  # nothing was answered
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "telegram", str(ANN))
        assert person is not None and person.language == "en"


async def claim_up_to_the_receipt(rig: Rig) -> None:
    steps: list[str | int] = ["/start", 1, "yes", "Ann", 4, "expense", 1, "3.40", "today",
                              "Group meeting"]
    for step in steps:
        if isinstance(step, int):
            await rig.tap(ANN, step)
        else:
            await rig.say(ANN, step)


async def claim_results(rig: Rig) -> dict[str, object]:
    person = await rig.person(ANN)
    async with rig.db.transaction() as s:
        claim = await records.last_session(s, person.id, "expense-claim")
        assert claim is not None
        return {r.key: r.value for r in await records.results_of(s, claim.id)}


async def test_a_receipt_photo_is_downloaded_and_kept(rig: Rig, tmp_path: Path) -> None:
    await claim_up_to_the_receipt(rig)
    await rig.deliver(ANN, rig.api.message(ANN, photo=b"\xff\xd8 a bus ticket", caption="ticket"))
    [saved] = list((tmp_path / "media" / "telegram").iterdir())
    assert saved.read_bytes() == b"\xff\xd8 a bus ticket"
    assert (await claim_results(rig))["receipt"] == [str(saved)]


async def test_a_receipt_that_cannot_be_fetched_is_asked_for_again(
    rig: Rig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(telegram_files, "DOWNLOAD_WAIT", 0.01)
    await claim_up_to_the_receipt(rig)
    rig.api.fail("getFile", "*", *[Fault(502, "Bad Gateway")] * telegram_files.DOWNLOAD_TRIES)
    said = await rig.deliver(ANN, rig.api.message(ANN, photo=b"\xff\xd8 lost", caption="my ticket"))
    # Ann is told plainly and asked again; what she sent is kept, without the photo.
    assert said[0].startswith("Sorry, I did not get a photo. Please send a photo of your receipt")
    async with rig.db.transaction() as s:
        last_in = [m for m in await records.messages_of_address(s, str(ANN)) if m.direction == "in"][-1]
    assert (last_in.body, last_in.media) == ("my ticket", [])
    assert len(rig.api.sent(None, "getFile!502")) == telegram_files.DOWNLOAD_TRIES

    # She sends it as a file (a PDF) this time; a passing fault is tried again.
    rig.api.fail("getFile", "*", Fault(502, "Bad Gateway"))
    pdf = b"%PDF-1.4 a bus ticket"
    await rig.deliver(ANN, rig.api.message(ANN, document=("ticket.PDF", "application/pdf", pdf)))
    [saved] = list((tmp_path / "media" / "telegram").iterdir())
    assert (saved.suffix, saved.read_bytes()) == (".pdf", pdf)
    assert (await claim_results(rig))["receipt"] == [str(saved)]


async def test_a_sticker_is_answered_not_ignored(rig: Rig) -> None:
    await rig.say(ANN, "/start")
    [again] = await rig.deliver(ANN, rig.api.message(ANN, sticker=True))
    assert again.startswith("Sorry, I did not understand. Please reply 1 for English.")
    assert rig.api.sent(ANN)[-1].params["reply_markup"]  # with the buttons again


async def test_an_invite_code_links_the_chat_to_a_person_copro_knows(rig: Rig) -> None:
    async with rig.db.transaction() as s:
        person = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        await participants.record_consent(s, person, utcnow())
        invite = await invites.create(s, person, at=utcnow())
    before = len(rig.api.texts(ANN))
    rig.api.queue(rig.api.message(ANN, f"/start {invite.code}"))

    async def linked() -> bool:
        await rig.sender.drain()
        return len(rig.api.texts(ANN)) > before

    await rig.until(linked)
    assert rig.api.texts(ANN)[-1].startswith("Hello Ann. This chat is now linked to")
    async with rig.db.transaction() as s:
        found = await participants.find_by_address(s, "telegram", str(ANN))
        assert found is not None and found.id == person.id

    stranger = 2002
    rig.api.queue(rig.api.message(stranger, "/start NOTACODE"))

    async def refused() -> bool:
        await rig.sender.drain()
        return bool(rig.api.texts(stranger))

    await rig.until(refused)
    assert rig.api.texts(stranger)[0].startswith("Sorry, that invite code does not work.")
    [welcome] = await rig.say(stranger, "hello")  # then they are someone new
    assert "Which language would you like?" in welcome


@pytest.mark.parametrize("rig", [WEBHOOK], indirect=True)
async def test_webhook_mode_checks_the_secret_and_handles_each_update_once(rig: Rig) -> None:
    assert rig.api.webhook["url"] == "https://copro.example.org/webhooks/telegram"
    assert rig.api.webhook["secret_token"] == "s3cret-value"
    hook = f"{rig.url}/webhooks/telegram"
    update = rig.api.message(ANN, "hello")
    for secret in (None, "wrong"):
        refused = await rig.api.post(rig.client, hook, update, secret)
        assert (refused.status_code, refused.text) == (403, "forbidden")
    assert (await rig.api.post(rig.client, hook, update, "s3cret-value")).status_code == 200
    assert (await rig.api.post(rig.client, hook, update, "s3cret-value")).status_code == 200
    for bad in (b"{not json", b"[1, 2]", b'{"update_id": "x"}'):
        broken = await rig.client.post(hook, content=bad, headers={
            "X-Telegram-Bot-Api-Secret-Token": "s3cret-value"})
        assert (broken.status_code, broken.text) == (400, "not a Telegram update")
    await rig.sender.drain()
    assert len(rig.api.texts(ANN)) == 1  # the duplicate was handled once
    assert await rig.inbound(ANN) == 1
    counted = (await rig.client.get(f"{rig.url}/metrics")).text
    assert 'copro_messages_in_total{channel="telegram"} 1.0' in counted


async def test_an_invite_code_typed_on_its_own_links_the_chat(rig: Rig) -> None:
    """As `copro invite --help` says: the person may just send the code to the bot."""
    async with rig.db.transaction() as s:
        person = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        await participants.record_consent(s, person, utcnow())
        invite = await invites.create(s, person, at=utcnow())
    before = len(rig.api.texts(ANN))
    code = f"{invite.code[:4].lower()}-{invite.code[4:]}"  # as people type it
    rig.api.queue(rig.api.message(ANN, code))

    async def linked() -> bool:
        await rig.sender.drain()
        return len(rig.api.texts(ANN)) > before

    await rig.until(linked)
    # Ann is greeted by name: the chat is hers, not a new person's in no group.
    assert rig.api.texts(ANN)[-1].startswith("Hello Ann. This chat is now linked to")
    async with rig.db.transaction() as s:
        found = await participants.find_by_address(s, "telegram", str(ANN))
        assert found is not None and found.id == person.id


@pytest.mark.parametrize("rig", [WEBHOOK], indirect=True)
async def test_an_invite_delivered_twice_links_once_without_a_refusal(rig: Rig) -> None:
    async with rig.db.transaction() as s:
        person = await participants.create(s, channel="sms", address="+447700900001", name="Ann")
        await participants.record_consent(s, person, utcnow())
        invite = await invites.create(s, person, at=utcnow())
    update = rig.api.message(ANN, f"/start {invite.code}")
    for _ in range(2):  # Telegram may deliver an update again if it did not hear back in time
        answer = await rig.api.post(rig.client, f"{rig.url}/webhooks/telegram", update, SECRET)
        assert answer.status_code == 200
    await rig.sender.drain()
    [linked] = rig.api.texts(ANN)
    assert linked.startswith("Hello Ann. This chat is now linked to")


def test_without_a_configured_secret_the_webhook_still_has_one(tmp_path: Path) -> None:
    config = settings(tmp_path, "http://127.0.0.1:1", webhook_url="https://x.example/webhooks/telegram")
    secret = webhook_secret(config)
    assert len(secret) == 48 and secret.isalnum() and TOKEN not in secret


async def test_a_person_who_blocked_the_bot_is_not_tried_again(rig: Rig) -> None:
    rig.api.fail("sendMessage", ANN, BLOCKED)
    await rig.say(ANN, "hello")  # the welcome's first question meets a blocked chat
    person = await rig.person(ANN)
    async with rig.db.transaction() as s:  # a message copro sends later, on its own
        later = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address=str(ANN),
            body="Your weekly check-in", options=[], idempotency_key="later", at=utcnow())
        assert later is not None
    await rig.sender.drain()
    async with rig.db.transaction() as s:
        out = [m for m in await records.messages_of_address(s, str(ANN)) if m.direction == "out"]
        assert await participants.address_status(s, "telegram", str(ANN)) == "unreachable"
    assert [(m.status, m.error) for m in out] == [
        ("failed", "Telegram 403: Forbidden: bot was blocked by the user"),
        ("failed", "not sent: the address is unreachable"),
    ]
    assert len(rig.api.sent(ANN, "sendMessage!403")) == 1  # once, not again and again
    assert not rig.api.sent(ANN)
    # Ann unblocks the bot (Telegram sends /start as she does) and is answered again.
    [answer] = await rig.say(ANN, "/start")
    assert "Which language would you like?" in answer
    async with rig.db.transaction() as s:
        assert await participants.address_status(s, "telegram", str(ANN)) == "ok"


async def test_retry_after_is_honoured_and_5xx_retried_until_delivered(rig: Rig) -> None:
    rig.api.fail("sendMessage", ANN, too_many(1), Fault(502, "Bad Gateway"))
    started = time.monotonic()
    rig.api.queue(rig.api.message(ANN, "hello"))

    async def delivered() -> bool:
        await rig.sender.drain()
        return bool(rig.api.texts(ANN))

    await rig.until(delivered)
    refused = [c.method for c in rig.api.calls if c.method.startswith("sendMessage!")]
    assert refused == ["sendMessage!429", "sendMessage!502"]
    first_ok = rig.api.sent(ANN)[0].at
    first_refusal = next(c.at for c in rig.api.calls if c.method == "sendMessage!429")
    assert first_ok - first_refusal >= 1.0  # Telegram's retry_after, kept
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("rig", [{"messages_per_second": 10, "chat_messages_per_second": 2}],
                         indirect=True)
async def test_the_rate_limits_hold_as_telegram_measures_them(rig: Rig) -> None:
    chats = [3001, 3002, 3003, 3004, 3005]
    async with rig.db.transaction() as s:
        for chat in chats:
            person = await participants.create(s, channel="telegram", address=str(chat))
            for n in range(4):
                await messages.queue_outbound(
                    s, participant_id=person.id, session_id=None, channel="telegram",
                    address=str(chat), body=f"Message {n}", options=[], idempotency_key=None, at=utcnow())
    await rig.sender.drain()
    sends = [c for c in rig.api.calls if c.method == "sendMessage"]
    assert len(sends) == 20
    times = sorted(c.at for c in sends)
    assert max(sum(1 for t in times if s0 <= t < s0 + 1) for s0 in times) <= 10
    assert times[-1] - times[0] >= 1.0  # the limit held them back: 20 at once would break it
    for chat in chats:
        mine = sorted(c.at for c in sends if c.params["chat_id"] == str(chat))
        assert max(sum(1 for t in mine if s0 <= t < s0 + 1) for s0 in mine) <= 2
        assert [c.params["text"] for c in sends if c.params["chat_id"] == str(chat)] == [
            "Message 0", "Message 1", "Message 2", "Message 3"]  # in order


def test_group_chats_have_their_own_limit(tmp_path: Path) -> None:
    config = settings(tmp_path, "http://127.0.0.1:1")
    channel = TelegramChannel(config, None, Metrics())  # type: ignore[arg-type]
    private = channel.limits(Outgoing(1, "telegram", "1001", "hi"))
    group = channel.limits(Outgoing(2, "telegram", "-100200", "hi"))
    assert [k for k, _, _ in private] == ["telegram", "telegram:1001"]
    assert ("telegram-group:-100200", 20, 60.0) in group


async def test_a_message_with_a_photo_and_buttons_is_sent_as_a_photo(rig: Rig, tmp_path: Path) -> None:
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(b"\xff\xd8 receipt")
    async with rig.db.transaction() as s:
        person = await participants.create(s, channel="telegram", address=str(ANN))
        await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address=str(ANN),
            body="Expense claim 1 from Ann", options=[], idempotency_key="c1", kind="photo",
            media=[str(receipt)],
            display={"buttons": [{"label": "Approve", "data": "claim:1:approve"}]}, at=utcnow()
        )
    await rig.sender.drain()
    [photo] = rig.api.sent(ANN, "sendPhoto")
    assert photo.params["photo"] == b"\xff\xd8 receipt"
    assert photo.params["caption"] == "Expense claim 1 from Ann"
    assert photo.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "Approve", "callback_data": "claim:1:approve"}]]


async def test_a_slow_answer_does_not_hold_up_other_chats(rig: Rig) -> None:
    slow_answer = 2.0
    rig.api.fail("sendMessage", 4001, Fault(0, delay=slow_answer))
    async with rig.db.transaction() as s:
        for chat in (4001, 4002):
            person = await participants.create(s, channel="telegram", address=str(chat))
            await messages.queue_outbound(
                s, participant_id=person.id, session_id=None, channel="telegram",
                address=str(chat), body="Hello", options=[], idempotency_key=f"k{chat}", at=utcnow())
    await rig.sender.drain()
    slow, quick = rig.api.sent(4001)[0].at, rig.api.sent(4002)[0].at
    # sent side by side: the second chat's message did not wait for the Bot API to answer
    # the first (on a busy machine the two may start a little apart, never a whole answer)
    assert quick - slow < slow_answer / 2


async def test_an_invite_link_names_the_bot(rig: Rig) -> None:
    assert await bot_username(rig.config) == "copro_test_bot"
    assert deep_link("copro_test_bot", "ABCD2345") == "https://t.me/copro_test_bot?start=ABCD2345"
    assert deep_link(None, "ABCD2345") is None


async def test_a_tap_still_counts_after_help_and_old_buttons_answer_in_welsh(rig: Rig) -> None:
    await rig.say(ANN, "/start")
    question = rig.api.sent(ANN)[-1]
    [help_text] = await rig.say(ANN, "help")
    assert help_text.startswith("This is the co-production group.")
    await rig.tap(ANN, 2)  # Cymraeg: asking for help did not close the question
    assert (await rig.person(ANN)).language == "cy"
    english = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    rig.api.queue(rig.api.tap(ANN, "done", question), rig.api.tap(ANN, english, question))

    async def answered() -> bool:
        return len(rig.api.sent(None, "answerCallbackQuery")) == 3

    await rig.until(answered)
    toasts = [c.params.get("text") for c in rig.api.sent(None, "answerCallbackQuery")]
    assert toasts == [None, "Rydych chi wedi ateb hwn yn barod.",
                      "Mae'r cwestiwn yna wedi cau. Atebwch yr un diweddaraf, os gwelwch yn dda."]
    assert (await rig.person(ANN)).language == "cy"  # the old button changed nothing


async def queue_one(rig: Rig, chat: int, body: str = "Hello", options: tuple[str, ...] = ()) -> int:
    async with rig.db.transaction() as s:
        person = await participants.create(s, channel="telegram", address=str(chat))
        message = await messages.queue_outbound(
            s, participant_id=person.id, session_id=None, channel="telegram", address=str(chat),
            body=body, options=list(options), idempotency_key=f"one:{chat}", at=utcnow())
        assert message is not None
        return message.id


async def outcome(rig: Rig, message_id: int) -> tuple[str, str | None]:
    async with rig.db.transaction() as s:
        message = await messages.get(s, message_id)
        assert message is not None
        return message.status, message.error


async def test_a_chat_that_is_gone_fails_at_once_with_the_reason(rig: Rig) -> None:
    rig.api.fail("sendMessage", 2002, NO_CHAT)
    sent = await queue_one(rig, 2002)
    await rig.sender.drain()
    assert await outcome(rig, sent) == ("failed", "Telegram 400: Chat not found")
    assert len(rig.api.sent(2002, "sendMessage!400")) == 1 and not rig.api.sent(2002)
    async with rig.db.transaction() as s:
        assert await participants.address_status(s, "telegram", "2002") == "unreachable"


async def test_a_fault_that_does_not_pass_fails_the_message_after_the_last_try(rig: Rig) -> None:
    rig.api.fail("sendMessage", ANN, *[Fault(500, "Internal Server Error")] * 10)
    sent = await queue_one(rig, ANN)

    async def settled() -> bool:
        await rig.sender.drain()
        return (await outcome(rig, sent))[0] == "failed"

    await rig.until(settled)
    assert await outcome(rig, sent) == (
        "failed", "gave up after 4 attempts: Telegram: Internal Server Error")  # outbox.max_attempts
    assert len(rig.api.sent(ANN, "sendMessage!500")) == 4 and not rig.api.sent(ANN)


async def test_a_long_message_goes_in_parts_with_the_buttons_under_the_last(rig: Rig) -> None:
    body = "\n".join(f"Line {n}: " + " ".join(["word"] * 20) for n in range(80))
    sent = await queue_one(rig, ANN, body, options=("Yes", "No"))
    await rig.sender.drain()
    parts = rig.api.sent(ANN)
    assert len(parts) == 3 and all(len(c.params["text"]) <= 4096 for c in parts)
    assert "\n".join(c.params["text"] for c in parts) == body  # broken at line ends, all there
    assert [bool(c.params.get("reply_markup")) for c in parts] == [False, False, True]
    assert (await outcome(rig, sent))[0] == "sent"


def test_a_long_text_is_cut_where_telegram_counts_its_limit() -> None:
    faces = "😀" * 3000  # each one counts twice
    pieces = telegram_send.parts(faces)
    assert "".join(pieces) == faces
    assert [len(p.encode("utf-16-le")) // 2 for p in pieces] == [4096, 1904]
    assert telegram_send.parts("short") == ["short"]


async def test_telegram_out_of_reach_at_start_is_tried_again_while_the_rest_runs(
    database: Database, tmp_path: Path
) -> None:
    api = BotApiDouble()
    api.fail("getMe", "*", *[Fault(502, "Bad Gateway")] * 1000)
    async with serve_asgi(api.app) as api_url:
        config = settings(tmp_path, api_url, **WEBHOOK)
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        metrics = Metrics()
        channel = TelegramChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), metrics,
                                  reconnect_seconds=(0.02, 0.05))
        await channel.start()  # returns: copro carries on without Telegram for now
        try:
            assert not channel.ready and not api.webhook
            app = create_app(database, metrics, channel.routes(), ["telegram"])
            async with serve_asgi(app) as url, httpx.AsyncClient() as client:
                hook, update = f"{url}/webhooks/telegram", api.message(ANN, "hello")
                early = await api.post(client, hook, update, SECRET)
                # Telegram keeps an update it could not deliver, and tries again later.
                assert (early.status_code, early.text) == (503, "not ready; try again")
                api.faults.clear()  # Telegram is back

                async def connected() -> bool:
                    return channel.ready

                await until(connected)
                assert api.webhook["url"] == WEBHOOK["webhook_url"]
                assert (await api.post(client, hook, update, SECRET)).status_code == 200
                assert len(api.sent(None, "getMe!502")) >= 2
        finally:
            await channel.stop()


async def test_a_refused_token_is_reported_without_showing_it(
    database: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api = BotApiDouble(token="654321:another-bot")
    async with serve_asgi(api.app) as api_url:
        config = settings(tmp_path, api_url)
        conversations = Conversations(database, Library.load(), config)
        channel = TelegramChannel(config, Inbox(conversations, Spool(tmp_path / "spool")), Metrics())
        await channel.start()
        try:
            assert not channel.ready
            assert "the bot's token was refused. Check COPRO_TELEGRAM_TOKEN" in caplog.text
            assert TOKEN not in caplog.text
            with pytest.raises(TryAgain, match=r"^Telegram refused the bot's token$"):
                await channel.send(Outgoing(1, "telegram", str(ANN), "Hello"))
        finally:
            await channel.stop()


def test_a_webhook_secret_telegram_would_refuse_stops_copro_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, "http://127.0.0.1:1", webhook_secret="has spaces in it")
    assert "telegram.webhook_secret: Telegram takes only letters, digits, _ and -" in str(caught.value)
    assert "has spaces" not in str(caught.value)  # a secret is not repeated back


@pytest.mark.parametrize("rig", [{}, WEBHOOK], ids=["polling", "webhook"], indirect=True)
async def test_one_persons_updates_are_handled_one_at_a_time_in_the_order_they_came(
    rig: Rig,
) -> None:
    # Ann sends a photo, then at once a text. The photo is slow to fetch; meanwhile Bob's text
    # is handled, but Ann's text waits for her photo, so copro reads them as she sent them.
    asked, release = asyncio.Event(), asyncio.Event()
    fetch = rig.api._getFile

    async def held(params: dict[str, object], call: object) -> object:
        asked.set()
        await release.wait()
        return await fetch(params, call)  # type: ignore[arg-type]

    rig.api._getFile = held  # type: ignore[method-assign]
    bob = ANN + 1
    photo, text = rig.api.message(ANN, photo=b"\xff\xd8 a ticket", caption="first"), \
        rig.api.message(ANN, "second")
    hook = f"{rig.url}/webhooks/telegram"
    calls: list[asyncio.Task[httpx.Response]] = []

    async def deliver(*updates: dict[str, object]) -> None:
        if rig.channel.webhook:
            for update in updates:  # Telegram's calls may overlap: each goes without waiting
                calls.append(asyncio.create_task(rig.api.post(rig.client, hook, update, SECRET)))
                await asyncio.sleep(0.05)
        else:
            rig.api.queue(*updates)

    try:
        await deliver(photo)
        await asked.wait()
        await deliver(text, rig.api.message(bob, "hello"))
        await rig.until(lambda: _counts(rig, bob, 1))
        await asyncio.sleep(0.3)  # time enough for Ann's text to overtake her photo, were it let
        assert await rig.inbound(ANN) == 0
    finally:
        release.set()
    await rig.until(lambda: _counts(rig, ANN, 2))
    async with rig.db.transaction() as s:
        heard = [m for m in await records.messages_of_address(s, str(ANN)) if m.direction == "in"]
    assert [(m.body, bool(m.media)) for m in heard] == [("first", True), ("second", False)]
    assert [(await call).status_code for call in calls] == [200] * len(calls)


async def _counts(rig: Rig, chat: int, n: int) -> bool:
    return await rig.inbound(chat) >= n


async def test_the_coordinators_menu_follows_roles_while_copro_runs(rig: Rig) -> None:
    """Sam is made a coordinator after copro started: his chat gets the menu (for his chat
    only); when he stops being one, it is taken away."""
    async with rig.db.transaction() as s:
        riverside = await groups.create_group(s, "Riverside Voices")
        sam = await participants.create(s, channel="telegram", address="2002", name="Sam")
        await groups.add_member(s, riverside, sam, "coordinator")
    await rig.channel.show_commands()
    [given] = [c for c in rig.api.calls if c.method == "setMyCommands"
               and _scope(c.params["scope"]) == {"type": "chat", "chat_id": 2002}]
    assert "broadcast" in str(given.params["commands"])
    async with rig.db.transaction() as s:
        await s.execute(delete(Membership).where(Membership.participant_id == sam.id))
    await rig.channel.show_commands()
    assert [_scope(c.params["scope"]) for c in rig.api.calls
            if c.method == "deleteMyCommands"] == [{"type": "chat", "chat_id": 2002}]


async def test_the_menus_given_are_remembered_across_a_restart(rig: Rig) -> None:
    """A restart neither gives Sam's chat the menu again nor forgets to take it away when he
    stopped being a coordinator while copro was down."""
    async with rig.db.transaction() as s:
        riverside = await groups.create_group(s, "Riverside Voices")
        sam = await participants.create(s, channel="telegram", address="2002", name="Sam")
        await groups.add_member(s, riverside, sam, "coordinator")
    await rig.channel.show_commands()

    def calls(method: str) -> int:
        return sum(1 for c in rig.api.calls if c.method == method
                   and _scope(c.params["scope"]) == {"type": "chat", "chat_id": 2002})

    assert calls("setMyCommands") == 1

    async def restarted() -> None:
        again = TelegramChannel(rig.config, rig.channel.inbox, Metrics())
        await again.app.initialize()
        try:
            await again.show_commands()
        finally:
            await again.app.shutdown()

    await restarted()
    assert calls("setMyCommands") == 1  # not given twice
    async with rig.db.transaction() as s:
        await s.execute(delete(Membership).where(Membership.participant_id == sam.id))
    await restarted()
    assert calls("deleteMyCommands") == 1  # taken away, though this process never gave it
    await restarted()
    assert calls("deleteMyCommands") == 1 and calls("setMyCommands") == 1


def _scope(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


async def test_several_choices_are_marked_tap_by_tap_and_sent_with_done(rig: Rig) -> None:
    """A poll where several answers may be chosen does not end at the first tap: each tap
    marks (or unmarks) an answer, and Done sends those marked, as one answer."""
    async with rig.db.transaction() as s:
        riverside = await groups.create_group(s, "Riverside Voices")
        # Reachable at any hour, so that the poll goes at this tick whenever the test runs.
        ann = await participants.create(s, channel="telegram", address=str(ANN), name="Ann",
                                        contact_start=clock_time(0, 0), contact_end=clock_time(23, 59))
        await participants.record_consent(s, ann, utcnow())
        await groups.add_member(s, riverside, ann, "member")
        # Longer than Telegram's own polls take (300 characters), so it goes with buttons.
        long = ("Which days suit you for the spring planning sessions at the library? We will "
                "meet for two hours, with tea and a break, and there is step-free access and a "
                "hearing loop. Choose every day you could come, then press Done, so that we "
                "can pick the days most people can manage. Thank you for helping us plan.")
        assert len(long) > 300
        poll = await Polls(rig.channel.inbox.conversations, rig.config).create(
            s, riverside, question=long, multiple=True,
            options=["Tuesday", "Wednesday", "Thursday"], closes_at=utcnow() + timedelta(days=1))
    await rig.scheduler.tick()
    await rig.sender.drain()
    question = [c for c in rig.api.sent(ANN) if c.params.get("reply_markup")][-1]
    rows = _json_of(question.params["reply_markup"])["inline_keyboard"]
    assert [row[0]["text"] for row in rows] == [
        "Tuesday", "Wednesday", "Thursday", "Done: send my answers"]

    async def tap(row: int) -> None:
        edits = len(rig.api.sent(ANN, "editMessageReplyMarkup"))
        answers = len(rig.api.sent(None, "answerCallbackQuery"))
        rig.api.queue(rig.api.tap(ANN, rows[row][0]["callback_data"], question))

        async def answered() -> bool:
            # The tap is answered and, for an answer (not Done), its mark is shown: the two
            # calls may reach the Bot API in either order.
            return len(rig.api.sent(None, "answerCallbackQuery")) > answers and (
                row == 3 or len(rig.api.sent(ANN, "editMessageReplyMarkup")) > edits)

        await rig.until(answered)

    await tap(3)  # Done with nothing marked: asked to mark some first
    assert rig.api.sent(None, "answerCallbackQuery")[-1].params.get("text") == (
        "Tap the answers you choose first, then Done.")
    for row in (0, 1, 2, 1):  # Tuesday, Wednesday, Thursday, then Wednesday unmarked
        await tap(row)
    marked = _json_of(rig.api.sent(ANN, "editMessageReplyMarkup")[-1].params["reply_markup"])
    assert [r[0]["text"] for r in marked["inline_keyboard"]] == [
        "✓ Tuesday", "Wednesday", "✓ Thursday", "Done: send my answers"]
    async with rig.db.transaction() as s:
        assert await polls_store.votes(s, poll.id) == []  # nothing counted before Done
    heard = await rig.inbound(ANN)
    await tap(3)

    async def counted() -> bool:
        return await rig.inbound(ANN) > heard

    await rig.until(counted)
    async with rig.db.transaction() as s:
        [vote] = await polls_store.votes(s, poll.id)
    assert vote.choices == [1, 3]
    chosen = _json_of(rig.api.sent(ANN, "editMessageReplyMarkup")[-1].params["reply_markup"])
    assert chosen["inline_keyboard"][0][0]["text"] == "✓ Tuesday, Thursday"


def _json_of(value: object) -> dict[str, Any]:
    found = json.loads(value) if isinstance(value, str) else value
    assert isinstance(found, dict)
    return found


async def test_the_username_a_chat_goes_by_is_kept_and_finds_the_person(rig: Rig) -> None:
    rig.api.usernames[ANN] = "Ann_Jones"
    await rig.say(ANN, "/start")  # copro meets her: her username is kept from what she sends next
    await rig.tap(ANN, 1)
    async with rig.db.transaction() as s:
        # A coordinator types the username in any case, with or without the @.
        for who in ("@Ann_Jones", "ann_jones", "@ANN_JONES"):
            assert [p.id for p in await people.find(s, who)] == [(await rig.person(ANN)).id]
    rig.api.usernames[ANN] = "annj_new"  # she changes it in Telegram
    await rig.say(ANN, "yes")
    async with rig.db.transaction() as s:
        assert await people.find(s, "@Ann_Jones") == []
        assert [p.id for p in await people.find(s, "@annj_new")] == [(await rig.person(ANN)).id]
    del rig.api.usernames[ANN]  # and then has none
    await rig.say(ANN, "Ann")
    async with rig.db.transaction() as s:
        assert await people.find(s, "@annj_new") == []
