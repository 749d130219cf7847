"""Hostile requests at both inbound webhooks of the HTTP app ``copro run`` serves.

One app carries the SMS routes (``/webhooks/twilio/sms`` and ``/webhooks/twilio/status``)
and the Telegram webhook (``/webhooks/telegram``), on a real port, with the channels
talking to the Twilio and Bot API doubles. Hypothesis sends each webhook random forms,
random JSON, wrong types, missing keys, bodies of 1-2 MB, bytes that are not UTF-8,
the wrong Content-Type, and missing or wrong signatures and secrets; and, signed or
with the right secret, random texts and updates that get past the check and into the
conversations.

Whatever arrives, the sender gets a 2xx or a 4xx, never a 5xx; nothing that was
accepted is set aside in ``spool/failed`` as a fault; and afterwards a normal text
from someone new is still answered with the welcome.

Each test runs its examples in a worker thread while the test's event loop serves
the app, so that the check that copro still works comes after all of them.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.app.http import create_app
from bot.app.wiring import scheduler_for
from bot.channels.sms.twilio import SmsChannel
from bot.channels.sms.webhooks import MAX_SID
from bot.channels.telegram.channel import SECRET_HEADER, TelegramChannel
from bot.core.config import Config, load_config
from bot.core.metrics import Metrics
from bot.delivery.inbox import Inbox, Spool
from bot.delivery.outbox import Sender
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from storage.models import Message
from tests.doubles.bot_api import TOKEN as BOT_TOKEN
from tests.doubles.bot_api import BotApiDouble
from tests.doubles.twilio_api import ACCOUNT, TwilioDouble
from tests.doubles.twilio_api import TOKEN as TWILIO_TOKEN
from tests.servers import serve_asgi

T = TypeVar("T")

SMS = "/webhooks/twilio/sms"
STATUS = "/webhooks/twilio/status"
TELEGRAM = "/webhooks/telegram"
SECRET = "fuzz-secret_value-123"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WELCOME = "Which language would you like?"
MB = 1024 * 1024
SIGNING = "X-Twilio-Webhooks-Signature-Settings"
NOT_A_FORM = (400, "the body is not a form")
REQUIRED = (400, "MessageSid and From are required")
NOT_AN_UPDATE = (400, "not a Telegram update")
NOT_A_SID = (400, "MessageSid is not one Twilio gives")


def config_for(tmp_path: Path, twilio_url: str, api_url: str) -> Config:
    """Both channels on, against the doubles; the Telegram webhook with a secret."""
    twilio = {"account_sid": ACCOUNT, "auth_token": TWILIO_TOKEN, "from_number": "+447700900000",
              "api_base_url": twilio_url, "segments_per_second": 1000,
              "max_inbound_per_minute": 100_000}
    telegram = {"token": BOT_TOKEN, "api_base_url": api_url, "messages_per_second": 1000,
                "chat_messages_per_second": 1000, "webhook_secret": SECRET,
                "webhook_url": "https://copro.example.org/webhooks/telegram"}
    sections = [f"[{name}]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in keys.items())
                for name, keys in (("twilio", twilio), ("telegram", telegram))]
    path = tmp_path / "copro.toml"
    path.write_text("\n".join(sections) + "\n[outbox]\nfirst_retry_seconds = 0.01\n"
                    "max_retry_seconds = 0.05\nmax_attempts = 2\n")
    return load_config(path, env={"COPRO_DATA_DIR": str(tmp_path)})


@dataclass
class Rig:
    """copro's HTTP app with both channels on a real port, and the doubles they talk to."""

    url: str
    client: httpx.AsyncClient
    twilio: TwilioDouble
    api: BotApiDouble
    db: Database
    sender: Sender
    spool: Spool
    handler_errors: list[logging.LogRecord]

    async def post(self, path: str, **request: Any) -> httpx.Response:
        """POST to copro; the answer, which is never a 5xx."""
        answer = await self.client.post(f"{self.url}{path}", **request)
        assert 200 <= answer.status_code < 500, (answer.status_code, answer.text[:200])
        return answer

    async def received(self) -> int:
        """How many messages came in and were kept."""
        async with self.db.transaction() as s:
            count = await s.scalar(select(func.count()).select_from(Message)
                                   .where(Message.direction == "in"))
        return int(count or 0)

    def nothing_set_aside(self) -> None:
        """Everything accepted was handled: nothing waits in the spool or sits in spool/failed
        as a fault, and no Telegram update failed in a handler."""
        failed = sorted(self.spool.failed.glob("*.json")) if self.spool.failed.is_dir() else []
        assert failed == [], [json.loads(p.read_text())["error"] for p in failed]
        assert self.spool.waiting() == []
        assert self.handler_errors == [], [r.getMessage() for r in self.handler_errors]

    async def still_answers_texts(self, phone: str) -> None:
        """A normal signed text from someone new is handled and answered with the welcome."""
        answer = await self.twilio.text_copro(self.client, f"{self.url}{SMS}", phone, "Hello")
        assert (answer.status_code, answer.text) == (200, TWIML)
        await self.sender.drain()
        [greeting] = self.twilio.to(phone)
        assert WELCOME in greeting and "1. English\n2. Cymraeg" in greeting

    async def still_answers_telegram(self, chat: int) -> None:
        """A normal update from someone new is handled and answered with the welcome."""
        update = self.api.message(chat, "/start")
        answer = await self.api.post(self.client, f"{self.url}{TELEGRAM}", update, SECRET)
        assert (answer.status_code, answer.text) == (200, "ok")
        await self.sender.drain()
        [greeting] = self.api.texts(chat)
        assert WELCOME in greeting


