"""Quick polls: a coordinator asks the group one question; answers by SMS and Telegram count
together.

A poll runs as the ``poll`` flow for each member, so a basic phone gets numbered
options and forgiving replies ("2", "b", the option's words), and Telegram gets
its own poll (not anonymous, so each vote comes back to copro; a changed vote
replaces the old one, and closing copro's poll stops Telegram's), or a button for
each option where Telegram's poll cannot hold them. Each answer is kept as the person's one current vote;
texting VOTE (PLEIDLAIS) before the poll closes asks again and replaces it. At
the closing time the scheduler closes the poll: questions still open are
withdrawn, and the results (counts, percentages and, on Telegram, a bar chart)
go to whoever made the poll and the group's coordinators, and to every member
if the poll said so.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.answers import ChoiceOption, normalise, parse_choices
from bot.channels.telegram.send import VOTE
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.quiet import zone
from bot.core.scheduler import Done, JobOutcome, Scheduler, Skipped
from bot.delivery import charts
from bot.engine.definition import LANGUAGES, Text, text_for
from bot.features import outreach
from bot.host.conversations import Conversations, Say
from bot.language import texts, when
from storage import audit, groups, jobs, messages, participants, polls, sessions
from storage.db import Tx
from storage.models import FlowSession, Group, Job, Participant, Poll

FLOW = "poll"
CLOSE = "poll-close"
WORDS = {"vote", "poll", "pleidlais", "pol", "pôl"}
ASKED_AGAIN = re.compile(r"^(\S+)(?:\s+#?(\d{1,9}))?$")  # VOTE, or VOTE 3 for poll 3
MIN_OPTIONS, MAX_OPTIONS = 2, 10
SOONEST = timedelta(minutes=5)  # a poll must stay open at least this long
WITHDRAWN = "withdrawn: the poll closed"
NATIVE = "telegram"  # the channel with polls of its own
LATE_ANSWERS = timedelta(days=7)  # how long after a close an answer is told the poll has closed


class PollError(ValueError):
    """A poll that cannot be made; ``str()`` says why in plain words."""


@dataclass(frozen=True)
class Tally:
    poll: Poll
    counts: list[int]  # votes for each option, in the poll's order
    voters: int
    members: int

    def ranked(self, lang: str = "en") -> list[tuple[str, int]]:
        """(label, votes), most votes first; ties keep the poll's order."""
        rows = [(text_for(o["label"], lang), n) for o, n in
                zip(self.poll.options, self.counts, strict=True)]
        return sorted(rows, key=lambda row: -row[1])

    def bars(self, lang: str = "en") -> list[tuple[str, int, str]]:
        """(label, votes, ``3 (60%)``): a share of the people who answered, as in the caption,
        so a poll with several answers each is charted as it is told."""
        return [(label, n, f"{n} ({_percent(n, self.voters)})") for label, n in self.ranked(lang)]

    def lines(self, lang: str = "en") -> list[str]:
        return [f"{label}: {said}" for label, _, said in self.bars(lang)]


def _percent(n: int, total: int) -> str:
    return f"{round(100 * n / total)}%" if total else "0%"


def _texts(value: Text) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value.strip()}
    return {lang: words.strip() for lang, words in value.items() if words.strip()}


