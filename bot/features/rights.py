"""Subject access and erasure (UK GDPR articles 15 and 17), for ``copro participants``.

``export`` is everything copro keeps about one person, as JSON-able data.
``forget`` erases their personal data (see ``storage.rights``), deletes the
photos they sent, and leaves an audit record that says what was erased and by
whom, without saying who they were.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.flowfiles.library import Library
from storage import audit, rights
from storage.db import Tx
from storage.models import Participant


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


async def export(s: Tx, person: Participant, *, now: datetime) -> dict[str, Any]:
    """Everything kept about ``person``."""
    found = await rights.gather(s, person)
    answers: dict[int, list[dict[str, Any]]] = {}
    for r in found.results:
        answers.setdefault(r.session_id, []).append(
            {"step": r.step, "key": r.key, "value": r.value, "said": r.raw, "status": r.status,
             "at": r.created_at})
    exported: dict[str, Any] = _plain({
        "exported_at": now,
        "participant": {
            "id": person.id, "name": person.name, "language": person.language,
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
             "media": m.media, "status": m.status, "error": m.error}
            for m in found.messages
        ],
        "expense_claims": [
            {"id": c.id, "category": c.category, "activity": c.activity, "spent_on": c.spent_on,
             "amount_pence": c.amount_pence, "miles": c.miles, "rate": c.rate,
             "receipt": c.receipt, "payment": c.payment, "status": c.status,
             "decided_at": c.decided_at, "reason": c.reason, "paid_at": c.paid_at,
             "made": c.created_at}
            for c in found.claims
        ],
        "poll_votes": [{"poll": v.poll_id, "choices": v.choices, "channel": v.channel,
                        "at": v.updated_at} for v in found.votes],
        "meeting_replies": [{"meeting": r.meeting_id, "answer": r.answer, "access": r.access,
                             "access_detail": r.access_detail, "at": r.updated_at}
                            for r in found.rsvps],
        "safeguarding_alerts": [{"id": a.id, "raised": a.created_at, "reason": a.reason,
                                 "text": a.text, "acknowledged": a.acknowledged_at}
                                for a in found.alerts],
        "audit": [{"kind": e.kind, "at": e.at, "by": e.actor, "details": e.details}
                  for e in found.audit],
    })
    return exported


KEPT_ANSWERS = ("number", "yesno", "choice", "choices")  # say nothing of who gave them


def anonymous_answers(library: Library) -> set[tuple[str, str]]:
    """(flow, key) of every answer that is a number or a choice, never the person's own words."""
    return {(flow.flow, step.save_as) for flow in library.flows() for step in flow.steps
            if step.save_as and step.expect is not None and step.expect.type in KEPT_ANSWERS}


async def forget(
    s: Tx, person: Participant, *, by: str, media_dir: Path, now: datetime,
    library: Library | None = None,
) -> dict[str, int]:
    """Erase ``person``'s personal data and the files they sent; returns what was erased.

    With the ``library``, their numbers and choices in check-ins stay, anonymous, so
    the group's results still count them (``copro results export``).
    """
    found = await rights.gather(s, person)
    files = [str(m) for message in found.messages for m in message.media or ()]
    files += [c.receipt for c in found.claims if c.receipt]
    groups = sorted({g.id for _, g in found.memberships})
    keep = anonymous_answers(library) if library is not None else set()
    counts = await rights.forget(s, person, at=now, keep=keep)
    counts["files"] = sum(_delete(Path(f), media_dir) for f in set(files))
    await audit.record(s, kind="participant_forgotten", actor=by, participant_id=person.id,
                       details={"erased": counts, "groups": groups}, at=now)
    return counts


def _delete(path: Path, media_dir: Path) -> bool:
    """Delete a file copro keeps under ``media_dir``; never anything outside it."""
    try:
        target = path.resolve()
        if not target.is_relative_to(media_dir.resolve()) or not target.is_file():
            return False
        target.unlink()
    except OSError:
        return False
    return True