class _Errors(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture
async def rig(database: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    twilio, api = TwilioDouble(), BotApiDouble()
    errors: list[logging.LogRecord] = []
    watcher = _Errors(errors)
    logging.getLogger("bot.channels.telegram").addHandler(watcher)
    async with serve_asgi(twilio.app) as twilio_url, serve_asgi(api.app) as api_url:
        twilio.base_url, api.base_url = twilio_url, api_url
        config = config_for(tmp_path, twilio_url, api_url)
        conversations = Conversations(database, Library.load(), config)
        await conversations.register_flows()
        scheduler_for(conversations, config)
        metrics = Metrics()
        spool = Spool(tmp_path / "spool")
        inbox = Inbox(conversations, spool)
        sms = SmsChannel(config, inbox, metrics)
        telegram = TelegramChannel(config, inbox, metrics)
        channels = {"sms": sms, "telegram": telegram}
        sender = Sender(database, channels, config, metrics)
        routes = [route for channel in channels.values() for route in channel.routes()]
        app = create_app(database, metrics, routes, list(channels))  # as copro run builds it
        await sms.start()
        await telegram.start()
        assert telegram.ready and api.webhook["secret_token"] == SECRET
        try:
            async with serve_asgi(app) as url, httpx.AsyncClient(timeout=60) as client:
                yield Rig(url, client, twilio, api, database, sender, spool, errors)
        finally:
            logging.getLogger("bot.channels.telegram").removeHandler(watcher)
            await telegram.stop()
            await sms.stop()


async def fuzz(strategy: st.SearchStrategy[T], check: Callable[[T], Awaitable[None]],
               examples: int) -> None:
    """Run ``check`` on ``examples`` examples of ``strategy``, on this event loop.

    Hypothesis drives the examples from a worker thread; each ``check`` runs here, where
    the app is served, and the test carries on once they are all done.
    """
    loop = asyncio.get_running_loop()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(strategy)
    def run(example: T) -> None:
        asyncio.run_coroutine_threadsafe(check(example), loop).result(timeout=120)

    await asyncio.to_thread(run)


# --- what arrives ---------------------------------------------------------------------------

NASTY = [
    "", " ", "\x00", "\x00\x00abc", "\r\n", "\ufeff", "\ud7ff", "\uffff", "🙂" * 20, "ñ" * 300,
    "-1", "0", "1.5", "1e309", "NaN", "99999999999999999999", "9" * 5000, "١٢", "true", "null",
    "[]", "{}", "<Response/>", "]]>", "%ff%fe", "%00", "a" * 400, "STOP", "START", "HELP",
    "check in", "expense", "yes", "1", "opt:1:1", "done", "claim:1:approve", "{{ 7 * 7 }}",
]
TEXTS = st.one_of(st.text(max_size=60), st.sampled_from(NASTY))
PHONES = [f"+447700900{n:03d}" for n in range(100, 200)]
NEWCOMERS = [f"+447700900{n:03d}" for n in range(900, 910)]  # never in the fuzz
SENDERS = st.one_of(
    st.sampled_from(PHONES), st.text(max_size=20),
    st.sampled_from(["07700 900150", "+44 (0)7700-900-151", "447700900152", "tel:+447700900153",
                     "Carrier Info", "+1", "+999999999999999999", "+44770090015" + "0" * 300,
                     "whatsapp:+447700900154", "\x00+447700900155"]),
)
SIDS = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32).map(lambda s: f"SM{s}"),
    st.text(min_size=1, max_size=40), st.sampled_from(["SM", "SM" + "0" * 300, "\x00", " "]),
)
MEDIA_URLS = st.one_of(
    st.sampled_from(["", "not a url", "//", "ftp://127.0.0.1/x", "file:///etc/passwd",
                     "http://127.0.0.1:1/closed", "http://[::1", "http://127.0.0.1:99999/",
                     "http://\x00/", "data:image/jpeg;base64,/9j/"]),
    st.text(max_size=20).map(lambda s: f"{{twilio}}/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/{s}"),
)
CONTENT_TYPES = [
    None, "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=xyz",
    "application/json", "application/json; charset=utf-16", "text/plain", "text/xml", "image/jpeg",
    "application/octet-stream", "*/*", ";;;", "x" * 300,
]
GARBAGE = st.one_of(
    st.binary(max_size=400),
    st.binary(max_size=200).map(lambda b: b"\xff\xfe\xc3(" + b),  # never UTF-8
    st.sampled_from([b"", b"{", b"{not json", b"Body=%ff%fe&From=%c3", b"From=%2B44%ZZ&MessageSid=",
                     b"--xyz\r\nContent-Disposition: form-data\r\n\r\n", b"\x00" * 64, b"[1, 2]",
                     b'{"update_id": "x"}', b"null", b'"\\ud800"', b"1e99999"]),
)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), TEXTS,
    st.sampled_from(["\ud83d", "a\udfff", "\ud800\ud800"]),  # lone surrogates, as JSON escapes
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _places(node: Any, trail: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path to every value inside a JSON document."""
    yield trail
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _places(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _places(value, (*trail, index))


def _like(value: Any) -> st.SearchStrategy[Any]:
    """Random values of the type ``value`` has, as Telegram could send them."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.one_of(st.integers(-(2**52), 2**52), st.sampled_from([0, -1, 1, 2**31, 10**12]))
    if isinstance(value, float):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(value, str):
        return TEXTS
    return st.just(value)


@st.composite
def _mutated(draw: st.DrawFn, document: dict[str, Any], keep_types: bool) -> Any:
    """``document`` with a few of its values replaced or deleted, or added to.

    With ``keep_types``, a value is replaced only by another of its type (a text by a text, a
    number by a number) and nothing is added; otherwise by any JSON at all.
    """
    doc: Any = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        places = list(_places(doc))
        trail = draw(st.sampled_from(places[1:] or places))
        if not trail:
            return draw(JSON)
        parent = doc
        for step in trail[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[trail[-1]]
        elif keep_types:
            parent[trail[-1]] = draw(_like(parent[trail[-1]]))
        elif action == "add" and isinstance(parent[trail[-1]], dict):
            parent[trail[-1]][draw(st.text(max_size=12))] = draw(JSON)
        else:
            parent[trail[-1]] = draw(JSON)
    return doc


@st.composite
def _texts(draw: st.DrawFn) -> dict[str, str]:
    """A Twilio text with random values, some fields missing and some that Twilio never sends."""
    params = {"MessageSid": draw(SIDS), "AccountSid": ACCOUNT, "From": draw(SENDERS),
              "To": "+447700900000", "Body": draw(TEXTS), "NumMedia": "0"}
    if draw(st.booleans()):
        params["NumMedia"] = draw(st.sampled_from(["1", "2", "-1", "abc", "99999", "9" * 5000]))
        for n in range(draw(st.integers(0, 3))):
            params[f"MediaUrl{n}"] = draw(MEDIA_URLS)
            params[f"MediaContentType{n}"] = draw(st.one_of(
                TEXTS, st.sampled_from(["image/jpeg", "image/png; x=y", "application/pdf"])))
    for key in draw(st.sets(st.sampled_from(sorted(params)))):
        del params[key]
    if draw(st.booleans()):
        params["SmsSid"] = draw(SIDS)
    extra_keys = st.one_of(st.text(min_size=1, max_size=12),
                           st.sampled_from(["MessageSid", "From", "Body", "MessageStatus"]))
    params.update(draw(st.dictionaries(extra_keys, TEXTS, max_size=3)))
    return params


def _without_nul(params: dict[str, str]) -> dict[str, str]:
    """The fields as copro reads them once the signature is checked: NUL characters dropped."""
    return {key: value.replace("\x00", "") for key, value in params.items()}


def _sign(url: str, params: dict[str, str], algorithm: str = "HMAC_SHA1") -> str:
    return str(RequestValidator(TWILIO_TOKEN).compute_signature(url, params, algorithm))


# --- SMS ------------------------------------------------------------------------------------


async def test_sms_without_a_valid_signature_is_refused_whatever_it_holds(rig: Rig) -> None:
    """Random forms with no signature, a random one, one for other fields or another URL: the
    sender sees 403 "invalid signature" at both SMS webhooks, and nothing is kept."""
    signatures = st.one_of(
        st.none(), st.just(""), st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126),
                                        min_size=1, max_size=40),
        st.sampled_from(["other-fields", "other-url", "unsupported-algorithm"]),
    )

    async def check(example: tuple[str, dict[str, str], str | None]) -> None:
        path, params, signature = example
        url = f"{rig.url}{path}"
        headers: dict[str, str] = {}
        if signature == "other-fields":
            signature = _sign(url, {**params, "Body": params.get("Body", "") + "!"})
        elif signature == "other-url":
            signature = _sign(f"{rig.url}/webhooks/elsewhere", params)
        elif signature == "unsupported-algorithm":
            signature, headers[SIGNING] = _sign(url, params), "algorithm=HMAC_MD5"
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        answer = await rig.post(path, data=params, headers=headers)
        assert (answer.status_code, answer.text) == (403, "invalid signature")

    await fuzz(st.tuples(st.sampled_from([SMS, STATUS]), _texts(), signatures), check, 80)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers_texts(NEWCOMERS[0])


