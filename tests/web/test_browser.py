"""The desk in a real browser: headless Chromium (Debian's) driven by Playwright, against a
real ``copro run`` whose texts go to the Twilio double.

Every page is checked with axe-core (vendored here) for serious or critical
accessibility problems. Without Chromium these tests skip, saying why, except
under ``CI=true``, where they fail. Set ``COPRO_SCREENSHOTS=docs/desk`` to keep
the screenshots for docs/desk.md.
"""

from __future__ import annotations

import asyncio
import os
import re
import struct
import subprocess
import zlib
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
from bot.language import texts
from storage.db import Database
from tests import needs
from tests.doubles.twilio_api import ACCOUNT, TOKEN, TwilioDouble
from tests.people import ANY_HOUR, group, member
from tests.servers import free_port, run_env, serve_asgi, start_copro
from tests.web.conftest import ANN, HAL, SAM, at_risk, claim

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).with_name("axe.min.js")
HERE = Path(__file__).parent

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    needs.missing(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium")


@dataclass
class Running:
    url: str
    twilio: TwilioDouble
    log: Path
    shots: Path


def png(width: int = 40, height: int = 24) -> bytes:
    """A small grey picture, as a receipt photo."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x90" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def tail(log: Path) -> str:
    return log.read_text()[-2000:]


async def up(url: str, process: subprocess.Popen[str], log: Path) -> None:
    """Wait for the desk to answer (starting takes a while on a busy machine: a minute at most)."""
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            assert process.poll() is None, tail(log)
            try:
                await client.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"the desk did not start: {tail(log)}")


@pytest.fixture
async def running(database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    """``copro run`` with the desk on, its texts going to the Twilio double; Sam coordinates
    Riverside (where Ann wrote something worrying and claimed expenses with a receipt), Hal
    coordinates Hillside."""
    _need_chromium()
    twilio = TwilioDouble()
    async with serve_asgi(twilio.app) as twilio_url:
        twilio.base_url = twilio_url
        desk_port, port = free_port(), free_port()
        (tmp_path / "copro.toml").write_text(
            f'[twilio]\napi_base_url = "{twilio_url}"\n[checkins]\nenabled = false\n'
            f'[desk]\nenabled = true\nport = {desk_port}\n')
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
            ann = Conversations(db, Library.load(), config)
            await ann.register_flows()
            scheduler_for(ann, config)
            await at_risk(ann, ANN)
            receipt = config.media_dir / "sms" / "receipt.png"
            receipt.parent.mkdir(parents=True)
            receipt.write_bytes(png())
            await claim(ann, ANN, str(receipt))
        finally:
            await db.close()
        log = tmp_path / "copro.log"
        process = start_copro(tmp_path, env, log=log)
        try:
            url = f"http://127.0.0.1:{desk_port}"
            await up(f"{url}/signin", process, log)
            shots = Path(os.environ.get("COPRO_SCREENSHOTS") or tmp_path / "shots")
            await asyncio.to_thread(shots.mkdir, parents=True, exist_ok=True)
            yield Running(url, twilio, log, shots)
        finally:
            process.terminate()
            await asyncio.to_thread(process.wait, 15)


@pytest.fixture
async def page(running: Running) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        context = await browser.new_context(bypass_csp=True, viewport={"width": 800, "height": 900},
                                            accept_downloads=True)
        tab = await context.new_page()
        try:
            yield tab
        finally:
            await browser.close()


async def accessible(page: Any) -> None:
    """axe-core finds no serious or critical problem on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate("""async () => (await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}
    })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                              where: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))""")
    bad = [v for v in found if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


# The sign-in text's words up to its code, as copro writes them in either language; a
# coordinator's phone also gets alerts and claims.
SIGN_IN_CODE = re.compile("(?:" + "|".join(
    re.escape(words.partition("{{ code }}")[0]) for words in texts.DESK_SIGN_IN_CODE.values()
) + r")(\d{6})")


async def code_for(running: Running, phone: str, before: int) -> str:
    for _ in range(200):
        for text in running.twilio.to(phone)[before:]:
            if found := SIGN_IN_CODE.search(text):
                return found[1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no sign-in code reached {phone}: {tail(running.log)}")


async def sign_in(page: Any, running: Running, phone: str, *, keyboard: bool = False) -> None:
    """Sign in with the code the Twilio double received; ``keyboard``: by keys alone."""
    before = len(running.twilio.to(phone))
    await page.goto(f"{running.url}/signin")
    await accessible(page)
    if keyboard:
        for _ in range(15):
            await page.keyboard.press("Tab")
            if await page.evaluate("document.activeElement.id") == "phone":
                break
        else:
            raise AssertionError("Tab never reached the phone number")
        await page.keyboard.type("07700 " + phone[-6:])
        await page.keyboard.press("Enter")
    else:
        await page.fill("#phone", phone)
        await page.click("text=Send me a code")
    await page.wait_for_selector("#code")
    await accessible(page)
    code = await code_for(running, phone, before)
    if keyboard:
        assert await page.evaluate("document.activeElement.id") == "code"
        await page.keyboard.type(code)
        await page.keyboard.press("Enter")
    else:
        await page.fill("#code", code)
        await page.click("button:has-text('Sign in')")
    await page.wait_for_selector("text=Signed in as")


async def test_signing_in_by_keyboard_then_acknowledging_an_alert_and_approving_a_claim(
    running: Running, page: Any
) -> None:
    await sign_in(page, running, SAM, keyboard=True)
    assert await page.inner_text("h1") == "Today"
    assert await page.is_visible("text=some days I want to end it all")
    await page.wait_for_function("document.querySelector('img.receipt').complete")
    assert await page.locator("img.receipt").evaluate("i => i.naturalWidth") == 40, \
        await page.content()  # the photo shows
    await accessible(page)
    await page.screenshot(path=str(running.shots / "today.png"), full_page=True)

    await page.fill("textarea[name=note]", "Phoned Ann. She is with her sister tonight.")
    await page.click("text=I am looking after this")
    await page.wait_for_selector("text=marked as looked after by you")
    await page.click("button:has-text('Approve')")
    await page.wait_for_selector("text=Claim approved")
    assert await page.is_visible("text=No alerts are waiting.")
    assert await page.is_visible("text=No claims are waiting.")
    await accessible(page)
    for _ in range(100):
        if any("approved" in t for t in running.twilio.to(ANN)):
            break
        await asyncio.sleep(0.05)
    assert any("approved" in t for t in running.twilio.to(ANN)), "Ann is told by text"

    await page.click("a:has-text('Cymraeg')")
    assert await page.inner_text("h1") == "Heddiw"
    await accessible(page)


async def test_importing_a_csv_shows_the_bad_rows_first_a_meeting_and_another_group_refused(
    running: Running, page: Any, tmp_path: Path
) -> None:
    await sign_in(page, running, SAM)
    await page.click("nav >> text=Groups and people")
    await accessible(page)
    people = tmp_path / "people.csv"
    people.write_text("name,phone,group\nBea,07700 900011,Riverside Voices\n"
                      "Cai,12345,Riverside Voices\nEve,07700 900014,Hillside Carers\n")
    await page.set_input_files("#file", str(people))
    await page.click("text=Check it first")
    await page.wait_for_selector("text=Nothing has been saved yet.")
    assert await page.is_visible("text=is not a phone number")
    assert await page.is_visible("text=you can only add people to a group you coordinate")
    await accessible(page)
    await page.screenshot(path=str(running.shots / "import.png"), full_page=True)
    await page.click("text=Add the rows without problems")
    await page.wait_for_selector("text=1 people added, 2 rows left out")

    await page.click("nav >> text=Meetings")
    await page.fill("#m-title", "Planning day")
    await page.fill("#m-at", "2030-12-08 2pm")
    await page.click("form[action='/meetings'] button")
    await page.wait_for_selector("text=Meeting added.")
    await accessible(page)

    await page.goto(f"{running.url}/people?q=bea")
    await page.click("a:has-text('Bea')")
    await accessible(page)
    hal_page = await page.goto(f"{running.url}/people/2")  # Hal, of Hillside
    assert hal_page is not None and hal_page.status == 403
    assert await page.is_visible("text=a group you do not look after")
    await accessible(page)


async def test_the_simulator_talks_by_sms_and_by_telegram_buttons(running: Running, page: Any) -> None:
    await sign_in(page, running, SAM)
    await page.click("nav >> text=Try a conversation")
    await accessible(page)
    await page.select_option("#flow", "weekly-checkin")
    await page.check("input[value=sms]")
    await page.click("button:has-text('Start')")
    await page.wait_for_selector("text=text(s) long")
    await page.fill("#reply", "seven")
    await page.keyboard.press("Enter")
    await page.wait_for_selector("text=worthwhile")
    await accessible(page)
    await page.screenshot(path=str(running.shots / "simulator.png"), full_page=True)

    await page.select_option("#flow", "menu")
    await page.select_option("#sim-lang", "cy")
    await page.check("input[value=telegram]")
    await page.click("button:has-text('Start')")
    await page.click(".buttons button >> nth=0")
    await page.wait_for_selector(".chat .you")
    assert await page.locator(".chat li").count() >= 3  # the menu, the tap, copro's answer
    await accessible(page)
