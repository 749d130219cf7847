"""The coordinators' desk: /broadcast, /poll, /meeting, /results and /claims from a phone.

Each command is a short guided conversation, one question at a time (which
group? what should it say? ...), ending with a preview and "Send it? YES" before
anything goes out; BACK stops at any point. What has been answered so far is a
draft in the database, so it survives a restart and runs out after half an
hour. Only someone who coordinates a group (or an admin) gets past the first
word; anyone else is told politely that only coordinators can do that. The
commands call the same functions as ``copro`` on the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.answers import normalise, parse_yes_no
from bot.core.clock import utcnow
from bot.core.config import Config
from bot.core.quiet import zone
from bot.engine.definition import text_for
from bot.features import outreach, roles
from bot.features.broadcasts import BroadcastError, Broadcasts
from bot.features.claims import Claims
from bot.features.groups import nearest
from bot.features.meetings import MeetingError, Meetings
from bot.features.polls import PollError, Polls
from bot.host.conversations import Conversations, Say
from bot.language import texts, when
from storage import claims, drafts, groups, polls
from storage.db import Tx
from storage.models import Group, Participant, Poll

COMMANDS = ("broadcast", "poll", "meeting", "results", "claims")
STEPS = {
    "broadcast": ("group", "text", "welsh", "confirm"),
    "poll": ("group", "question", "options", "welsh", "multiple", "closes", "share", "confirm"),
    "meeting": ("group", "title", "starts", "place", "confirm"),
    "results": ("poll",),
}
BACK = {"back", "nol", "yn ol", "stop it", "never mind", "dim diolch"}
SKIP = {"skip", "none", "no", "hepgor", "dim", "na"}
LASTS = timedelta(minutes=30)
MAX_BUTTONS = 8


class Again(ValueError):
    """An answer the desk cannot use; ``str()`` says why, in words for the coordinator."""


@dataclass(frozen=True)
class Step:
    text: Mapping[str, str]
    scope: dict[str, Any]
    buttons: list[tuple[str, str]]  # (label, what tapping it sends)


class Desk:
    def __init__(
        self, conversations: Conversations, config: Config, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.conversations = conversations
        self.config = config
        self.clock = clock
        self.polls = Polls(conversations, config, clock)
        self.broadcasts = Broadcasts(conversations, config, clock)
        self.meetings = Meetings(conversations, config, clock)
        self.claims = Claims(conversations, config, clock)

    def register(self) -> None:
        self.conversations.intercept(self.handle)
        self.conversations.on_action("desk", self.tapped)
        self.conversations.on_help(self.help)

    async def help(self, s: Tx, person: Participant, say: Say) -> None:
        if await roles.coordinated_groups(s, person):
            await say(texts.DESK_HELP)

    # --- messages and taps -----------------------------------------------------------------

    async def handle(self, s: Tx, person: Participant, text: str, say: Say) -> bool:
        word = text.strip()
        if word.startswith("/"):
            name = word[1:].split()[0].split("@")[0].lower() if len(word) > 1 else ""
            if name not in COMMANDS:
                return False
            mine = await roles.coordinated_groups(s, person)
            if not mine:
                await say(texts.DESK_NOT_ALLOWED)
                return True
            await drafts.clear(s, person.id)
            rest = word.split(maxsplit=1)[1].strip() if " " in word else ""
            await self._begin(s, person, name, rest, mine, say)
            return True
        draft = await drafts.current(s, person.id, now=self.clock())
        if draft is None or draft.command not in STEPS:
            return False
        await self._answer(s, person, draft.command, draft.step, dict(draft.state), word, say)
        return True

    async def tapped(self, s: Tx, person: Participant, args: list[str], say: Say) -> None:
        """A button under one of the desk's questions: the same as typing its answer."""
        draft = await drafts.current(s, person.id, now=self.clock())
        if draft is not None and draft.command in STEPS and len(args) == 2 and args[0] == draft.step:
            await self._answer(s, person, draft.command, draft.step, dict(draft.state), args[1], say)

    # --- the guided conversations ---------------------------------------------------------------

    async def _begin(
        self, s: Tx, person: Participant, name: str, rest: str, mine: list[Group],
        say: Say,
    ) -> None:
        if name == "claims":
            await self._claims(s, person, mine, say)
            return
        state: dict[str, Any] = {"groups": [g.id for g in mine]}
        if name == "results":
            if rest.isdigit():
                await self._results(s, person, int(rest), mine, say)
                return
            if not await polls.listed(s, group_ids=state["groups"]):
                await say(texts.DESK_NO_POLLS)
                return
        if len(mine) == 1:
            state["group"] = mine[0].id
        await self._next(s, person, name, state, say)

    async def _answer(
        self, s: Tx, person: Participant, command: str, step: str, state: dict[str, Any],
        word: str, say: Say,
    ) -> None:
        if normalise(word) in BACK:
            await drafts.clear(s, person.id)
            await say(texts.DESK_LEFT)
            return
        try:
            done = await self._take(s, person, command, step, state, word, say)
        except Again as why:
            await say(texts.DESK_AGAIN, {"why": str(why)})
            await self._ask(s, person, command, step, state, say)
            return
        if not done:
            await self._next(s, person, command, state, say)

    async def _next(
        self, s: Tx, person: Participant, command: str, state: dict[str, Any], say: Say
    ) -> None:
        """Ask the first question this draft has no answer to yet."""
        step = next(name for name in STEPS[command] if name not in state)
        await drafts.begin(s, person.id, command=command, step=step, state=state,
                           expires_at=self.clock() + LASTS, now=self.clock())
        await self._ask(s, person, command, step, state, say)

    async def _ask(
        self, s: Tx, person: Participant, command: str, step: str,
        state: dict[str, Any], say: Say,
    ) -> None:
        asked = await self._question(s, person, command, step, state)
        buttons = [{"label": label[:64], "data": f"desk:{step}:{value}"}
                   for label, value in asked.buttons[:MAX_BUTTONS]]
        await say(asked.text, asked.scope, {"buttons": buttons} if buttons else None)

    async def _question(
        self, s: Tx, person: Participant, command: str, step: str, state: dict[str, Any]
    ) -> Step:
        group = await groups.get_group(s, state["group"]) if "group" in state else None
        scope: dict[str, Any] = {"group": group.name if group else ""}
        example = (self.clock() + timedelta(days=7)).astimezone(zone(self.config.timezone))
        scope["example"] = f"{example:%Y-%m-%d} 2pm"
        if step == "group":
            mine = [g for g in await groups.all_groups(s) if g.id in state["groups"]]
            return Step(texts.DESK_WHICH_GROUP, scope,
                        [(f"{n}. {g.name}", str(n)) for n, g in enumerate(mine, start=1)])
        if step == "poll":  # each poll under its own number, as /results 12 and the CLI know it
            found = (await polls.listed(s, group_ids=state["groups"]))[:MAX_BUTTONS]
            return Step(texts.DESK_WHICH_POLL, scope,
                        [(f"{p.id}. {text_for(p.question, person.language)}", str(p.id))
                         for p in found])
        if step == "confirm":
            return Step(*await self._preview(s, command, state, group))
        yes_no = [("Yes", "yes"), ("No", "no")] if step in ("multiple", "share") else []
        return Step(QUESTIONS[(command, step)], scope, yes_no)

    async def _take(
        self, s: Tx, person: Participant, command: str, step: str,
        state: dict[str, Any], word: str, say: Say,
    ) -> bool:
        """Keep the answer to ``step``; True when the command is done (the draft is cleared)."""
        if step == "group":
            mine = [g for g in await groups.all_groups(s) if g.id in state["groups"]]
            state["group"] = _pick(word, [g.name for g in mine], [g.id for g in mine], "group")
        elif step == "poll":
            found = (await polls.listed(s, group_ids=state["groups"]))[:MAX_BUTTONS]
            cleaned = normalise(word).lstrip("#").rstrip(".")
            if not (cleaned.isdigit() and int(cleaned) in {p.id for p in found}):
                raise Again("I could not tell which poll you meant: reply with its number")
            chosen = int(cleaned)
            await drafts.clear(s, person.id)
            await self._results(s, person, int(chosen), await roles.coordinated_groups(s, person), say)
            return True
        elif step in ("text", "question", "title"):
            if not word:
                raise Again("that was empty")
            state[step] = word
        elif step == "welsh" and command == "poll":
            state[step] = None if normalise(word) in SKIP else _welsh_poll(word, state["options"])
        elif step in ("welsh", "place"):
            state[step] = None if normalise(word) in SKIP else word
        elif step == "options":
            options = [line.strip(" -•*\t") for line in word.splitlines() if line.strip(" -•*\t")]
            if not 2 <= len(options) <= 10:
                raise Again(f"I found {len(options)} answer(s); a poll needs 2 to 10, one on each line")
            state["options"] = options
        elif step in ("multiple", "share"):
            answer = parse_yes_no(word)
            if answer is None:
                raise Again("please reply YES or NO")
            state[step] = answer
        elif step in ("closes", "starts"):
            try:
                moment = when.read(word, self.config.timezone, now=self.clock())
            except ValueError as exc:
                raise Again(str(exc)) from None
            state[step] = moment.isoformat()
        elif step == "confirm":
            answer = parse_yes_no(word)
            if answer is None:
                raise Again("please reply YES to send it, or BACK to stop")
            await drafts.clear(s, person.id)
            if answer:
                await self._do(s, person, command, state, say)
            else:
                await say(texts.DESK_LEFT)
            return True
        return False

    async def _preview(
        self, s: Tx, command: str, state: dict[str, Any], group: Group | None
    ) -> tuple[Mapping[str, str], dict[str, Any], list[tuple[str, str]]]:
        assert group is not None
        people = len(await groups.taking_part(s, group.id, roles=("member", "coordinator",
                                                                  "safeguarding")))
        confirm = [("Yes, send it", "yes"), ("No", "no")]
        if command == "broadcast":
            words = state["text"] + (f"\n\n{state['welsh']}" if state.get("welsh") else "")
            return texts.DESK_BROADCAST_PREVIEW, {"group": group.name, "people": people,
                                                  "text": words}, confirm
        if command == "poll":
            welsh = state.get("welsh") or {}
            return texts.DESK_POLL_PREVIEW, {
                "group": group.name, "people": people, "question": state["question"],
                "options": state["options"], "welsh": welsh, "multiple": state["multiple"],
                "closes": state["closes"], "share": state["share"]}, confirm
        return texts.DESK_MEETING_PREVIEW, {
            "group": group.name, "title": state["title"], "starts": state["starts"],
            "place": state.get("place")}, [("Yes, add it", "yes"), ("No", "no")]

    async def _do(self, s: Tx, person: Participant, command: str, state: dict[str, Any],
                  say: Say) -> None:
        group = await groups.get_group(s, state["group"])
        assert group is not None
        try:
            if command == "broadcast":
                words = {"en": state["text"], **({"cy": state["welsh"]} if state.get("welsh") else {})}
                _, reach = await self.broadcasts.send(s, group, words, by=person)
                opens = outreach.spoken_for(reach.opens, person, self.config, "o") if reach.opens else ""
                await say(texts.DESK_SENT, {"reach": asdict(reach), "opens": opens})
            elif command == "poll":
                welsh = state.get("welsh") or {}
                poll = await self.polls.create(
                    s, group, question={"en": state["question"], "cy": welsh.get("question", "")},
                    options=[{"en": o, "cy": c} for o, c in zip(
                        state["options"], welsh.get("options") or [""] * len(state["options"]),
                        strict=True)],
                    closes_at=datetime.fromisoformat(state["closes"]), multiple=state["multiple"],
                    share_results=state["share"], by=person)
                await say(texts.DESK_POLL_MADE, {"number": poll.id})
            else:
                meeting = await self.meetings.add(
                    s, group, title=state["title"], starts_at=datetime.fromisoformat(state["starts"]),
                    place=state.get("place"), by=f"participant:{person.id}")
                first = max(meeting.starts_at - self.config.meetings.reminders[0], self.clock())
                await say(texts.DESK_MEETING_MADE, {
                    "number": meeting.id,
                    "invite": first.astimezone(zone(self.config.timezone)).isoformat()})
        except (BroadcastError, PollError, MeetingError) as exc:
            await say(texts.DESK_AGAIN, {"why": str(exc)})

    async def _results(
        self, s: Tx, person: Participant, poll_id: int, mine: list[Group], say: Say
    ) -> None:
        poll = await polls.get(s, poll_id)
        if poll is None or poll.group_id not in {g.id for g in mine}:
            await say(texts.DESK_AGAIN, {"why": f"there is no poll {poll_id} for your groups"})
            return
        await self._show(s, person, poll, say)

    async def _show(self, s: Tx, person: Participant, poll: Poll, say: Say) -> None:
        tally = await self.polls.tally(s, poll)
        chart, display = self.polls.chart(tally)  # as things stand: the poll may still be open
        await say(texts.POLL_RESULTS, self.polls.scope(tally), display, photo=chart)

    async def _claims(self, s: Tx, person: Participant, mine: list[Group], say: Say) -> None:
        waiting = await claims.listed(s, statuses=["submitted"], group_ids=[g.id for g in mine])
        if not waiting:
            await say(texts.DESK_NO_CLAIMS)
            return
        for claim in waiting[:20]:
            await self.claims.offer(s, claim, person, asked=say)