async def test_sms_bodies_that_are_not_proper_forms_get_a_4xx(rig: Rig) -> None:
    """Random bytes (invalid UTF-8 too), under any Content-Type or none, with no signature, a
    random one, or one for an empty form: the sender sees 400 "the body is not a form" (a
    broken multipart body), 403 "invalid signature", or 400 "MessageSid and From are required"
    (a signed body with no form in it). Nothing is kept."""

    async def check(example: tuple[str, bytes, str | None, str]) -> None:
        path, body, content_type, signature = example
        headers = {} if content_type is None else {"Content-Type": content_type}
        if signature == "empty-form":
            headers["X-Twilio-Signature"] = _sign(f"{rig.url}{path}", {})
        elif signature:
            headers["X-Twilio-Signature"] = signature
        answer = await rig.post(path, content=body, headers=headers)
        assert answer.status_code in (400, 403), answer.text
        assert answer.text in ("the body is not a form", "invalid signature",
                               "MessageSid and From are required",
                               "MessageSid and a known MessageStatus are required")

    await fuzz(st.tuples(st.sampled_from([SMS, STATUS]), GARBAGE, st.sampled_from(CONTENT_TYPES),
                         st.sampled_from(["", "empty-form", "bm90IGEgc2lnbmF0dXJl"])), check, 80)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers_texts(NEWCOMERS[1])


