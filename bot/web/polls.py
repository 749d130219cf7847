"""Polls and messages to a group on the desk: write them in English and Welsh side by side,
see them as a text message and on Telegram before they go (who gets them now, who waits
for their contact hours, the SMS parts and their cost), send now or at a time, and watch
a poll's answers arrive from every channel; close it.

The same ``Polls`` and ``Broadcasts`` code as ``copro polls`` and /poll; each is audited
with who did it from the desk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.quiet import zone
from bot.engine.definition import Text, text_for
from bot.engine.templates import Templates
from bot.features.broadcasts import BroadcastError, Broadcasts, Preview
from bot.features.poll_answers import WAYS, answers
from bot.features.polls import FLOW, PollError, Polls
from bot.language import when
from bot.language.render import numbered
from bot.web.pages import Desk, Refused, Viewer
from bot.web.words import word
from storage import groups, polls
from storage.db import Tx, savepoint
from storage.models import Group, Poll

LANGS = ("en", "cy")


class Unusable(ValueError):
    """A form the desk cannot use as it is; ``str()`` says why. Nothing is sent."""


class _Trial(Exception):
    """Undoes a poll made only to be checked: the same checks as sending, nothing kept."""


@dataclass
class Draft:
    """What the coordinator wrote, kept as written so a problem loses nothing."""

    kind: str = "poll"  # "poll" or "broadcast"
    group: str = ""
    question: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)  # one option a line
    text: dict[str, str] = field(default_factory=dict)
    closes: str = ""
    send_at: str = ""
    multiple: bool = False
    share: bool = False

    @classmethod
    def read(cls, form: FormData) -> Draft:
        def got(name: str) -> str:
            return str(form.get(name, "")).strip()

        return cls(kind="broadcast" if got("kind") == "broadcast" else "poll", group=got("group"),
                   question={lang: got(f"question_{lang}") for lang in LANGS},
                   options={lang: got(f"options_{lang}") for lang in LANGS},
                   text={lang: got(f"text_{lang}") for lang in LANGS},
                   closes=got("closes"), send_at=got("send_at"),
                   multiple=bool(form.get("multiple")), share=bool(form.get("share")))

    def lines(self, lang: str) -> list[str]:
        return [line.strip() for line in self.options.get(lang, "").splitlines() if line.strip()]

    def asked(self) -> Text:
        return {lang: words for lang, words in self.question.items() if words}

    def answers(self) -> list[Text]:
        english, welsh = self.lines("en"), self.lines("cy")
        if welsh and len(welsh) != len(english):
            raise Unusable(f"give the answers in Welsh in the same order as in English, one a line "
                           f"({len(english)} in English, {len(welsh)} in Welsh)")
        return [{"en": words, **({"cy": welsh[n]} if welsh else {})} for n, words in enumerate(english)]

    def words(self) -> Text:
        return {lang: words for lang, words in self.text.items() if words}


def sms_texts(d: Desk, draft: Draft) -> dict[str, str]:
    """What a basic phone shows, in each language written: the poll flow's own question with
    its numbered answers, or the message's words as they are."""
    if draft.kind == "broadcast":
        return {lang: words for lang, words in draft.text.items() if words}
    flow = d.conversations.library[FLOW].flow
    step = next(s for s in flow.steps if s.id == ("several" if draft.multiple else "one"))
    assert step.ask is not None
    options = draft.answers()
    shown = {}
    for lang in LANGS:
        if lang != "en" and not (draft.question.get(lang) or draft.lines(lang)):
            continue
        scope = {"lang": lang, "poll": {"question": draft.asked(), "multiple": draft.multiple}}
        body = Templates().text(text_for(step.ask, lang), scope)
        shown[lang] = numbered(body, [text_for(o, lang) for o in options])
    return shown