QUESTIONS: dict[tuple[str, str], Mapping[str, str]] = {
    ("broadcast", "text"): texts.DESK_BROADCAST_TEXT,
    ("broadcast", "welsh"): texts.DESK_BROADCAST_WELSH,
    ("poll", "question"): texts.DESK_POLL_QUESTION,
    ("poll", "options"): texts.DESK_POLL_OPTIONS,
    ("poll", "welsh"): texts.DESK_POLL_WELSH,
    ("poll", "multiple"): texts.DESK_POLL_MULTIPLE,
    ("poll", "closes"): texts.DESK_POLL_CLOSES,
    ("poll", "share"): texts.DESK_POLL_SHARE,
    ("meeting", "title"): texts.DESK_MEETING_TITLE,
    ("meeting", "starts"): texts.DESK_MEETING_WHEN,
    ("meeting", "place"): texts.DESK_MEETING_WHERE,
}


def _welsh_poll(word: str, options: list[str]) -> dict[str, Any]:
    """The Welsh question (first line) and answers (one a line, in the English order)."""
    lines = [line.strip(" -•*\t") for line in word.splitlines() if line.strip(" -•*\t")]
    if len(lines) != 1 + len(options):
        raise Again(f"I need the question on the first line, then {len(options)} answers, one on "
                    f"each line, in the same order as in English (I found {len(lines)} lines)")
    return {"question": lines[0], "options": lines[1:]}


def _pick(word: str, names: list[str], values: list[Any], what: str) -> Any:
    """The value a number (or, with ``names``, a name) picks."""
    cleaned = normalise(word).rstrip(".")
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(values):
        return values[int(cleaned) - 1]
    for name, value in zip(names, values, strict=False):
        if normalise(name) == cleaned:
            return value
    guess = nearest(word, names) if names else None
    raise Again(f"I could not tell which {what} you meant"
                + (f": did you mean {guess}? Reply with its number or name" if guess else ""))

