"""The desk's polls and check-ins in a real browser: headless Chromium driven by Playwright,
against a real ``copro run`` whose texts go to the Twilio double and whose Telegram is the
Bot API double. Answers sent through the doubles appear on the page as they arrive.

Like ``test_browser``: axe-core on every page, and ``COPRO_SCREENSHOTS=docs/desk`` keeps the
screenshots for docs/desk.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from tests.doubles import bot_api
from tests.doubles.bot_api import BotApiDouble, Call
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.people import ANY_HOUR, group, member
from tests.servers import free_port, run_env, serve_asgi, start_copro
from tests.web.test_browser import _need_chromium, accessible, sign_in, tail, up
from tests.web.test_browser import page as page  # the browser tab, for this file's copro

pytestmark = pytest.mark.browser

ANN = "+447700900001"  # Riverside, by SMS
SAM = "+447700900100"  # coordinator of Riverside
HAL = "+447700900200"  # coordinator of Hillside
TOM = 5001  # Riverside, on Telegram
CHECKIN = ("check in", "3", "8", "8", "7", "2", "skip")  # life satisfaction 3: low


@dataclass
class Running:
    url: str
    hook: str  # copro's Twilio SMS webhook
    twilio: TwilioDouble
    telegram: BotApiDouble
    log: Path
    shots: Path


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    """``copro run`` with the desk, SMS to the Twilio double and Telegram to the Bot API double;
    Riverside has Sam (coordinator), Ann (SMS, did a check-in) and Tom (Telegram); Hal
    coordinates Hillside."""
    _need_chromium()
    twilio, telegram = TwilioDouble(), BotApiDouble()
    async with serve_asgi(twilio.app) as twilio_url, serve_asgi(telegram.app) as telegram_url:
        twilio.base_url = twilio_url
        desk_port, port = free_port(), free_port()
        (tmp_path / "copro.toml").write_text(
            f'[twilio]\napi_base_url = "{twilio_url}"\n'
            f'[telegram]\ntoken = "{bot_api.TOKEN}"\napi_base_url = "{telegram_url}"\n'
            "polling_timeout = 1\n[checkins]\nenabled = false\n[scheduler]\ntick_seconds = 1\n"
            f"[desk]\nenabled = true\nport = {desk_port}\nsms_part_price = 0.0463\n")
        env = run_env(tmp_path, database_url, port, COPRO_TWILIO_ACCOUNT_SID=ACCOUNT,
                      COPRO_TWILIO_AUTH_TOKEN=TOKEN, COPRO_TWILIO_FROM="+447700900000",
                      COPRO_CONFIG=str(tmp_path / "copro.toml"))
        config = load_config(tmp_path / "copro.toml", env=env)
        db = Database(database_url)
        try:
            riverside, hillside = await group(db), await group(db, "Hillside Carers")
            await member(db, riverside, SAM, name="Sam", role="coordinator", hours=ANY_HOUR)
            await member(db, hillside, HAL, name="Hal", role="coordinator", hours=ANY_HOUR)
            await member(db, riverside, ANN, name="Ann", hours=ANY_HOUR)
            await member(db, riverside, str(TOM), name="Tom", channel="telegram", language="cy",
                         hours=ANY_HOUR)
            ann = Conversations(db, Library.load(), config)
            await ann.register_flows()
            scheduler_for(ann, config)
            for answer in CHECKIN:
                await ann.receive("sms", ANN, answer)
        finally:
            await db.close()
        log = tmp_path / "copro.log"
        process = start_copro(tmp_path, env, log=log)
        try:
            url = f"http://127.0.0.1:{desk_port}"
            await up(f"{url}/signin", process, log)
            shots = Path(os.environ.get("COPRO_SCREENSHOTS") or tmp_path / "shots")
            await asyncio.to_thread(shots.mkdir, parents=True, exist_ok=True)
            yield Running(url, f"http://127.0.0.1:{port}/webhooks/twilio/sms", twilio, telegram,
                          log, shots)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 15)
            telegram.hang_up()


async def tab_to(page: Any, element_id: str, *, most: int = 60) -> None:
    """Press Tab until ``element_id`` has the focus, as someone without a mouse would."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


async def until(what: str, found: Any, running: Running, seconds: float = 30) -> Any:
    for _ in range(int(seconds * 20)):
        if value := found():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}: {tail(running.log)}")


def poll_sent_to(api: BotApiDouble, chat: int) -> Call | None:
    polls = api.sent(chat, method="sendPoll")
    return polls[-1] if polls else None


async def cells(page: Any, label: str) -> list[str]:
    """The cells of an answer's row in the results: votes, then SMS, WhatsApp, buttons, poll."""
    row = page.locator("#results tbody tr", has=page.locator(f"th:text-is('{label}')"))
    return [text.strip() for text in await row.locator("td").all_inner_texts() if text.strip()]