async def test_sms_bodies_of_one_to_two_megabytes(rig: Rig) -> None:
    """Over 1 MB (up to 2) in one field is refused with 400 "the body is not a form" (a field
    may hold 1 MB; a text holds 1,600 characters at most), signed or not, as a urlencoded or a
    multipart form. The same size spread over three fields is a form: without a signature the
    sender sees 403; signed, from a number copro can answer, 200 and an empty TwiML, and the
    text is kept."""
    taken: set[str] = set()

    async def check(example: tuple[int, bool, bool, bool]) -> None:
        size, spread, signed, multipart = example
        phone = NEWCOMERS[2]
        params = {"MessageSid": f"SM{size:032d}", "From": phone, "Body": "x" * size}
        if spread:
            third = size // 3
            params.update(Body="b" * third, Extra1="e" * third, Extra2="f" * third)
        headers = {"X-Twilio-Signature": _sign(f"{rig.url}{SMS}", params)} if signed else {}
        if multipart:
            fields = {k: (None, v.encode()) for k, v in params.items()}
            answer = await rig.post(SMS, files=fields, headers=headers)
        else:
            answer = await rig.post(SMS, data=params, headers=headers)
        if not spread:
            assert (answer.status_code, answer.text) == NOT_A_FORM
        elif not signed:
            assert (answer.status_code, answer.text) == (403, "invalid signature")
        else:
            assert (answer.status_code, answer.text) == (200, TWIML)
            taken.add(params["MessageSid"])

    sizes = st.integers(MB + 1, 2 * MB)
    await fuzz(st.tuples(sizes, st.booleans(), st.booleans(), st.booleans()), check, 12)
    assert await rig.received() == len(taken)
    rig.nothing_set_aside()
    await rig.still_answers_texts(NEWCOMERS[3])


