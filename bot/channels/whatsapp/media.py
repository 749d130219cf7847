"""Pictures copro sends on WhatsApp, served for WhatsApp to fetch.

WhatsApp takes a picture only as a link it fetches itself (``MediaUrl``), so
copro serves each picture it sends at ``/media/whatsapp/<link>`` under
``twilio.public_url``. A link names one file in the media directory and when it
stops working, signed with a key made from the Twilio auth token: it cannot be
guessed, changed to reach another file, or used after ``whatsapp.media_link_lasts``.
Anything else (a link that is not copro's, out of date, or for a file gone)
gets 404, saying nothing of why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import mimetypes
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from bot.core.config import Config

ROUTE = "/media/whatsapp/{link}"
PURPOSE = b"copro: links to pictures sent on WhatsApp"
MAX_LINK = 2048


class MediaLinks:
    def __init__(self, config: Config) -> None:
        self.public_url = config.twilio.public_url
        self.folder = config.media_dir.resolve()
        self.lasts = config.whatsapp.media_link_lasts.total_seconds()
        self._key = hmac.new(config.twilio.auth_token.get_secret_value().encode(), PURPOSE,
                             hashlib.sha256).digest()

    def url(self, file: str, now: float | None = None) -> str | None:
        """The link WhatsApp may fetch ``file`` from for a while; None if copro has no public
        address, or the file is not one copro keeps in its media directory."""
        if not self.public_url:
            return None
        path = Path(file).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            return None
        until = int((time.time() if now is None else now) + self.lasts)
        held = _encode(json.dumps([str(path.relative_to(self.folder)), until]).encode())
        return f"{self.public_url}/media/whatsapp/{held}.{self._sign(held)}{path.suffix}"

    async def serve(self, request: Request) -> Response:
        path = self.file(request.path_params["link"])
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "private, no-store"})

    def file(self, link: str, now: float | None = None) -> Path | None:
        """The file ``link`` names, while it works; None otherwise."""
        held, _, rest = link[:MAX_LINK].partition(".")
        signature = rest.partition(".")[0]
        if not hmac.compare_digest(signature.encode(), self._sign(held).encode()):
            return None
        try:
            name, until = json.loads(_decode(held))
        except (ValueError, TypeError):
            return None
        if not isinstance(name, str) or not isinstance(until, int):
            return None
        if (time.time() if now is None else now) > until:
            return None
        path = (self.folder / name).resolve()
        return path if path.is_relative_to(self.folder) and path.is_file() else None

    def _sign(self, held: str) -> str:
        return _encode(hmac.new(self._key, held.encode(), hashlib.sha256).digest())


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
