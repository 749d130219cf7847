"""Subject access and erasure (UK GDPR articles 15 and 17), for ``copro participants``.

``export`` is everything copro keeps about one person, as JSON-able data: money
in pounds ("£4.20"), votes with their question and answers in words, and the
photos they sent named as files of an archive (``Export.archive``, a zip).
``forget`` erases their personal data (see ``storage.rights``), deletes the
photos they sent, and leaves an audit record that says what was erased and by
whom, without saying who they were.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.core.files import delete_under
from bot.delivery.inbox import Spool
from bot.engine.model import text_for
from bot.engine.values import from_json
from bot.flowfiles.library import Library
from storage import audit, meetings, polls, rights
from storage.db import Tx
from storage.models import Participant


def pounds(pence: int | Decimal) -> str:
    """Money as a person reads it: ``£4.20``."""
    return f"£{Decimal(pence) / 100:.2f}" if isinstance(pence, int) else f"£{pence:.2f}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class Export:
    """Everything kept about a person (JSON-able), and the files it names, by their name in
    the archive (``files/claim-3.jpg``): the photos they sent."""

    data: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)

    def attach(self, kind: str, number: int | str, path: str | None) -> str | None:
        if not path:
            return None
        for name, known in self.files.items():  # one photo, named once (a message, a claim)
            if known == Path(path):
                return name
        name = f"files/{kind}-{number}{Path(path).suffix or '.bin'}"
        self.files[name] = Path(path)
        return name

    def archive(self) -> bytes:
        """A zip: ``everything.json``, and each photo that is still on disk under ``files/``."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.writestr("everything.json", json.dumps(self.data, indent=2, ensure_ascii=False))
            for name, path in self.files.items():
                if path.is_file():
                    zipped.write(path, name)
        return out.getvalue()


def _answer(value: Any, kind: str | None, attach: Any) -> Any:
    """An answer as the person gave it: money in pounds, photos as files in the archive."""
    value = from_json(value)
    if kind == "money" and isinstance(value, Decimal | int):
        return pounds(Decimal(value))
    if kind == "media" and isinstance(value, list):
        return [attach(v) for v in value]
    return _plain(value)


def _kinds(library: Library | None) -> dict[tuple[str, str], str]:
    if library is None:
        return {}
    return {(flow.flow, step.save_as): step.expect.type for flow in library.flows()
            for step in flow.steps if step.save_as and step.expect is not None}


async def export(
    s: Tx, person: Participant, *, now: datetime, library: Library | None = None
) -> dict[str, Any]:
    """Everything kept about ``person``, as JSON-able data."""
    return (await gather_export(s, person, now=now, library=library)).data