async def test_signed_random_texts_are_taken_or_refused_clearly(rig: Rig) -> None:
    """Validly signed random texts (SHA-1, or SHA-256 when the settings header says so; on the
    plain URL or with a query; urlencoded or multipart): with a MessageSid (or SmsSid) and a
    From, the sender sees 200 and an empty TwiML, whatever the rest holds (a number copro cannot
    text, a body of NUL characters, photos that cannot be fetched); without, 400 "MessageSid
    and From are required"; with a MessageSid longer than any of Twilio's, 400 "MessageSid is
    not one Twilio gives". Every one accepted is handled, none set aside as a fault."""
    queries = st.sampled_from(["", "?a=1", "?bodySHA256=0", "?x=%C3%A9&y=", "?a=1&a=2"])
    algorithms = st.sampled_from([(None, "HMAC_SHA1"), ("algorithm=HMAC_SHA256", "HMAC_SHA256"),
                                  ("key=K1,algorithm=hmac_sha256", "HMAC_SHA256"),
                                  ("algorithm=", "HMAC_SHA1"), ("nonsense,,==", "HMAC_SHA1")])
    form_keys = {"MessageSid", "SmsSid", "From", "Body", "NumMedia", "AccountSid", "To"}

    async def check(example: tuple[dict[str, str], str, tuple[str | None, str], bool]) -> None:
        params, query, (settings_header, algorithm), multipart = example
        params = {k: v.replace("{twilio}", rig.twilio.base_url) for k, v in params.items()}
        if multipart:  # field names as Twilio's: a multipart name is not percent-decoded
            params = {k: v for k, v in params.items() if k in form_keys or k.startswith("Media")}
        path = f"{SMS}{query}"
        headers = {"X-Twilio-Signature": _sign(f"{rig.url}{path}", params, algorithm)}
        if settings_header is not None:
            headers[SIGNING] = settings_header
        if multipart:
            fields = {k: (None, v.encode()) for k, v in params.items()}
            answer = await rig.post(path, files=fields, headers=headers)
        else:
            answer = await rig.post(path, data=params, headers=headers)
        seen = _without_nul(params)
        sid = seen.get("MessageSid") or seen.get("SmsSid")
        if not sid or not seen.get("From"):
            assert (answer.status_code, answer.text) == REQUIRED
        elif len(sid) > MAX_SID:
            assert (answer.status_code, answer.text) == NOT_A_SID
        else:
            assert (answer.status_code, answer.text) == (200, TWIML)
            assert answer.headers["content-type"] == "text/xml; charset=utf-8"

    await fuzz(st.tuples(_texts(), queries, algorithms, st.booleans()), check, 120)
    rig.nothing_set_aside()
    await rig.still_answers_texts(NEWCOMERS[4])


async def test_signed_random_delivery_reports_are_kept_or_refused_clearly(rig: Rig) -> None:
    """Validly signed random delivery reports: with a MessageSid and a status Twilio uses (in any
    case), the sender sees 204, whether or not copro sent that message; otherwise 400."""
    await rig.still_answers_texts(NEWCOMERS[5])
    sent = rig.twilio.texts[0].sid
    statuses = st.one_of(TEXTS, st.sampled_from(["delivered", "DELIVERED", "undelivered", "failed",
                                                 "sent", "read", "canceled", "queued", "exploded"]))
    known = {"accepted", "queued", "sending", "sent", "delivered", "read", "undelivered",
             "failed", "canceled"}

    async def check(example: tuple[dict[str, str], str | None, str | None, str | None]) -> None:
        extra, sid, status, code = example
        params = {k: v for k, v in {**extra, "MessageSid": sid, "MessageStatus": status,
                                    "ErrorCode": code}.items() if v is not None}
        path = STATUS
        headers = {"X-Twilio-Signature": _sign(f"{rig.url}{path}", params)}
        answer = await rig.post(path, data=params, headers=headers)
        seen = _without_nul(params)
        if seen.get("MessageSid") and (seen.get("MessageStatus") or "").lower() in known:
            assert (answer.status_code, answer.text) == (204, "")
        else:
            assert answer.status_code == 400
            assert answer.text == "MessageSid and a known MessageStatus are required"

    await fuzz(st.tuples(st.dictionaries(st.text(min_size=1, max_size=10), TEXTS, max_size=3),
                         st.one_of(st.none(), st.just(sent), SIDS), st.one_of(st.none(), statuses),
                         st.one_of(st.none(), st.just("21610"), st.just("30003"), TEXTS)), check, 80)
    rig.nothing_set_aside()
    await rig.still_answers_texts(NEWCOMERS[6])


