"""A poll's answers by the way they came (SMS, WhatsApp, Telegram buttons, Telegram's own
poll), and who has not answered yet: what the desk shows while a poll is open.

A vote keeps the channel it came by; on Telegram, a vote from someone who was sent
Telegram's own poll was cast in it, and any other Telegram vote by a button.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.features.polls import NATIVE, Tally
from storage import groups, participants, polls
from storage.db import Tx
from storage.models import Poll

WAYS = ("sms", "whatsapp", "telegram_buttons", "telegram_poll")
ROLES = ("member", "coordinator", "safeguarding")  # as ``Polls.tally`` counts the people asked


@dataclass(frozen=True)
class Answers:
    tally: Tally
    by_way: dict[str, list[int]]  # for each way, the votes for each option, in the poll's order
    people: dict[str, int]  # for each way, how many people answered by it
    waiting: list[tuple[int, str]]  # (participant id, name) of those who have not answered


async def answers(s: Tx, tally: Tally) -> Answers:
    poll: Poll = tally.poll
    natively = {m.participant_id for m in await polls.asked_natively(s, NATIVE, topic=f"poll:{poll.id}")}
    by_way = {way: [0] * len(poll.options) for way in WAYS}
    people = dict.fromkeys(WAYS, 0)
    voted: set[int] = set()
    for vote in await polls.votes(s, poll.id):
        way = vote.channel if vote.channel in ("sms", "whatsapp") else (
            "telegram_poll" if vote.participant_id in natively else "telegram_buttons")
        voted.add(vote.participant_id)
        people[way] += 1
        for number in vote.choices:
            if 1 <= number <= len(poll.options):
                by_way[way][number - 1] += 1
    asked = await groups.taking_part(s, poll.group_id, roles=ROLES)
    names = await participants.get_many(s, [pid for pid in asked if pid not in voted])
    waiting = sorted(((pid, p.name or f"participant {pid}") for pid, p in names.items()),
                     key=lambda row: row[1].casefold())
    return Answers(tally, by_way, people, waiting)