def routes(d: Desk) -> list[BaseRoute]:
    asking = Polls(d.conversations, d.config, d.clock)
    telling = Broadcasts(d.conversations, d.config, d.clock)

    def mine(viewer: Viewer, every: list[Group]) -> list[Group]:
        return every if viewer.person.admin else viewer.coordinates

    async def theirs(s: Tx, viewer: Viewer, poll_id: int) -> Poll:
        poll = await polls.get(s, poll_id)
        if poll is None or not viewer.may_coordinate(poll.group_id):
            raise Refused("not_yours")
        return poll

    async def group_of(s: Tx, viewer: Viewer, draft: Draft) -> Group:
        try:
            group_id = int(draft.group)
        except ValueError:
            raise Unusable("choose a group") from None
        if not viewer.may_coordinate(group_id):
            raise Refused("not_yours")
        group = await groups.get_group(s, group_id)
        if group is None:
            raise Refused("not_found", 404)
        return group

    def times(draft: Draft) -> tuple[datetime | None, datetime | None]:
        """When it goes (None: now) and when a poll closes, read as the CLI reads them."""
        now, tz = d.clock(), d.config.timezone
        sends = when.read(draft.send_at, tz, now=now) if draft.send_at else None
        if sends is not None and sends < now:
            raise Unusable("the time to send it has already passed: leave it empty to send now")
        if draft.kind == "broadcast":
            return sends, None
        if not draft.closes:
            raise Unusable("say when the poll closes, like tomorrow 5pm")
        return sends, when.read(draft.closes, tz, now=now)

    async def compose(request: Request, viewer: Viewer, *, draft: Draft | None = None,
                      problem: str | None = None, preview: dict[str, Any] | None = None,
                      status: int = 200) -> Response:
        lang = d.language(request, viewer)
        async with d.db.transaction() as s:
            every = await groups.all_groups(s)
            names = {g.id: g.name for g in every}
            listed = await polls.listed(s, group_ids=None if viewer.person.admin else viewer.group_ids)
            shown = [{"poll": p, "group": names.get(p.group_id, ""),
                      "question": text_for(p.question, lang),
                      "answered": len(await polls.votes(s, p.id)),
                      "closes": spoken(p.closes_at, viewer, lang)} for p in listed[:30]]
        return d.render(request, "polls.html", viewer, groups=mine(viewer, every), shown=shown,
                        draft=draft or Draft(), problem=problem, preview=preview,
                        done=request.query_params.get("done"), status=status)

    def spoken(at: datetime, viewer: Viewer, lang: str) -> str:
        return when.spoken(at.astimezone(zone(viewer.person.timezone, d.config.timezone)), lang)

    async def listing(request: Request) -> Response:
        return await compose(request, await d.coordinator(request))

    async def look(request: Request) -> Response:
        viewer = await d.coordinator(request)
        draft = Draft.read(await d.form(request, viewer))
        lang = d.language(request, viewer)
        try:
            sends, closes = times(draft)
            texts = sms_texts(d, draft)
            async with d.db.transaction() as s:
                group = await group_of(s, viewer, draft)
                if draft.kind == "poll":
                    await checked(s, group, draft, viewer, sends, closes)
                found = await telling.preview(s, group, texts, at=sends)
        except (Unusable, ValueError) as exc:
            return await compose(request, viewer, draft=draft, problem=str(exc), status=400)
        return await compose(request, viewer, draft=draft, preview=described(
            found, texts, draft, sends, closes, viewer, lang))

    async def checked(s: Tx, group: Group, draft: Draft, viewer: Viewer, sends: datetime | None,
                      closes: datetime | None) -> None:
        """The poll made as sending would make it, then undone: a problem shows now."""
        assert closes is not None
        try:
            async with savepoint(s):
                await make(s, group, draft, viewer, sends, closes)
                raise _Trial
        except _Trial:
            pass

    async def make(s: Tx, group: Group, draft: Draft, viewer: Viewer, sends: datetime | None,
                   closes: datetime) -> Poll:
        return await asking.create(
            s, group, question=draft.asked(), options=draft.answers(), closes_at=closes,
            multiple=draft.multiple, share_results=draft.share, by=viewer.person, starts_at=sends)

    def described(found: Preview, texts: dict[str, str], draft: Draft, sends: datetime | None,
                  closes: datetime | None, viewer: Viewer, lang: str) -> dict[str, Any]:
        price = d.config.desk.sms_part_price
        by_sms = found.now.get("sms", 0) + found.held.get("sms", 0)
        parts = max((n for n, _ in found.sms.values()), default=0)
        return {
            "group_kind": draft.kind,
            "sms": [{"lang": code, "body": body, "chars": len(body),
                     "parts": found.sms[code][0], "encoding": found.sms[code][1],
                     "people": found.languages.get(code, 0),
                     "cost": pounds(price * found.sms[code][0])}
                    for code, body in texts.items()],
            "telegram": None if draft.kind == "broadcast" else {
                "question": {code: draft.question.get(code) or draft.question["en"] for code in texts},
                "buttons": {code: [text_for(o, code) for o in draft.answers()] for code in texts}},
            "now": found.now, "held": found.held, "unreachable": found.unreachable,
            "held_until": spoken(found.first_held_until, viewer, lang) if found.first_held_until else None,
            "by_sms": by_sms, "parts": parts, "price": f"£{price.normalize():f}",
            "most": pounds(price * parts * by_sms),
            "sends": spoken(sends, viewer, lang) if sends else None,
            "closes": spoken(closes, viewer, lang) if closes else None,
        }

    async def send(request: Request) -> Response:
        viewer = await d.coordinator(request)
        draft = Draft.read(await d.form(request, viewer))
        try:
            sends, closes = times(draft)
            async with d.db.transaction() as s:
                group = await group_of(s, viewer, draft)
                if draft.kind == "broadcast":
                    await telling.send(s, group, draft.words(), by=viewer.person, at=sends)
                    return RedirectResponse("/polls?done=broadcast_sent", status_code=303)
                assert closes is not None
                poll = await make(s, group, draft, viewer, sends, closes)
        except (Unusable, PollError, BroadcastError, ValueError) as exc:
            return await compose(request, viewer, draft=draft, problem=str(exc), status=400)
        return RedirectResponse(f"/polls/{poll.id}?done=poll_sent", status_code=303)

    async def results(request: Request, viewer: Viewer) -> dict[str, Any]:
        lang = d.language(request, viewer)
        async with d.db.transaction() as s:
            poll = await theirs(s, viewer, request.path_params["poll"])
            found = await answers(s, await asking.tally(s, poll))
            group = await groups.get_group(s, poll.group_id)
        tally = found.tally
        voters = tally.voters
        rows = [{"label": text_for(o["label"], lang), "total": tally.counts[n],
                 "share": round(100 * tally.counts[n] / voters) if voters else 0,
                 "ways": [found.by_way[way][n] for way in WAYS]}
                for n, o in enumerate(poll.options)]
        top = max([*tally.counts, 1])
        return {"poll": poll, "question": text_for(poll.question, lang), "rows": rows, "top": top,
                "ways": WAYS, "people": found.people, "voters": voters, "members": tally.members,
                "waiting": found.waiting, "group": group.name if group else "",
                "closes": spoken(poll.closes_at, viewer, lang),
                "closed": spoken(poll.closed_at, viewer, lang) if poll.closed_at else None}

    async def one(request: Request) -> Response:
        viewer = await d.coordinator(request)
        return d.render(request, "poll.html", viewer, done=request.query_params.get("done"),
                        **await results(request, viewer))

    async def partial(request: Request) -> Response:
        viewer = await d.coordinator(request)
        return d.render(request, "_poll_results.html", viewer, **await results(request, viewer))

    async def close(request: Request) -> Response:
        viewer = await d.coordinator(request)
        form = await d.form(request, viewer)
        poll_id = request.path_params["poll"]
        if str(form.get("confirm", "")) != "yes":
            return d.render(request, "problem.html", viewer, status=400, back=f"/polls/{poll_id}",
                            problem=word("close_sure_needed", d.language(request, viewer)))
        async with d.db.transaction() as s:
            poll = await theirs(s, viewer, poll_id)
            if poll.status != "open":
                return RedirectResponse(f"/polls/{poll.id}?done=poll_closed_already", status_code=303)
            await asking.close(s, poll, by=viewer.actor)
        return RedirectResponse(f"/polls/{poll_id}?done=poll_closed", status_code=303)

    return [
        Route("/polls", listing, methods=["GET"]),
        Route("/polls", send, methods=["POST"]),
        Route("/polls/preview", look, methods=["POST"]),
        Route("/polls/{poll:int}", one, methods=["GET"]),
        Route("/polls/{poll:int}/results", partial, methods=["GET"]),
        Route("/polls/{poll:int}/close", close, methods=["POST"]),
    ]


def pounds(amount: Decimal) -> str:
    """``£1.20``; a price under a penny keeps its digits (``£0.0463``)."""
    return f"£{amount:.2f}" if amount >= Decimal("0.01") or not amount else f"£{amount.normalize()}"
