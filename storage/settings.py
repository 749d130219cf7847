"""What a database connection is set up with: the pool's size, how long to wait, and where the
embedded SQLite file lives. Kept apart from ``storage.db`` so that reading copro's
configuration (``bot.core.config``, the Docker health check) does not load SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The most connections a Database opens at once, unless told otherwise (SQLAlchemy's own default
# of five kept open and ten more when needed).
POOL_SIZE = 15


@dataclass(frozen=True)
class Waits:
    """How long, in seconds, copro waits on the database before giving up on one thing.

    ``pool``: for a free connection (and, on SQLite, for this process's turn to write);
    ``busy``: on SQLite, for another process's write lock; ``connect``: for PostgreSQL to
    accept a connection; ``statement`` and ``lock``: on PostgreSQL, for one statement and
    for one lock (``0``: no limit).
    """

    pool: float = 10.0
    busy: float = 5.0
    connect: float = 5.0
    statement: float = 60.0
    lock: float = 10.0


def default_sqlite_url(data_dir: Path, name: str = "copro.db") -> str:
    return f"sqlite+aiosqlite:///{Path(data_dir) / name}"
