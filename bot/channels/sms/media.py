"""Photos that come with a text (a receipt by MMS), and messages left by phone, fetched from
Twilio with the account's credentials and saved in the media directory so a flow can keep them."""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from pathlib import Path

import aiohttp

from bot.core.config import TwilioConfig

log = logging.getLogger(__name__)

MEDIA_TIMEOUT = 20.0
MAX_MEDIA_BYTES = 10 * 1024 * 1024
MAX_MEDIA = 10  # Twilio sends at most ten with one message


async def fetch_media(config: TwilioConfig, folder: Path, sid: str, params: dict[str, str]) -> list[str]:
    """Each photo that came with text ``sid``, saved in ``folder``; its path. One that cannot be
    had is left out, and the text goes in without it."""
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    if count <= 0:
        return []
    saved = []
    async with _session(config) as session:
        for n in range(count):
            url = params.get(f"MediaUrl{n}")
            if not url:
                continue
            kind = params.get(f"MediaContentType{n}") or ""
            extension = mimetypes.guess_extension(kind.split(";")[0].strip()) or ".bin"
            path = folder / f"{_safe(sid)}-{n}{extension}"
            if await _fetch(session, url, path, f"a photo with text {sid}"):
                saved.append(str(path))
    return saved


async def fetch_file(config: TwilioConfig, url: str, path: Path, what: str) -> bool:
    """Save what Twilio keeps at ``url`` (a recording) as ``path``; False if it cannot be had."""
    async with _session(config) as session:
        return await _fetch(session, url, path, what)


def _session(config: TwilioConfig) -> aiohttp.ClientSession:
    login = aiohttp.encode_basic_auth(config.account_sid, config.auth_token.get_secret_value())
    timeout = aiohttp.ClientTimeout(total=MEDIA_TIMEOUT)
    return aiohttp.ClientSession(headers={"Authorization": login}, timeout=timeout)


async def _fetch(session: aiohttp.ClientSession, url: str, path: Path, what: str) -> bool:
    try:
        async with session.get(url) as response:
            response.raise_for_status()
            content = await response.content.read(MAX_MEDIA_BYTES + 1)
        if len(content) > MAX_MEDIA_BYTES:
            raise ValueError("larger than 10 MB")
        await asyncio.to_thread(_write, path, content)
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        log.warning("twilio: %s could not be fetched (%s); the rest is kept without it", what, exc)
        return False
    return True


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())[:64] or "media"


def _write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
