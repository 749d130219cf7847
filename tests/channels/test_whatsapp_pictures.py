"""Pictures copro sends on WhatsApp (a poll's results chart, a receipt): a signed, expiring link
under copro's public address that the Twilio double fetches as WhatsApp does, with no
credentials; and, with no public address, the words alone, saying so."""
# ruff: noqa: F811 (the rig fixture of test_whatsapp is taken as each test's argument)

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from bot.channels.whatsapp.media import MediaLinks
from bot.delivery import charts
from storage import participants
from tests.channels.test_whatsapp import ANN, WELCOME, Rig, rig  # noqa: F401
from tests.doubles.twilio_api import Text

ROWS = [("Tuesday", 3, "3 (60%)"), ("Thursday", 2, "2 (40%)")]


async def send_chart(rig: Rig, language: str = "en") -> tuple[Text, Path]:
    """Ann joins; a poll's results go to her with their chart, as the polls feature sends them."""
    for answer in ["Hello", *WELCOME[language]]:
        await rig.say(answer)
    config = rig.conversations.config
    path, display = charts.planned(config.media_dir / "charts", "poll-1", "Which day?", ROWS)
    async with rig.db.transaction() as s:
        person = await participants.find_by_address(s, "whatsapp", ANN)
        assert person is not None
        assert await rig.conversations.say_in(s, person, "The poll has closed: Tuesday won.",
                                              key="poll:1:results", topic="poll:1",
                                              display=display, photo=path)
    await rig.sender.drain()
    return rig.twilio.whatsapp_to(ANN)[-1], Path(path)


@pytest.mark.parametrize("rig", ["public"], indirect=True)
async def test_a_chart_goes_as_a_picture_whatsapp_fetches_from_a_signed_link(rig: Rig) -> None:
    sent, chart = await send_chart(rig)
    assert sent.body == "The poll has closed: Tuesday won."
    [(link, status, kind, content)] = sent.media
    assert link.startswith(f"{rig.url}/media/whatsapp/") and link.endswith(".png")
    assert (status, kind) == (200, "image/png")  # fetched with no credentials at all
    assert content == chart.read_bytes() and content.startswith(b"\x89PNG")
    [out] = [m for m in await rig.out() if m.topic == "poll:1"]
    assert (out.status, out.error) == ("sent", None)


@pytest.mark.parametrize("rig", ["public"], indirect=True)
async def test_a_picture_link_cannot_be_guessed_changed_or_used_late(rig: Rig) -> None:
    sent, chart = await send_chart(rig)
    [(link, _, _, _)] = sent.media
    held, signature = link.rsplit("/", 1)[1].removesuffix(".png").split(".")
    async with httpx.AsyncClient() as client:
        async def status(url: str) -> int:
            return (await client.get(url)).status_code

        base = f"{rig.url}/media/whatsapp"
        assert await status(link) == 200
        flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
        assert await status(f"{base}/{held}.{flipped}.png") == 404  # signature changed
        assert await status(f"{base}/{held}.png") == 404  # no signature
        assert await status(f"{base}/charts%2F..%2F..%2Fcopro.toml") == 404
        links = MediaLinks(rig.conversations.config)
        old = links.url(str(chart), now=time.time() - 2 * 3600)  # made two hours ago
        assert old is not None and await status(old) == 404  # a link lasts an hour
        elsewhere = rig.conversations.config.data_dir / "copro.db-elsewhere.png"
        elsewhere.write_bytes(b"not a picture of copro's")
        assert links.url(str(elsewhere)) is None  # only files in the media directory
        assert links.url(str(chart)) is not None
        chart.unlink()
        assert await status(link) == 404  # the file is gone


@pytest.mark.parametrize("language", ["en", "cy"])
async def test_without_a_public_address_the_words_go_saying_the_picture_could_not(
    rig: Rig, language: str
) -> None:
    sent, _ = await send_chart(rig, language)
    note = {"en": "(This message comes with a picture, but the picture could not be sent on "
                  "WhatsApp.)",
            "cy": "(Mae llun gyda'r neges hon, ond nid oedd modd anfon y llun ar "
                  "WhatsApp.)"}[language]
    assert sent.body == f"The poll has closed: Tuesday won.\n\n{note}"
    assert sent.media == []
    [out] = [m for m in await rig.out() if m.topic == "poll:1"]
    assert out.status == "sent" and out.error == (
        "sent without its picture: WhatsApp fetches pictures from copro's public address, and "
        "twilio.public_url is not set")
