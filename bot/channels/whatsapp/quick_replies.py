"""WhatsApp's quick-reply buttons on a question asked inside the 24-hour window.

Through Twilio, WhatsApp shows buttons only on a Content resource of type
``twilio/quick-reply``; inside the window it needs no approval from Meta, but it
must exist before a message can name it (``ContentSid``). copro makes one for
each distinct question (its words, and each choice's words and payload), named
for what it holds (``copro_qr_`` and a digest), so the same question asked again,
by any instance and after a restart, uses the one made before: the names already
made are read from the Content API once, when the first is needed. A button's
payload is the choice's value (``bot.host.taps.button_ids``); its words are the
choice's, or its number when a choice is longer than a button takes (the
choices are then numbered in full above the buttons). A question with more than
three choices, words Twilio would read as a variable, or a Content that cannot
be made just now goes with its choices numbered instead: the person always gets
the question.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import Any

import aiohttp

from bot.core.config import Config
from bot.delivery.channel import Outgoing
from bot.language.render import numbered

log = logging.getLogger(__name__)

MAX_BUTTONS = 3  # in the window, without approval
MAX_TITLE = 20  # characters on a button
MAX_BODY = 1024
NAME = "copro_qr_"
PAGE_SIZE = 1000  # the Content API's largest page
TIMEOUT = 20.0


def fits(message: Outgoing) -> bool:
    """Whether ``message`` can go with quick-reply buttons, one a choice."""
    body, _ = shown(message)
    return (message.kind in ("text", "poll") and not message.multiple and not message.media
            and not message.buttons and 1 <= len(message.options) <= MAX_BUTTONS
            and len(message.payloads) == len(message.options)
            and all(label.strip() for label in message.options)
            and 1 <= len(body) <= MAX_BODY and "{{" not in body)


def shown(message: Outgoing) -> tuple[str, list[str]]:
    """The words above the buttons, and the words on them: each choice's own words when they
    all fit on a button; otherwise the choices numbered in full above, and a button a number
    (never a choice's words cut short, which could mean something else)."""
    labels = [label.strip() for label in message.options]
    if all(len(label) <= MAX_TITLE for label in labels):
        return message.body, labels
    return numbered(message.body, labels), [str(n) for n in range(1, len(labels) + 1)]


def name(message: Outgoing) -> str:
    """The Content's name: the same for the same question, whoever asks it and when."""
    held = [message.language, message.body, list(message.options), list(message.payloads)]
    digest = hashlib.sha256(json.dumps(held, ensure_ascii=False).encode()).hexdigest()
    return NAME + digest[:32]


def content(message: Outgoing) -> dict[str, Any]:
    """The Content API's ``twilio/quick-reply`` for ``message``."""
    body, titles = shown(message)
    actions = [{"type": "QUICK_REPLY", "title": title, "id": payload}
               for title, payload in zip(titles, message.payloads, strict=True)]
    return {"friendly_name": name(message), "language": message.language, "variables": {},
            "types": {"twilio/quick-reply": {"body": body, "actions": actions}}}


class QuickReplies:
    """The quick-reply Contents copro has made in the Twilio account, by name."""

    def __init__(self, config: Config) -> None:
        self.twilio = config.twilio
        self.on = config.whatsapp.quick_replies
        self._made: dict[str, str] = {}  # name: Content SID
        self._read = False  # whether the names already made have been read
        self._lock = asyncio.Lock()

    async def content_sid(self, message: Outgoing) -> str | None:
        """The Content SID of ``message``'s buttons, made if need be; None if it goes numbered."""
        if not self.on or not fits(message):
            return None
        wanted = name(message)
        if wanted in self._made:
            return self._made[wanted]
        async with self._lock:
            try:
                async with aiohttp.ClientSession(
                    headers={"Authorization": self._authorization()},
                    timeout=aiohttp.ClientTimeout(total=TIMEOUT),
                    raise_for_status=True,
                ) as http:
                    if not self._read:
                        await self._read_names(http)
                        self._read = True
                    if wanted not in self._made:
                        self._made[wanted] = await self._make(http, message)
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError, KeyError,
                    TypeError) as exc:
                log.warning("whatsapp: quick-reply buttons could not be made (%s: %s); the "
                            "choices go numbered", type(exc).__name__, exc)
                return None
        return self._made[wanted]

    def _authorization(self) -> str:
        return aiohttp.encode_basic_auth(self.twilio.account_sid,
                                         self.twilio.auth_token.get_secret_value())

    def forget(self, message: Outgoing) -> None:
        """Twilio no longer has ``message``'s Content: make it again next time."""
        self._made.pop(name(message), None)

    async def _read_names(self, http: aiohttp.ClientSession) -> None:
        url: str | None = f"{self.twilio.content_api_url}/v1/Content?PageSize={PAGE_SIZE}"
        while url:
            async with http.get(url) as response:
                page = await response.json(content_type=None)
            for found in page.get("contents") or ():
                friendly = str(found.get("friendly_name") or "")
                if friendly.startswith(NAME) and str(found.get("sid") or "").startswith("HX"):
                    self._made.setdefault(friendly, str(found["sid"]))
            url = (page.get("meta") or {}).get("next_page_url") or None

    async def _make(self, http: aiohttp.ClientSession, message: Outgoing) -> str:
        async with http.post(f"{self.twilio.content_api_url}/v1/Content",
                             json=content(message)) as response:
            made = await response.json(content_type=None)
        sid = str(made["sid"])
        if not sid.startswith("HX"):
            raise ValueError(f"the Content API answered with {sid!r}, not a Content SID")
        log.info("whatsapp: quick-reply buttons made (%s)", sid)
        return sid
