"""A phone that Twilio Voice connects to copro: it answers a call copro placed (or calls copro),
fetches the TwiML as Twilio does (a signed POST), hears the ``<Say>``s, presses keys into the
``<Gather>``, stays silent (following the ``<Redirect>``), leaves a message after the tone
(``<Record>``), and reports how the call ended to the status callback."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import httpx

from tests.doubles.twilio_api import PlacedCall, TwilioDouble

COPRO_NUMBER = "+447700900000"


@dataclass(frozen=True)
class Heard:
    """One TwiML document, as a caller meets it."""

    xml: str
    said: tuple[str, ...]  # each <Say>, digits read out kept as written ("1 1 6")
    voices: tuple[str, ...]
    gather: dict[str, str] | None = None
    redirect: str | None = None
    record: dict[str, str] | None = None
    hangup: bool = False

    @property
    def words(self) -> str:
        return " ".join(self.said)

    @staticmethod
    def of(xml: str) -> Heard:
        root = ET.fromstring(xml)
        assert root.tag == "Response", xml
        says = list(root.iter("Say"))
        gather = root.find("Gather")
        redirect = root.find("Redirect")
        record = root.find("Record")
        return Heard(
            xml, tuple(" ".join(" ".join(s.itertext()).split()) for s in says),
            tuple(s.get("voice", "") for s in says),
            dict(gather.attrib) if gather is not None else None,
            redirect.text if redirect is not None else None,
            dict(record.attrib) if record is not None else None,
            root.find("Hangup") is not None,
        )


@dataclass
class Phone:
    """One call, from the phone's side; ``heard`` is everything it was told, in order."""

    twilio: TwilioDouble
    client: httpx.AsyncClient
    sid: str
    number: str
    hook: str
    direction: str = "outbound-api"
    heard: list[Heard] = field(default_factory=list)
    # copro's public address (what Twilio calls and signs) and where it really listens
    public: str = ""
    local: str = ""

    @staticmethod
    def answering(twilio: TwilioDouble, client: httpx.AsyncClient, call: PlacedCall,
                  public: str, local: str) -> Phone:
        return Phone(twilio, client, call.sid, call.to, call.url, public=public, local=local)

    @staticmethod
    def calling(twilio: TwilioDouble, client: httpx.AsyncClient, number: str, public: str,
                local: str) -> Phone:
        return Phone(twilio, client, f"CA{uuid.uuid4().hex}", number,
                     f"{public}/webhooks/twilio/voice", "inbound", public=public, local=local)

    @property
    def last(self) -> Heard:
        return self.heard[-1]

    def params(self, **extra: str) -> dict[str, str]:
        inbound = self.direction == "inbound"
        return {"CallSid": self.sid, "AccountSid": self.twilio.account,
                "From": self.number if inbound else COPRO_NUMBER,
                "To": COPRO_NUMBER if inbound else self.number,
                "Direction": self.direction, "CallStatus": "in-progress", **extra}

    async def fetch(self, url: str, *, signature: str | None = None, **extra: str) -> Heard:
        response = await self.twilio.post(self.client, self._local(url), self.params(**extra),
                                          signed_for=url, signature=signature)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        heard = Heard.of(response.text)
        self.heard.append(heard)
        return heard

    async def answer(self, answered_by: str = "human") -> Heard:
        return await self.fetch(self.hook, AnsweredBy=answered_by)

    async def press(self, keys: str) -> Heard:
        """Press ``keys`` into the question asked last (Twilio leaves the hash key out)."""
        gather = self.last.gather
        assert gather is not None, f"nothing was asked: {self.last.xml}"
        return await self.fetch(gather["action"], Digits=keys.rstrip("#"))

    async def say(self, words: str) -> Heard:
        """Answer the question asked last out loud (Twilio's speech recognition heard ``words``)."""
        gather = self.last.gather
        assert gather is not None and "speech" in gather.get("input", ""), self.last.xml
        return await self.fetch(gather["action"], SpeechResult=words, Confidence="0.9")

    async def stay_silent(self) -> Heard:
        assert self.last.redirect is not None, f"nothing waits for an answer: {self.last.xml}"
        return await self.fetch(self.last.redirect)

    async def leave_message(self, content: bytes = b"RIFF....WAVEfmt ") -> Heard:
        record = self.last.record
        assert record is not None, f"no tone to speak after: {self.last.xml}"
        url = self.twilio.recording(content)
        return await self.fetch(record["action"], RecordingUrl=url,
                                RecordingSid=url.rsplit("/", 1)[-1], RecordingDuration="12")

    async def ends(self, status: str = "completed", callback: str | None = None) -> int:
        """Twilio's status callback: the call ``completed``, or was ``busy``, ``no-answer``..."""
        url = callback or f"{self.hook}/status"
        params = {**self.params(), "CallStatus": status}
        response = await self.twilio.post(self.client, self._local(url), params, signed_for=url)
        return response.status_code

    def _local(self, url: str) -> str:
        return url.replace(self.public, self.local, 1) if self.public else url