async def gather_export(
    s: Tx, person: Participant, *, now: datetime, library: Library | None = None
) -> Export:
    """Everything kept about ``person``, and the photos it names (for an archive)."""
    found = await rights.gather(s, person)
    lang = person.language
    done = Export({})
    kinds = _kinds(library)
    for c in found.claims:  # a receipt is named for its claim, wherever else it appears
        done.attach("claim", c.id, c.receipt)
    answers: dict[int, list[dict[str, Any]]] = {}
    for r in found.results:
        def attach(path: str, r: Any = r) -> str | None:
            return done.attach("answer", f"{r.id}-{len(done.files) + 1}", path)

        answers.setdefault(r.session_id, []).append(
            {"step": r.step, "key": r.key,
             "value": _answer(r.value, kinds.get((r.flow_id, r.key)), attach),
             "said": r.raw, "status": r.status, "at": r.created_at})
    votes = []
    for v in found.votes:
        poll = await polls.get(s, v.poll_id)
        options = poll.options if poll else []
        votes.append({
            "poll": v.poll_id, "question": text_for(poll.question, lang) if poll else None,
            "answers": [text_for(options[n - 1]["label"], lang) if 0 < n <= len(options)
                        else f"option {n}" for n in v.choices],
            "channel": v.channel, "at": v.updated_at})
    replies = []
    for reply in found.rsvps:
        meeting = await meetings.get(s, reply.meeting_id)
        replies.append({
            "meeting": meeting.title if meeting else reply.meeting_id,
            "starts": meeting.starts_at if meeting else None, "answer": reply.answer,
            "access": reply.access, "access_detail": reply.access_detail,
            "at": reply.updated_at})
    done.data = _plain({
        "exported_at": now,
        "participant": {
            "id": person.id, "name": person.name, "called": person.called, "language": person.language,
            "timezone": person.timezone, "contact_hours": f"{person.contact_start:%H:%M}-"
            f"{person.contact_end:%H:%M}", "status": person.status, "consent_given_at": person.consent_at,
            "admin": person.admin, "first_contact": person.created_at,
        },
        "addresses": [{"channel": a.channel, "address": a.address, "status": a.status,
                       "added": a.created_at} for a in found.addresses],
        "groups": [{"group": g.name, "role": m.role, "since": m.created_at}
                   for m, g in found.memberships],
        "conversations": [
            {"flow": row.flow_id, "version": row.flow_version, "status": row.status,
             "started": row.started_at, "last_change": row.updated_at,
             "answers": answers.get(row.id, [])}
            for row in found.sessions
        ],
        "messages": [
            {"direction": m.direction, "channel": m.channel, "at": m.created_at, "text": m.body,
             "photos": [done.attach(f"message-{m.id}", n, str(f))
                        for n, f in enumerate(m.media or (), start=1)],
             "status": m.status, "error": m.error}
            for m in found.messages
        ],
        "expense_claims": [
            {"id": c.id, "category": c.category, "activity": c.activity, "spent_on": c.spent_on,
             "amount": pounds(c.amount_pence), "miles": c.miles,
             "rate": pounds(c.rate * 100) if c.rate is not None else None,
             "receipt": done.attach("claim", c.id, c.receipt), "payment": c.payment,
             "status": c.status, "decided_at": c.decided_at, "reason": c.reason,
             "paid_at": c.paid_at, "made": c.created_at}
            for c in found.claims
        ],
        "poll_votes": votes,
        "meeting_replies": replies,
        "safeguarding_alerts": [{"id": a.id, "raised": a.created_at, "reason": a.reason,
                                 "text": a.text, "acknowledged": a.acknowledged_at}
                                for a in found.alerts],
        "audit": [{"kind": e.kind, "at": e.at, "by": e.actor, "details": e.details}
                  for e in found.audit],
    })
    return done


KEPT_ANSWERS = ("number", "yesno", "choice", "choices")  # say nothing of who gave them


def anonymous_answers(library: Library) -> set[tuple[str, str]]:
    """(flow, key) of every answer that is a number or a choice, never the person's own words."""
    return {(flow.flow, step.save_as) for flow in library.flows() for step in flow.steps
            if step.save_as and step.expect is not None and step.expect.type in KEPT_ANSWERS}


async def forget(
    s: Tx, person: Participant, *, by: str, media_dir: Path, spool_dir: Path, now: datetime,
    library: Library | None = None,
) -> dict[str, int]:
    """Erase ``person``'s personal data and the files they sent, and what of theirs waits or
    was set aside in the inbound spool (``spool_dir``); returns what was erased.

    With the ``library``, their numbers and choices in check-ins stay, anonymous, so
    the group's results still count them (``copro results export``).
    """
    found = await rights.gather(s, person)
    files = [str(m) for message in found.messages for m in message.media or ()]
    files += [c.receipt for c in found.claims if c.receipt]
    addresses = {(a.channel, a.address) for a in found.addresses}
    groups = sorted({g.id for _, g in found.memberships})
    keep = anonymous_answers(library) if library is not None else set()
    counts = await rights.forget(s, person, at=now, keep=keep)
    counts["files"] = sum(delete_under(Path(f), media_dir) for f in set(files))
    counts["files"] += Spool(spool_dir).erase(addresses, media_dir)
    await audit.record(s, kind="participant_forgotten", actor=by, participant_id=person.id,
                       details={"erased": counts, "groups": groups}, at=now)
    return counts