async def test_nul_characters_and_overlong_sids_in_signed_texts(rig: Rig) -> None:
    """Found by fuzzing on PostgreSQL, which cannot keep NUL in text: a signed text with NUL in
    its body was answered 200 but set aside in spool/failed instead of handled; one with a
    300-character MessageSid too (it did not fit the column); and a delivery report with NUL in
    its MessageSid or ErrorCode got 503, so Twilio would have sent it again and again. Now NUL
    is dropped once the signature is checked, and a MessageSid longer than Twilio's is refused.
    """
    hook, status = f"{rig.url}{SMS}", f"{rig.url}{STATUS}"
    phone = NEWCOMERS[7]
    nul = await rig.twilio.text_copro(rig.client, hook, phone, "Hel\x00lo\x00")
    assert (nul.status_code, nul.text) == (200, TWIML)
    await rig.sender.drain()
    [greeting] = rig.twilio.to(phone)
    assert WELCOME in greeting
    async with rig.db.transaction() as s:
        [kept] = (await s.scalars(select(Message.body).where(Message.direction == "in"))).all()
    assert kept == "Hello"
    long = await rig.twilio.text_copro(rig.client, hook, NEWCOMERS[8], "Hello", sid="SM" + "0" * 300)
    assert (long.status_code, long.text) == NOT_A_SID
    nowhere = {"MessageSid": "\x00", "MessageStatus": "delivered"}
    answer = await rig.twilio.post(rig.client, status, nowhere)
    assert (answer.status_code, answer.text) == (400, "MessageSid and a known MessageStatus are required")
    failed = {"MessageSid": rig.twilio.texts[0].sid, "MessageStatus": "failed", "ErrorCode": "300\x0003"}
    answer = await rig.twilio.post(rig.client, status, failed)
    assert (answer.status_code, answer.text) == (204, "")
    async with rig.db.transaction() as s:
        [error] = (await s.scalars(select(Message.error).where(Message.direction == "out"))).all()
    assert error == "Twilio failed, error 30003"
    assert await rig.received() == 1
    rig.nothing_set_aside()


# --- Telegram -------------------------------------------------------------------------------


async def test_telegram_without_the_right_secret_is_refused_whatever_it_holds(rig: Rig) -> None:
    """Any body (a real update, random JSON, bytes), with no secret header or a wrong one (empty,
    random, nearly right, in other letters, bytes that are not UTF-8): the sender sees 403
    "forbidden", and nothing is kept."""
    real = rig.api.message(1001, "hello")
    bodies = st.one_of(JSON.map(lambda v: json.dumps(v).encode()), GARBAGE,
                       st.just(json.dumps(real).encode()))
    secrets: st.SearchStrategy[str | bytes | None] = st.one_of(
        st.none(), st.just(""), st.sampled_from([SECRET[:-1], SECRET + "x", SECRET.upper(), "s"]),
        st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                max_size=60).filter(lambda s: s != SECRET),
        st.binary(max_size=30).map(  # visible ASCII and bytes that are not UTF-8 on their own
            lambda b: b"\xff" + bytes(c for c in b if c >= 0x80 or 0x21 <= c <= 0x7E)),
    )

    async def check(example: tuple[bytes, str | bytes | None]) -> None:
        body, secret = example
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        answer = await rig.post(TELEGRAM, content=body, headers=headers)
        assert (answer.status_code, answer.text) == (403, "forbidden")

    await fuzz(st.tuples(bodies, secrets), check, 80)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers_telegram(5001)


