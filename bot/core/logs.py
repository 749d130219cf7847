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
from pathlib import Path

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REASON_LENGTH = 160  # of a failure's reason, as logged and kept (a job's note, a spooled text)
# A phone number or a Telegram chat id, as written: seven digits or more (single spaces
# between them allowed), not inside a word such as a Twilio SID.
NUMBER = re.compile(r"(?<![\w.])[+-]?\d(?: ?\d){6,}(?![\w])")


def mask(address: str) -> str:
    """``+447700900789`` → ``+44******789`` (``whatsapp:+44******789`` on WhatsApp); short or
    odd addresses keep even less."""
    if address.startswith("whatsapp:"):
        return "whatsapp:" + mask(address.removeprefix("whatsapp:"))
    if len(address) <= 6:
        return "*" * len(address)
    return address[:3] + "*" * (len(address) - 6) + address[-3:]


def mask_numbers(text: str) -> str:
    """``text`` with every phone number and chat id in it masked, whoever wrote the line."""
    return NUMBER.sub(lambda m: mask(m.group().replace(" ", "")), text)


def reason(exc: BaseException) -> str:
    """What went wrong, short and without people's details: the error's type and the first
    line of its message (a database error's own, not the statement and its values), with
    anything like a phone number masked."""
    orig = getattr(exc, "orig", None)  # a database error: the driver's, without the SQL
    inner = orig if isinstance(orig, BaseException) else exc
    first = (str(inner).strip().splitlines() or [""])[0][:REASON_LENGTH]
    first = mask_numbers(first)
    return f"{type(inner).__name__}: {first}" if first else type(inner).__name__


class TextFormatter(logging.Formatter):
    """The text format, numbers masked (in the message and in any traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_numbers(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and the error, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_numbers(record.getMessage()),
        }
        if record.exc_info:
            entry["error"] = mask_numbers(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def setup(level: str = "INFO", format: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if format == "json" else TextFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet_libraries()


def to_file(path: Path) -> None:
    """Send the log to ``path`` from now on (the terminal chat keeps its screen for the chat)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    formatter = root.handlers[0].formatter if root.handlers else TextFormatter(TEXT_FORMAT)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(formatter)
    root.handlers[:] = [handler]


# Libraries whose chatter (alembic's, each step of a migration) is for debugging only:
# warnings and worse, unless DEBUG is asked for.
NOISY = ("apscheduler", "uvicorn.error", "alembic")
# Libraries that log what people send and are sent (PTB logs each call's text at DEBUG, the
# Twilio SDK each request, SQLAlchemy each row): warnings and worse, even at DEBUG.
PERSONAL = ("httpx", "httpcore", "telegram", "twilio", "aiohttp", "aiosqlite", "asyncpg",
            "sqlalchemy.engine", "sqlalchemy.pool")


def quiet_libraries() -> None:
    root = logging.getLogger()
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    for personal in PERSONAL:
        logging.getLogger(personal).setLevel(logging.WARNING)
