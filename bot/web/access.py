"""Who is signed in to the desk: signed session cookies, CSRF tokens, code hashes, rate limits.

A session is a cookie holding the person's number, when it runs out and a random
nonce, signed with the desk's key (HMAC-SHA256); nothing about it is kept on the
server, so it cannot be forged or stretched, and it ends on its own. The CSRF
token of a form is the key's HMAC of that nonce: a page from another site cannot
know it. Sign-in codes are kept as the key's HMAC of the code, never the code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SESSION_COOKIE = "copro_desk"
BROWSER_COOKIE = "copro_desk_browser"  # a nonce for the forms of someone not signed in yet
CODE_DIGITS = 6


def load_secret(configured: str, data_dir: Path) -> bytes:
    """The configured key, else the one copro made in ``data_dir/desk.secret`` (made if missing)."""
    if configured:
        return configured.encode()
    path = data_dir / "desk.secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class Session:
    participant_id: int
    expires: int  # seconds since the epoch
    nonce: str


class Keys:
    def __init__(self, secret: bytes) -> None:
        self.secret = secret

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()

    def digest(self, code: str) -> str:
        """What is kept of a sign-in code or link token."""
        return self._mac("code", code)

    def csrf(self, nonce: str) -> str:
        return self._mac("csrf", nonce)

    def csrf_ok(self, nonce: str, token: str) -> bool:
        return bool(nonce) and hmac.compare_digest(self.csrf(nonce), token)

    def seal(self, participant_id: int, expires: datetime) -> str:
        body = f"{participant_id}.{int(expires.timestamp())}.{secrets.token_urlsafe(12)}"
        raw = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{raw}.{self._mac('session', body)}"

    def open(self, cookie: str, *, now: datetime) -> Session | None:
        """The session in ``cookie``; None if it was tampered with, is malformed or ran out."""
        raw, _, mac = cookie.rpartition(".")
        try:
            body = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
            pid, expires, nonce = body.split(".", 2)
            session = Session(int(pid), int(expires), nonce)
        except (ValueError, UnicodeDecodeError):
            return None
        if not hmac.compare_digest(self._mac("session", body), mac):
            return None
        return session if session.expires > now.timestamp() else None


def new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


class Limiter:
    """At most ``times`` tries per ``seconds`` for each key (an address, a person)."""

    def __init__(self, times: int, seconds: float) -> None:
        self.times = times
        self.seconds = seconds
        self._tries: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, *keys: str) -> bool:
        """Count one try against every key; False (and nothing counted) if any is used up."""
        now = time.monotonic()
        for key in keys:
            tries = self._tries[key]
            while tries and tries[0] <= now - self.seconds:
                tries.popleft()
            if len(tries) >= self.times:
                return False
        for key in keys:
            self._tries[key].append(now)
        return True