async def test_telegram_bodies_that_are_not_updates_get_400(rig: Rig) -> None:
    """With the right secret, a body that is not JSON (bytes that are not UTF-8, a 1-2 MB blob),
    JSON that is not an object, or an object without an integer ``update_id``, under any
    Content-Type: the sender sees 400 "not a Telegram update". Nothing is kept."""
    huge = st.integers(MB, 2 * MB).map(lambda n: b'{"update_id": "' + b"1" * n + b'"}')
    not_updates = JSON.filter(lambda v: not (isinstance(v, dict) and type(v.get("update_id")) is int))
    bodies = st.one_of(GARBAGE.filter(lambda b: b != b"1e99999"), huge,
                       not_updates.map(lambda v: json.dumps(v).encode()),
                       st.fixed_dictionaries({"update_id": st.one_of(
                           st.none(), st.booleans(), st.floats(), TEXTS,
                           st.lists(st.integers(), max_size=2))}).map(lambda v: json.dumps(v).encode()))

    async def check(example: tuple[bytes, str | None]) -> None:
        body, content_type = example
        headers = {SECRET_HEADER: SECRET}
        if content_type is not None:
            headers["Content-Type"] = content_type
        answer = await rig.post(TELEGRAM, content=body, headers=headers)
        assert (answer.status_code, answer.text) == NOT_AN_UPDATE

    await fuzz(st.tuples(bodies, st.sampled_from(CONTENT_TYPES)), check, 80)
    assert await rig.received() == 0
    rig.nothing_set_aside()
    await rig.still_answers_telegram(5002)


def _templates(api: BotApiDouble) -> list[dict[str, Any]]:
    """Real updates: texts, commands, an invite, a photo, a file, a sticker, button taps."""
    people = [1001, 1002, 1003]
    return [
        *(api.message(chat, text) for chat in people
          for text in ("hello", "/start", "/start NOTACODE", "/stop", "/help", "7")),
        api.message(1001, photo=b"\xff\xd8 a bus ticket", caption="ticket"),
        api.message(1002, document=("ticket.pdf", "application/pdf", b"%PDF-1.4")),
        api.message(1003, sticker=True),
        *(api.tap(chat, data) for chat in people
          for data in ("opt:1:1", "opt:2:9", "done", "claim:1:approve", "alert:1:ack", "nonsense")),
    ]


def _deliver(rig: Rig) -> Callable[[Any], Awaitable[httpx.Response]]:
    """Post an update to the webhook with the right secret, as Telegram posts it."""
    fresh = itertools.count(10**6)

    async def deliver(update: Any) -> httpx.Response:
        if isinstance(update, dict) and type(update.get("update_id")) is int:
            update = {**update, "update_id": next(fresh)}  # never taken for one delivered twice
        body = json.dumps(update).encode()  # lone surrogates as \\u escapes, as JSON allows
        return await rig.post(TELEGRAM, content=body, headers={SECRET_HEADER: SECRET})

    return deliver


async def test_random_updates_telegram_could_send_are_handled(rig: Rig) -> None:
    """Real updates with values replaced by others of their type (any text, any number) or
    left out: the sender sees 200 "ok", or 400 "not a Telegram update" when what is left is
    not one (no chat, a date out of range). Every one taken is handled: none is set aside as
    a fault and no handler fails."""
    deliver = _deliver(rig)

    async def check(update: Any) -> None:
        answer = await deliver(update)
        assert (answer.status_code, answer.text) in ((200, "ok"), NOT_AN_UPDATE)

    await fuzz(st.sampled_from(_templates(rig.api)).flatmap(lambda t: _mutated(t, True)), check, 120)
    assert await rig.received() > 0
    await rig.sender.drain()
    rig.nothing_set_aside()
    await rig.still_answers_telegram(5003)


async def test_updates_of_any_shape_never_get_a_5xx(rig: Rig) -> None:
    """Real updates with values replaced by random JSON of any type (a list for a chat's id, a
    dict for a text), deleted, or added to, and random objects with an integer ``update_id``:
    the sender sees 200 "ok" or 400 "not a Telegram update", never a 5xx; an update whose chat
    or sender has an id that is not a number is refused with 400. copro answers normally
    afterwards."""
    deliver = _deliver(rig)

    async def check(update: Any) -> None:
        answer = await deliver(update)
        if isinstance(update, dict) and type(update.get("update_id")) is int:
            assert (answer.status_code, answer.text) in ((200, "ok"), NOT_AN_UPDATE)
        else:
            assert (answer.status_code, answer.text) == NOT_AN_UPDATE

    shapes = st.one_of(st.sampled_from(_templates(rig.api)).flatmap(lambda t: _mutated(t, False)),
                       st.dictionaries(st.text(max_size=12), JSON, max_size=4).map(
                           lambda d: {**d, "update_id": 1}))
    await fuzz(shapes, check, 150)
    await rig.sender.drain()
    await rig.still_answers_telegram(5004)


