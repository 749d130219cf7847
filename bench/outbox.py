"""The outbox sender alone: the statements and the CPU it spends on each message it sends.

    .venv/bin/python bench/outbox.py                       # SQLite
    .venv/bin/python bench/outbox.py --backend postgresql --pg-url postgresql+asyncpg://...
    .venv/bin/python bench/outbox.py --batch 20            # 20 messages due at each look

A peak as the sender sees it: ``--people`` people, and for each of ``--rounds``
rounds ``--batch`` of them get a message (one a person), then the sender sends
everything due (``Sender.drain``) to a channel that takes every message at once.
With ``--batch 1`` each message is claimed and recorded alone, as when replies
go one at a time. Prints the CPU time of the process a message (the database
driver's thread included) and the statements a message, by kind, counted with
SQLAlchemy's cursor events; the queueing of the messages is counted among the
statements (one INSERT each) but not in the CPU. The first round is left out.
PostgreSQL runs wipe the database named by ``--pg-url``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import PG_URL, fresh
from sqlalchemy import event

from bot.core.clock import utcnow
from bot.core.config import load_config
from bot.delivery.channel import Outgoing, Sent
from bot.delivery.outbox import Sender
from storage import messages, participants


class Taker:
    """A channel that takes every message at once."""

    name = "telegram"

    def cost(self, message: Outgoing) -> int:
        return 1

    def limits(self, message: Outgoing) -> list[tuple[str, float, float]]:
        return []

    async def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"p{message.id}")


def kind(statement: str) -> str:
    """A statement's first words, enough to tell the sender's statements apart."""
    words = " ".join(statement.split())
    if words.startswith("UPDATE messages SET status=") and "RETURNING" in words:
        return "claim (UPDATE ... RETURNING)"
    if "NOT (EXISTS" in words:
        return "claim (SELECT)"
    return words[:70]


async def run(url: str, people: int, batch: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp())
    (folder / "copro.toml").write_text("[outbox]\n", encoding="utf-8")
    config = load_config(folder / "copro.toml", env={"COPRO_DATA_DIR": str(folder)})
    db = await fresh(url)
    async with db.transaction() as s:
        ids = [(await participants.create(s, channel="telegram", address=str(1000 + n))).id
               for n in range(people)]
    counts: collections.Counter[str] = collections.Counter()

    @event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts[kind(statement)] += 1

    sender = Sender(db, {"telegram": Taker()}, config)
    cpu, sent = 0.0, 0
    for round_ in range(rounds + 1):
        async with db.transaction() as s:
            for n in range(batch):
                who = (round_ * batch + n) % people
                await messages.queue_outbound(
                    s, participant_id=ids[who], session_id=None, channel="telegram",
                    address=str(1000 + who), body=f"Question {round_}", options=["Yes", "No"],
                    idempotency_key=None, at=utcnow())
        if round_ == 1:  # the first round warms up (statements compiled, caches filled)
            counts.clear()
            cpu, sent = 0.0, 0
        started = time.process_time()
        sent += await sender.drain()
        cpu += time.process_time() - started
    await db.close()
    print(f"{db.engine.dialect.name}, {batch} due at each look: {sent} sent, "
          f"CPU {cpu / sent * 1000:.2f} ms a message, "
          f"{sum(counts.values()) / sent:.2f} statements a message")
    for what, n in counts.most_common():
        print(f"  {n / sent:5.2f}  {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--batch", type=int, default=1, help="messages due at each look")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="a scratch PostgreSQL database (wiped)")
    args = parser.parse_args()
    url = (f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bench.db" if args.backend == "sqlite"
           else args.pg_url)
    asyncio.run(run(url, args.people, args.batch, args.rounds))


if __name__ == "__main__":
    main()
