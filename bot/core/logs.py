"""Logging that keeps people's details out of the log: masked addresses, no bodies.

Two formats: ``text`` for a person at a terminal, ``json`` (one object a line)
for a log collector.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REASON_LENGTH = 160  # of a failure's reason, as logged and kept (a job's note, a spooled text)
NUMBERS = re.compile(r"\+?\d[\d ]{5,}\d")  # phone numbers and the like, masked in reasons


def mask(address: str) -> str:
    """``+447700900789`` → ``+44******789``; short or odd addresses keep even less."""
    if len(address) <= 6:
        return "*" * len(address)
    return address[:3] + "*" * (len(address) - 6) + address[-3:]


def reason(exc: BaseException) -> str:
    """What went wrong, short and without people's details: the error's type and the first
    line of its message (a database error's own, not the statement and its values), with
    anything like a phone number masked."""
    orig = getattr(exc, "orig", None)  # a database error: the driver's, without the SQL
    inner = orig if isinstance(orig, BaseException) else exc
    first = (str(inner).strip().splitlines() or [""])[0][:REASON_LENGTH]
    first = NUMBERS.sub(lambda m: mask(m.group()), first)
    return f"{type(inner).__name__}: {first}" if first else type(inner).__name__


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and the error, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(level: str = "INFO", format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_libraries()


# Libraries that log each HTTP request (with addresses, and the Twilio account in its URLs),
# and alembic, each step of a migration.
NOISY = ("httpx", "httpcore", "telegram", "twilio", "apscheduler", "uvicorn.error", "aiohttp",
         "alembic")


def quiet_libraries() -> None:
    """Libraries' chatter is for debugging only: warnings and worse, unless DEBUG is asked for."""
    root = logging.getLogger()
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
