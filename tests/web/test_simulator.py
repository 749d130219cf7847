"""The simulator: any flow, either language, as SMS or Telegram, on scratch data only."""

from __future__ import annotations

import httpx

from bot.host.conversations import Conversations
from storage import participants
from storage.db import Database
from tests.web.conftest import SAM, Place, csrf, sign_in


async def test_the_check_in_by_sms_numbers_choices_and_counts_texts_on_scratch_data(
    client: httpx.AsyncClient, database: Database, practice: Conversations, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/simulator")
    started = await client.post("/simulator/start", data={
        "csrf": csrf(page.text), "flow": "weekly-checkin", "lang": "en", "mode": "sms"})
    assert "how satisfied are you with your life nowadays?" in started.text
    assert "text(s) long, GSM-7" in started.text
    chat = started.text.split('name="chat" value="')[1].split('"')[0]
    answered = await client.post("/simulator/say", data={
        "csrf": csrf(started.text), "chat": chat, "mode": "sms", "lang": "en", "text": "7"})
    assert "worthwhile" in answered.text
    async with database.transaction() as s:
        assert await participants.find_by_address(s, "console", chat) is None  # real data untouched
    async with practice.db.transaction() as s:
        assert await participants.find_by_address(s, "console", chat) is not None


async def test_the_menu_in_welsh_as_telegram_has_a_button_for_each_choice(
    client: httpx.AsyncClient, database: Database, place: Place
) -> None:
    await sign_in(client, database, SAM)
    page = await client.get("/simulator")
    started = await client.post("/simulator/start", data={
        "csrf": csrf(page.text), "flow": "menu", "lang": "cy", "mode": "telegram"})
    assert 'name="text" value="1"' in started.text and "Siarad gyda pherson" in started.text
    other = await client.post("/simulator/say", data={
        "csrf": csrf(started.text), "chat": "desk-999-abc", "mode": "sms", "text": "1"})
    assert other.status_code == 403
