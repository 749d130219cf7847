"""Photos with a text are fetched from Twilio only: the account's credentials never go to another
host, a link elsewhere is refused and logged, and the person is told plainly."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.sms.media import _is_api, _is_store
from bot.core.config import TwilioConfig
from tests import records
from tests.channels.test_sms import ANN, WELCOME, Rig, rig  # noqa: F401 (the fixture)
from tests.servers import serve_asgi

UNREAD = "Sorry, I could not open the photo you sent."


class Elsewhere:
    """A host that is not Twilio's, noting every request and the credentials it was given."""

    def __init__(self) -> None:
        self.asked: list[str | None] = []
        self.app = Starlette(routes=[Route("/{path:path}", self._any)])

    async def _any(self, request: Request) -> Response:
        self.asked.append(request.headers.get("Authorization"))
        return Response(b"\xff\xd8 not a receipt", media_type="image/jpeg")


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[Elsewhere, str]]:
    spy = Elsewhere()
    async with serve_asgi(spy.app) as url:
        yield spy, url.replace("127.0.0.1", "localhost")  # another host than Twilio's double


async def test_a_photo_linked_to_another_host_is_refused_and_the_person_told(
    rig: Rig, elsewhere: tuple[Elsewhere, str], caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    spy, url = elsewhere
    for answer in ["Hello", *WELCOME, "expense", "1", "3.40", "today", "Group meeting"]:
        await rig.say(answer)
    links = [f"{url}/steal.jpg", rig.twilio.moved(f"{url}/moved.jpg")]
    for n, link in enumerate(links):
        with caplog.at_level(logging.WARNING, logger="bot.channels.sms.media"):
            response = await rig.text(ANN, "", media=[link], sid=f"SM{n}" + "c" * 31)
        assert response.status_code == 200
        assert "not to Twilio: refused" in caplog.text
        await rig.sender.drain()
        told = rig.twilio.to(ANN)
        # What Ann reads: the photo could not be opened, then the receipt question again.
        assert UNREAD in told[-2:], told[-3:]
    assert spy.asked == []  # nothing was fetched from it, so no credentials went there
    async with rig.db.transaction() as s:
        kept = [m for m in await records.messages_of_address(s, ANN) if m.direction == "in"]
    assert kept[-1].media == [] and kept[-2].media == []


def test_only_twilio_and_its_media_store_are_trusted() -> None:
    config = TwilioConfig(api_base_url="http://127.0.0.1:9999")
    assert _is_api(config, "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")
    assert _is_api(config, "http://127.0.0.1:9999/2010-04-01/x")  # the configured API base
    for url in ("https://api.twilio.com.evil.example/x", "http://api.twilio.com/x",
                "https://api.twilio.com:8443/x", "https://evil.example/api.twilio.com",
                "http://127.0.0.1:9998/x", "https://media.twiliocdn.com/x"):
        assert not _is_api(config, url), url
    assert _is_store("https://media.twiliocdn.com/AC1/abc") and _is_store("https://mms.twiliocdn.com/x")
    for url in ("https://eviltwiliocdn.com/x", "http://media.twiliocdn.com/x",
                "https://twiliocdn.com.evil.example/x", "https://127.0.0.1/x"):
        assert not _is_store(url), url