async def test_a_bilingual_poll_composed_by_keyboard_and_answers_arriving_by_sms_and_telegram(
    running: Running, page: Any
) -> None:
    await sign_in(page, running, SAM)
    await page.goto(f"{running.url}/polls")
    await accessible(page)
    await tab_to(page, "question-en")
    await page.keyboard.type("Which day suits you for the next meeting?")
    await page.keyboard.press("Tab")
    for line in ("Tuesday", "Wednesday"):
        await page.keyboard.type(line)
        await page.keyboard.press("Enter")  # one answer a line
    await page.keyboard.press("Tab")
    await page.keyboard.type("Pa ddiwrnod sy'n gyfleus i chi ar gyfer y cyfarfod nesaf?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Dydd Mawrth\nDydd Mercher")
    await page.keyboard.press("Tab")
    await page.keyboard.type("2030-12-04 5pm")
    await page.keyboard.press("Enter")  # submits the form: see how it looks
    await page.wait_for_selector("#preview")
    preview = await page.inner_text("#preview")
    assert "Which day suits you for the next meeting? Please reply with a number.\n1. Tuesday" in preview
    assert "Atebwch gyda rhif.\n1. Dydd Mawrth\n2. Dydd Mercher" in preview
    assert "2 by SMS, 1 by Telegram" in preview  # now: Ann and Sam by text, Tom on Telegram
    assert "× £0.0463" in preview  # the configured price of a part
    assert await page.is_visible(".telegram[lang=cy] .button-like:text('Dydd Mercher')")
    await accessible(page)
    await page.screenshot(path=str(running.shots / "polls.png"), full_page=True)

    await page.focus("#preview button[type=submit]")
    await page.keyboard.press("Enter")  # send it now
    await page.wait_for_selector("text=The poll is on its way")
    await page.evaluate("window.notReloaded = true")
    await accessible(page)

    await until("Ann gets the poll by text", lambda: any(
        "Which day suits you" in t for t in running.twilio.to(ANN)), running)
    asked = await until("Tom gets a Telegram poll", lambda: poll_sent_to(running.telegram, TOM),
                        running)
    assert asked.params["question"].startswith("Pa ddiwrnod")  # Tom chose Welsh
    async with httpx.AsyncClient() as client:
        texted = await running.twilio.text_copro(client, running.hook, ANN, "2")
        assert texted.status_code == 200
    running.telegram.queue(running.telegram.vote(TOM, asked, 0))  # Tom votes Tuesday

    await page.wait_for_function(
        "document.querySelector('#answered-count').innerText.startsWith('2 of 3')", timeout=30_000)
    assert await page.evaluate("window.notReloaded === true")  # it arrived without a reload
    assert await cells(page, "Wednesday") == ["1 (50%)", "1", "0", "0", "0"]  # by SMS
    assert await cells(page, "Tuesday") == ["1 (50%)", "0", "0", "0", "1"]  # in Telegram's poll
    assert await page.inner_text("#results .names") == "Sam"  # not answered yet
    await accessible(page)
    await page.screenshot(path=str(running.shots / "poll.png"), full_page=True)

    await page.check("input[name=confirm]")
    await page.click("button:has-text('Close the poll now')")
    await page.wait_for_selector("text=The poll is closed. The results have been sent.")
    await accessible(page)
    await until("Tom's Telegram poll is stopped", lambda: running.telegram.sent(TOM, "stopPoll"),
                running)


async def test_the_check_ins_page_shows_low_answers_changes_the_schedule_and_downloads_csv(
    running: Running, page: Any
) -> None:
    await sign_in(page, running, SAM)
    await page.click("nav >> text=Check-ins")
    await page.wait_for_selector("h1:text('Check-ins')")
    assert await page.is_visible("strong.low:text('3 (low)')")
    assert "1 of 2 people finished the check-in since" in await page.inner_text("main")
    await accessible(page)
    await page.screenshot(path=str(running.shots / "checkins.png"), full_page=True)

    riverside = "form[action='/checkins/1/schedule']"
    await page.select_option(f"{riverside} select[name=day]", "thursday")
    await page.fill(f"{riverside} input[name=time]", "14:30")
    await page.click(f"{riverside} button")
    await page.wait_for_selector("text=The weekly check-in is changed.")
    assert "Thursday, 14:30" in await page.inner_text("main")
    await accessible(page)

    async with page.expect_download() as download:
        await page.click("form[action='/checkins/1/export'] button")
    saved = await (await download.value).path()
    data = await asyncio.to_thread(Path(saved).read_bytes)
    assert data.startswith("\ufeff".encode()) and b"life_satisfaction" in data and b"Ann" in data

    await page.click("a:has-text('Cymraeg')")
    assert await page.inner_text("h1") == "Sesiynau holi"
    await accessible(page)


async def test_a_coordinator_is_refused_another_groups_poll_and_check_ins(
    running: Running, page: Any
) -> None:
    await sign_in(page, running, SAM)
    await page.goto(f"{running.url}/polls")
    await page.fill("#question-en", "Tea or coffee?")
    await page.fill("#options-en", "Tea\nCoffee")
    await page.fill("#closes", "2030-12-04 5pm")
    await page.click("form[aria-labelledby=poll-title] button")
    await page.click("#preview button[type=submit]")
    await page.wait_for_selector("text=The poll is on its way")
    await page.click("button:has-text('Sign out')")

    await sign_in(page, running, HAL)
    await page.click("nav >> text=Polls and messages")
    assert not await page.is_visible("text=Tea or coffee?")
    refused = await page.goto(f"{running.url}/polls/1")
    assert refused is not None and refused.status == 403
    assert await page.is_visible("text=a group you do not look after")
    await accessible(page)
    export = await page.request.get(f"{running.url}/checkins/1/export")
    assert export.status == 403
    await page.goto(f"{running.url}/checkins")
    assert await page.is_visible("h2:text('Hillside Carers')")
    assert not await page.is_visible("text=Riverside Voices")
    await accessible(page)
