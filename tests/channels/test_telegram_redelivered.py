"""Telegram may deliver an update again (after a restart, before copro confirmed it): every kind
of update, a /start with an invite code and a tap on a button alike, is handled once, by its
update id, kept in the database."""

from __future__ import annotations

from bot.channels.telegram.channel import TelegramChannel
from bot.core.clock import utcnow
from bot.core.metrics import Metrics
from storage import invites, participants
from tests.channels.test_telegram import Rig, rig  # noqa: F401 (the fixture)

SAM, ANN = 7001, 7002


async def texted(rig: Rig, chat: int) -> None:  # noqa: F811
    """Wait until copro has said something to ``chat``."""

    async def said() -> bool:
        await rig.sender.drain()
        return bool(rig.api.texts(chat))

    await rig.until(said)


async def after_a_restart(rig: Rig, *updates: dict[str, object]) -> list[str]:  # noqa: F811
    """copro restarts (a new channel, nothing in memory), Telegram delivers ``updates`` again,
    then Ann says "yes" after them; what copro answers her."""
    assert rig.channel.app.updater is not None
    await rig.channel.app.updater.stop()
    again = TelegramChannel(rig.config, rig.channel.inbox, Metrics())
    await again.start()
    try:
        rig.api.queue(*updates)
        return await rig.deliver(ANN, rig.api.message(ANN, "yes"))  # after them, in order
    finally:
        await again.stop()


async def test_a_start_code_and_a_tap_delivered_again_after_a_restart_are_handled_once(
    rig: Rig,  # noqa: F811
) -> None:
    async with rig.db.transaction() as s:
        sam = await participants.create(s, channel="sms", address="+447700900009", name="Sam")
        await participants.record_consent(s, sam, utcnow())
        invite = await invites.create(s, sam, at=utcnow())
    link = rig.api.message(SAM, f"/start {invite.code}")
    rig.api.queue(link)
    await rig.deliver(ANN, rig.api.message(ANN, "/start"))  # Ann, someone new
    await texted(rig, SAM)  # Sam's update is handled beside Ann's, not before it
    [linked] = rig.api.texts(SAM)
    assert linked.startswith("Hello Sam. This chat is now linked to")
    question = [c for c in rig.api.sent(ANN) if c.params.get("reply_markup")][-1]
    english = question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    tap = rig.api.tap(ANN, english, question)
    consent = await rig.deliver(ANN, tap)
    assert "Do you agree?" in consent[-1]

    # copro restarts: a new channel, with nothing in memory, and Telegram sends both again.
    answered = await after_a_restart(rig, link, tap)
    assert rig.api.texts(SAM) == [linked]  # not "Sorry, that invite code does not work."
    assert "What name would you like us to call you?" in answered[-1]
    assert not [c for c in rig.api.sent(None, "answerCallbackQuery")
                if "closed" in str(c.params.get("text"))]  # the old tap was not read again
    assert await rig.inbound(ANN) == 3  # /start, English, yes
    async with rig.db.transaction() as s:
        linked_sam = await participants.find_by_address(s, "telegram", str(SAM))
    assert linked_sam is not None and linked_sam.id == sam.id


async def test_a_text_and_a_typed_code_delivered_again_after_a_restart_are_handled_once(
    rig: Rig,  # noqa: F811
) -> None:
    async with rig.db.transaction() as s:
        sam = await participants.create(s, channel="sms", address="+447700900009", name="Sam")
        await participants.record_consent(s, sam, utcnow())
        invite = await invites.create(s, sam, at=utcnow())
    code = rig.api.message(SAM, invite.code)  # the code typed on its own, not after /start
    rig.api.queue(code)
    await texted(rig, SAM)
    [linked] = rig.api.texts(SAM)
    assert linked.startswith("Hello Sam. This chat is now linked to")
    await rig.deliver(ANN, rig.api.message(ANN, "/start"))  # Ann, someone new
    hello = rig.api.message(ANN, "1")  # English, typed
    consent = await rig.deliver(ANN, hello)
    assert "Do you agree?" in consent[-1]
    # A plain text is taken once by its own turn (by its message's id), so it writes no note
    # of its update; a typed code, which may link a chat, is noted as every other update is.
    assert not await rig.channel.inbox.first_time("telegram", code["update_id"])
    assert await rig.channel.inbox.first_time("telegram", hello["update_id"])

    # copro restarts, and Telegram sends both again.
    answered = await after_a_restart(rig, code, hello)
    # Sam is not told his code does not work; Ann's "1" is not read as an answer again.
    assert rig.api.texts(SAM) == [linked]
    assert "What name would you like us to call you?" in answered[-1]
    assert len(answered) == 1
    assert await rig.inbound(ANN) == 3  # /start, 1, yes
