"""Photos that come with a text (a receipt by MMS), and messages left by phone, fetched from
Twilio with the account's credentials and saved in the media directory so a flow can keep them.

A ``MediaUrl`` is fetched only from Twilio itself (``api.twilio.com``, or the configured
``twilio.api_base_url``), and the account's credentials go only there: Twilio answers with a
redirect to its media store (``*.twiliocdn.com``), which is followed without them. A link to
any other host is refused and logged, and never fetched at all.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot.core.config import TwilioConfig
from bot.core.files import private_folder, write_private

log = logging.getLogger(__name__)

MEDIA_TIMEOUT = 20.0
MAX_MEDIA_BYTES = 10 * 1024 * 1024
MAX_MEDIA = 10  # Twilio sends at most ten with one message
MAX_REDIRECTS = 3
TWILIO_API = "api.twilio.com"
# Where Twilio keeps media and redirects a MediaUrl to; never given the credentials.
MEDIA_STORES = ("twiliocdn.com",)


class Refused(ValueError):
    """A media link to a host that is not Twilio's."""


@dataclass
class Fetched:
    saved: list[str] = field(default_factory=list)
    unread: int = 0  # photos that came but could not be had


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _is_api(config: TwilioConfig, url: str) -> bool:
    """Twilio's REST API (or the configured stand-in): the one place credentials may go."""
    scheme, host, port = _origin(url)
    return (scheme, host, port) == _origin(config.api_base_url) or (
        scheme == "https" and host == TWILIO_API and port in (None, 443))


def _is_store(url: str) -> bool:
    scheme, host, _ = _origin(url)
    return scheme == "https" and any(host == h or host.endswith(f".{h}") for h in MEDIA_STORES)


async def fetch_media(config: TwilioConfig, folder: Path, sid: str, params: dict[str, str]) -> Fetched:
    """Each photo that came with text ``sid``, saved in ``folder``; their paths, and how many
    could not be had (left out: the text goes in without them)."""
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    found = Fetched()
    if count <= 0:
        return found
    login = _login(config)
    async with _session() as session:
        for n in range(count):
            url = params.get(f"MediaUrl{n}")
            if not url:
                continue
            kind = params.get(f"MediaContentType{n}") or ""
            extension = mimetypes.guess_extension(kind.split(";")[0].strip()) or ".bin"
            path = folder / f"{_safe(sid)}-{n}{extension}"
            try:
                content = await _get(session, config, url, login)
                await asyncio.to_thread(_write, path, content)
            except Refused as exc:
                log.warning("sms: a photo with text %s links to %s, not to Twilio: refused, "
                            "not fetched", sid, exc)
                found.unread += 1
                continue
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                log.warning("sms: a photo with text %s could not be fetched (%s); the text "
                            "is kept without it", sid, exc)
                found.unread += 1
                continue
            found.saved.append(str(path))
    return found


async def fetch_file(config: TwilioConfig, url: str, path: Path, what: str) -> bool:
    """Save what Twilio keeps at ``url`` (a recording) as ``path``; False if it cannot be had.
    The same rule as for photos: only Twilio gets the credentials, only Twilio is fetched."""
    async with _session() as session:
        try:
            content = await _get(session, config, url, _login(config))
            await asyncio.to_thread(_write, path, content)
        except Refused as exc:
            log.warning("twilio: %s links to %s, not to Twilio: refused, not fetched", what, exc)
            return False
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
            log.warning("twilio: %s could not be fetched (%s)", what, exc)
            return False
    return True


def _login(config: TwilioConfig) -> str:
    return aiohttp.encode_basic_auth(config.account_sid, config.auth_token.get_secret_value())


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=MEDIA_TIMEOUT))


async def _get(session: aiohttp.ClientSession, config: TwilioConfig, url: str,
               login: str) -> bytes:
    """The content at ``url``: credentials only to Twilio's API, redirects only to Twilio."""
    if not _is_api(config, url):
        raise Refused(_origin(url)[1] or "no host")
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"Authorization": login} if _is_api(config, url) else {}
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in (301, 302, 303, 307, 308) and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                if not (_is_api(config, url) or _is_store(url)):
                    raise Refused(_origin(url)[1] or "no host")
                continue
            response.raise_for_status()
            content = await response.content.read(MAX_MEDIA_BYTES + 1)
        if len(content) > MAX_MEDIA_BYTES:
            raise ValueError("larger than 10 MB")
        return content
    raise ValueError("too many redirects")


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())[:64] or "media"


def _write(path: Path, content: bytes) -> None:
    write_private(private_folder(path.parent) / path.name, content)