class Polls:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock

    def register(self, scheduler: Scheduler) -> None:
        self.conversations.on_result(FLOW, self.voted)
        self.conversations.on_action(VOTE, self.voted_natively)
        self.conversations.intercept(self.vote_again)
        self.conversations.intercept(self.too_late)
        scheduler.handle(CLOSE, self.close_due)

    def view(self, poll: Poll) -> dict[str, Any]:
        """What the poll flow is started with (JSON-able)."""
        closes = poll.closes_at.astimezone(zone(self.config.timezone))
        return {"id": poll.id, "question": poll.question, "multiple": poll.multiple,
                "closes": when.stamp(closes),
                "options": [{"value": str(n), "label": o["label"]}
                            for n, o in enumerate(poll.options, start=1)]}

    # --- making and closing a poll ---------------------------------------------------------

    async def create(
        self, s: Tx, group: Group, *, question: Text, options: Sequence[Text],
        closes_at: datetime, multiple: bool = False, share_results: bool = False,
        by: Participant | None = None, starts_at: datetime | None = None, actor: str | None = None,
    ) -> Poll:
        """Make the poll and ask everyone in ``group``, now or from ``starts_at``; ``actor``
        names who made it for the audit trail where ``by`` cannot ("ann (command line)")."""
        now = self.clock()
        starts = max(starts_at or now, now)
        asked = _texts(question)
        if not asked.get("en"):
            raise PollError("a poll needs a question in English")
        labels = [_texts(o) for o in options]
        if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
            raise PollError(f"a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options")
        if any(not o.get("en") for o in labels):
            raise PollError("every option needs words in English")
        if len({o["en"].casefold() for o in labels}) != len(labels):
            raise PollError("two options are the same")
        read = when.dated(closes_at.astimezone(zone(self.config.timezone)))
        if closes_at < now + SOONEST:
            raise PollError(f"the closing time must be at least 5 minutes from now: it was read "
                            f"as {read}")
        if closes_at < starts + SOONEST:
            raise PollError(f"the closing time must be at least 5 minutes after it is sent: it "
                            f"was read as {read}")
        poll = await polls.create(
            s, group_id=group.id, question=asked, options=[{"label": o} for o in labels],
            multiple=multiple, closes_at=closes_at, share_results=share_results,
            created_by=by.id if by else None, at=now,
        )
        await audit.record(s, kind="poll_created", actor=actor or _actor(by),
                           details={"poll": poll.id, "group": group.id}, at=now)
        view = self.view(poll)
        await jobs.plan_many(s, [
            outreach.start_job(pid, FLOW, key=f"poll:{poll.id}:{pid}", due_at=starts,
                               topic=f"poll:{poll.id}", extra={"poll": view}, deadline=closes_at,
                               short=True)
            for pid in await groups.taking_part(s, group.id, roles=("member", "coordinator", "safeguarding"))
        ], at=now)
        await jobs.plan(s, kind=CLOSE, key=f"poll:{poll.id}:close", due_at=closes_at,
                        topic=f"poll:{poll.id}:close", payload={"poll": poll.id}, at=now)
        return poll

    async def close_due(self, s: Tx, job: Job, now: datetime) -> JobOutcome:
        poll = await polls.get(s, int(job.payload["poll"]))
        if poll is None or poll.status != "open":
            return Skipped("closed already")
        sent = await self.close(s, poll)
        return Done(f"results to {sent} people")

    async def close(self, s: Tx, poll: Poll, *, by: str = "copro") -> int:
        """Close ``poll`` now and send the results; returns how many people got them."""
        now = self.clock()
        await polls.close(s, poll, at=now)
        await jobs.cancel(s, topic=f"poll:{poll.id}", at=now, note="the poll closed")
        await jobs.cancel(s, topic=f"poll:{poll.id}:close", at=now, note="the poll closed")
        await self._withdraw(s, poll, now)
        await self._stop_native(s, poll, now)
        await audit.record(s, kind="poll_closed", actor=by, details={"poll": poll.id}, at=now)
        tally = await self.tally(s, poll)
        chart, display = self.chart(tally)
        staff = {p.id: p for p in await groups.people_with_role(s, [poll.group_id], ["coordinator"])}
        if poll.created_by is not None and poll.created_by not in staff:
            maker = await participants.get(s, poll.created_by)
            if maker is not None:
                staff[maker.id] = maker
        for person in staff.values():
            await self.conversations.say_in(
                s, person, texts.POLL_RESULTS, key=f"poll:{poll.id}:results:{person.id}",
                scope=self.scope(tally), topic=f"poll:{poll.id}:results",
                photo=chart, display=display,
            )
        if poll.share_results:
            members = await groups.taking_part(s, poll.group_id)
            await jobs.plan_many(s, [
                outreach.say_job(pid, texts.POLL_RESULTS, key=f"poll:{poll.id}:shared:{pid}",
                                 due_at=now, topic=f"poll:{poll.id}:results",
                                 scope=self.scope(tally))
                for pid in members if pid not in staff
            ], at=now)
        return len(staff)

    async def _withdraw(self, s: Tx, poll: Poll, now: datetime) -> None:
        """A closed poll asks no more: its questions and nudges not yet sent are withdrawn
        (those held for someone's contact hours too), and open questions end without a word,
        whether sent by the poll or asked again with VOTE."""
        await messages.withdraw(s, topic=f"poll:{poll.id}", reason=WITHDRAWN, at=now)
        asked = await sessions.started_about(s, flow_id=FLOW, name="poll", subject_id=poll.id,
                                             since=poll.created_at)
        await messages.withdraw_sessions(s, [row.id for row in asked], reason=WITHDRAWN, at=now)
        for row in asked:
            if row.status in ("active", "aside"):
                was = row.status
                await sessions.save_session(s, row, step=row.step, state=row.state,
                                            status="interrupted", timeout_at=None, now=now)
                person = await participants.get(s, row.participant_id) if was == "active" else None
                if person is not None:  # a conversation it was asked in front of comes back
                    await self.conversations.come_back(s, person, key=f"poll:{poll.id}:withdrawn:{row.id}")

    async def _stop_native(self, s: Tx, poll: Poll, now: datetime) -> None:
        """Telegram's own polls that asked it take no more votes."""
        asked = await polls.asked_natively(s, NATIVE, topic=f"poll:{poll.id}")
        rows = [{"participant_id": m.participant_id, "channel": m.channel, "address": m.address,
                 "body": "", "display": {"stop_poll": m.provider_id},
                 "idempotency_key": f"poll:{poll.id}:stop:{m.id}", "topic": f"poll:{poll.id}:stop",
                 "priority": messages.NORMAL}
                for m in asked if m.provider_id]
        if await messages.queue_many(s, rows, at=now):
            self.conversations.wake_after(s)

    def chart(self, tally: Tally) -> tuple[str, dict[str, Any]]:
        """The results as a bar chart, drawn by the sender (outside this transaction): the
        picture's file, and the message display that has it drawn."""
        return charts.planned(self.config.media_dir / "charts", f"poll-{tally.poll.id}",
                              text_for(tally.poll.question, "en"), tally.bars("en"))

    def scope(self, tally: Tally) -> dict[str, Any]:
        """Template variables for the results, in every language (the template picks)."""
        return {"question": {lang: text_for(tally.poll.question, lang) for lang in LANGUAGES},
                "lines": {lang: tally.lines(lang) for lang in LANGUAGES},
                "voters": tally.voters, "members": tally.members}

    async def tally(self, s: Tx, poll: Poll) -> Tally:
        counts = [0] * len(poll.options)
        cast = await polls.votes(s, poll.id)
        for vote in cast:
            for number in vote.choices:
                if 1 <= number <= len(counts):
                    counts[number - 1] += 1
        everyone = await groups.taking_part(s, poll.group_id, roles=("member", "coordinator", "safeguarding"))
        return Tally(poll, counts, len(cast), len(everyone))

    # --- votes ------------------------------------------------------------------------------

    async def voted(
        self, s: Tx, person: Participant, row: FlowSession, key: str, value: Any
    ) -> None:
        poll_id = sessions.subject_of(row, "poll")
        if key != "vote" or poll_id is None or value is None:
            return
        poll = await polls.get(s, poll_id)
        now = self.clock()
        if poll is None or poll.status != "open" or now >= poll.closes_at:
            return
        chosen = [int(v) for v in (value if isinstance(value, list) else [value]) if str(v).isdigit()]
        addresses = await participants.addresses_of(s, person.id)
        channel = next((a.channel for a in addresses if a.status == "ok"), "unknown")
        await polls.vote(s, poll, person.id, chosen, channel=channel, at=now)

    async def voted_natively(self, s: Tx, person: Participant, args: list[str], say: Say) -> None:
        """A vote in the Telegram poll copro sent the person: their vote, replacing any before
        (none at all when they take it back). The question it answers is over."""
        ref, numbers = [*args, "", ""][:2]
        found = await polls.asked_natively(s, NATIVE, poll_ref=ref)
        asked = found[0] if found else None
        topic = (asked.topic or "").split(":") if asked else []
        poll = await polls.get(s, int(topic[1])) if len(topic) == 2 and topic[1].isdigit() else None
        now = self.clock()
        if (asked is None or poll is None or asked.participant_id != person.id
                or poll.status != "open" or now >= poll.closes_at):
            return  # Telegram shows a closed poll as closed: nothing to say
        chosen = sorted({int(n) for n in numbers.split(",")
                         if n.isdigit() and 1 <= int(n) <= len(poll.options)})
        if chosen:
            await polls.vote(s, poll, person.id, chosen if poll.multiple else chosen[:1],
                             channel=NATIVE, at=now)
        else:
            await polls.unvote(s, poll, person.id)
        session = await sessions.get(s, asked.session_id) if asked.session_id else None
        if session is not None and session.status in ("active", "aside"):
            await sessions.save_session(s, session, step=session.step, state=session.state,
                                        status="completed", timeout_at=None, now=now)

    async def vote_again(self, s: Tx, person: Participant, text: str, say: Say) -> bool:
        """VOTE (outside another conversation): the poll of their groups still open, asked
        again; with several open, VOTE and a number (``VOTE 3``) says which, and VOTE alone
        is answered with the list to choose from."""
        if text.lstrip().startswith("/"):
            return False  # "/poll" is a coordinator's command
        found = ASKED_AGAIN.match(normalise(text))
        if found is None or found[1] not in WORDS:
            return False
        current = await sessions.active_session(s, person.id)
        if current is not None and current.flow_id != FLOW:
            return False  # an answer in another conversation
        now = self.clock()
        group_ids = [g.id for g in await groups.groups_of(s, person.id)]
        open_now = [p for p in await polls.listed(s, group_ids=group_ids)
                    if p.status == "open" and now < p.closes_at]
        number = int(found[2]) if found[2] else None
        chosen = [p for p in open_now if number is None or p.id == number]
        if not chosen:
            await say(texts.POLL_NONE)
            return True
        if len(chosen) > 1:
            lang = person.language
            await say(texts.POLL_WHICH, {"polls": [
                {"number": p.id, "question": text_for(p.question, lang)} for p in chosen]})
            return True
        poll = chosen[0]
        await self.conversations.start_in(
            s, person, FLOW, key=f"poll:{poll.id}:{person.id}:again:{uuid.uuid4().hex}",
            extra={"poll": self.view(poll)}, topic=f"poll:{poll.id}", quiet=False,
        )
        return True

    async def too_late(self, s: Tx, person: Participant, text: str, say: Say) -> bool:
        """An answer to a poll that closed while its question was open: "that poll has
        closed", rather than the menu."""
        if await sessions.active_session(s, person.id) is not None:
            return False
        last = await sessions.latest_session(s, person.id)
        poll_id = sessions.subject_of(last, "poll") if last and last.flow_id == FLOW else None
        if last is None or poll_id is None or last.status != "interrupted":
            return False
        poll = await polls.get(s, poll_id)
        if poll is None or poll.status == "open" or poll.closed_at is None:
            return False
        if self.clock() - poll.closed_at > LATE_ANSWERS or not _answers(poll, text):
            return False
        await say(texts.POLL_CLOSED, {"question": {lang: text_for(poll.question, lang)
                                                   for lang in LANGUAGES}})
        return True


def _answers(poll: Poll, text: str) -> bool:
    """Whether ``text`` reads as an answer to ``poll`` (a number, or an option's words)."""
    options = [ChoiceOption(str(n), tuple(_texts(o["label"]).values()))
               for n, o in enumerate(poll.options, start=1)]
    return bool(parse_choices(text, options))


def _actor(by: Participant | None) -> str:
    return f"participant:{by.id}" if by else "command line"