async def test_an_update_from_a_chat_without_a_number_is_refused(rig: Rig) -> None:
    """Found by fuzzing: a chat or a sender whose id was a list or an object got past the
    update's parsing and failed after the handlers ran, and the sender saw 500. An id that is
    not a number is not from Telegram: the sender sees 400 and nothing is kept (a number as
    text, or a fraction, was taken before as an address; it is refused now too)."""
    for chat, sender in (([], 1001), (1001, {"a": 1}), ("1001", 1001), (1001, 1.5)):
        update = rig.api.message(1001, "/start NOTACODE")
        update["message"]["chat"]["id"], update["message"]["from"]["id"] = chat, sender
        answer = await rig.post(TELEGRAM, json=update, headers={SECRET_HEADER: SECRET})
        assert (answer.status_code, answer.text) == NOT_AN_UPDATE
    assert await rig.received() == 0
    await rig.still_answers_telegram(1001)


async def test_a_file_telegram_gives_no_path_for_still_lets_the_caption_in(rig: Rig) -> None:
    """Found by fuzzing: when Telegram's answer to getFile had no ``file_path`` (it is optional),
    the download failed inside the handler, so the photo's caption never went in and the person
    met silence. Now it is taken as a file that cannot be had: the caption goes in without it
    and the person is answered."""
    update = rig.api.message(6004, photo=b"\xff\xd8 a bus ticket", caption="ticket")
    update["message"]["photo"][-1]["file_id"] = "a-file-the-double-has-no-path-for"
    answer = await rig.post(TELEGRAM, json=update, headers={SECRET_HEADER: SECRET})
    assert (answer.status_code, answer.text) == (200, "ok")
    async with rig.db.transaction() as s:
        [kept] = (await s.scalars(select(Message).where(Message.direction == "in"))).all()
    assert (kept.body, kept.media) == ("ticket", [])
    await rig.sender.drain()
    assert WELCOME in rig.api.texts(6004)[0]
    rig.nothing_set_aside()


async def test_nul_characters_from_telegram_are_dropped_not_a_fault(rig: Rig) -> None:
    """Found by fuzzing on PostgreSQL, which cannot keep NUL in text: a text with NUL in it was
    answered 200 "ok" but set aside in spool/failed instead of handled. Now NUL is dropped: the
    text is kept without it and answered; an invite code and a button tap with NUL are handled
    too (the code, not one copro gave, is refused politely)."""
    for update in (rig.api.message(6001, "hel\x00lo"), rig.api.message(6002, "/start CO\x00DE"),
                   rig.api.tap(6003, "claim:1:\x00approve")):
        answer = await rig.post(TELEGRAM, json=update, headers={SECRET_HEADER: SECRET})
        assert (answer.status_code, answer.text) == (200, "ok")
    async with rig.db.transaction() as s:
        [kept] = (await s.scalars(select(Message.body).where(Message.direction == "in"))).all()
    assert kept == "hello"
    await rig.sender.drain()
    assert WELCOME in rig.api.texts(6001)[0]
    assert rig.api.texts(6002)[0].startswith("Sorry, that invite code does not work.")
    rig.nothing_set_aside()


async def test_a_huge_telegram_text_is_handled(rig: Rig) -> None:
    """A real update whose text is 1-2 MB (Telegram sends 4,096 characters at most): the sender
    sees 200 "ok", the text is kept, and the person is answered."""
    chats: list[int] = []

    async def check(example: tuple[int, int]) -> None:
        chat, size = example
        update = rig.api.message(chat, "é" * (size // 2))
        answer = await rig.post(TELEGRAM, json=update, headers={SECRET_HEADER: SECRET})
        assert (answer.status_code, answer.text) == (200, "ok")
        chats.append(chat)

    await fuzz(st.tuples(st.integers(7001, 7100), st.integers(MB, 2 * MB)), check, 4)
    assert chats and await rig.received() == len(chats)
    await rig.sender.drain()
    assert all(WELCOME in rig.api.texts(chat)[0] for chat in chats)
    await rig.sender.drain()
    rig.nothing_set_aside()
    await rig.still_answers_telegram(5004)
