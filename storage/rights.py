"""People's data rights: everything kept about a person, and erasing it.

``gather`` finds every row about one participant (for a subject access
request). ``forget`` erases their personal data: their name and addresses go,
and with them every message's text, media and address, their answers, free
text in RSVPs and alerts, receipts, drafts, invites and what the audit log said
about them. What is left says nothing about who they were, so counts (how many
check-ins, messages, votes) stay right. Claims keep their amounts, dates and
decisions, which a charity's accounts need, but not the receipt or the words.

Copies about them go too: the alerts, claim notices and flow notices copro sent
to staff are kept (so what was sent when still adds up) but say only that they
were about "a participant (erased)", and any other message or audit record that
named them, quoted their words or gave their number has those replaced.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Executable, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Address,
    Alert,
    AuditEvent,
    Claim,
    Draft,
    FlowSession,
    Group,
    Invite,
    Job,
    Membership,
    Message,
    Participant,
    Result,
    Rsvp,
    Vote,
)
from storage.sessions import OPEN


@dataclass
class Everything:
    """Every row about one participant."""

    participant: Participant
    addresses: list[Address] = field(default_factory=list)
    memberships: list[tuple[Membership, Group]] = field(default_factory=list)
    sessions: list[FlowSession] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    rsvps: list[Rsvp] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)


async def gather(s: AsyncSession, participant: Participant) -> Everything:
    pid = participant.id
    found = Everything(participant)
    found.addresses = list(await s.scalars(
        select(Address).where(Address.participant_id == pid).order_by(Address.id)))
    found.memberships = [
        (membership, group) for membership, group in await s.execute(
            select(Membership, Group).join(Group, Group.id == Membership.group_id)
            .where(Membership.participant_id == pid).order_by(Group.name, Membership.role)
        )
    ]
    found.sessions = list(await s.scalars(
        select(FlowSession).where(FlowSession.participant_id == pid).order_by(FlowSession.id)))
    found.results = list(await s.scalars(
        select(Result).where(Result.participant_id == pid).order_by(Result.id)))
    found.messages = list(await s.scalars(
        select(Message).where(Message.participant_id == pid).order_by(Message.id)))
    found.claims = list(await s.scalars(
        select(Claim).where(Claim.participant_id == pid).order_by(Claim.id)))
    found.votes = list(await s.scalars(
        select(Vote).where(Vote.participant_id == pid).order_by(Vote.id)))
    found.rsvps = list(await s.scalars(
        select(Rsvp).where(Rsvp.participant_id == pid).order_by(Rsvp.id)))
    found.alerts = list(await s.scalars(
        select(Alert).where(Alert.participant_id == pid).order_by(Alert.id)))
    found.audit = list(await s.scalars(
        select(AuditEvent).where(AuditEvent.participant_id == pid).order_by(AuditEvent.id)))
    return found


async def forget(
    s: AsyncSession, participant: Participant, *, at: datetime,
    keep: Collection[tuple[str, str]] = (),
) -> dict[str, int]:
    """Erase a participant's personal data; returns how many rows of each kind were touched.

    ``keep`` names the answers, as (flow, key), that are numbers or choices: those
    stay, without what the person typed, so a group's results still add up; every
    other answer goes. Media files named by their messages and claims are the
    caller's to delete: collect them with ``gather`` first.
    """
    pid = participant.id
    counts: dict[str, int] = {}
    found = await gather(s, participant)
    counts["copies"] = await _erase_copies(s, found, at=at)

    async def run(name: str, stmt: Executable) -> None:
        result = await s.execute(stmt)
        counts[name] = int(getattr(result, "rowcount", 0) or 0)

    await s.execute(update(Message).where(
        Message.participant_id == pid, Message.direction == "out",
        Message.status.in_(("queued", "sending", "held")),
    ).values(status="failed", error="cancelled: participant forgotten", next_attempt_at=None))
    await run("messages", update(Message).where(Message.participant_id == pid).values(
        body=None, media=[], options=[], display={}, address="erased", idempotency_key=None,
        updated_at=at,
    ))
    kept = [r.id for r in found.results if (r.flow_id, r.key) in keep]
    await run("results", delete(Result).where(Result.participant_id == pid, Result.id.not_in(kept)))
    if kept:
        await s.execute(update(Result).where(Result.id.in_(kept)).values(raw=None))
    await run("sessions", update(FlowSession).where(FlowSession.participant_id == pid).values(
        state={}, timeout_at=None, updated_at=at,
    ))
    await s.execute(update(FlowSession).where(
        FlowSession.participant_id == pid, FlowSession.status.in_(OPEN),
    ).values(status="stopped"))
    await run("jobs", update(Job).where(Job.participant_id == pid, Job.status == "pending")
              .values(status="cancelled", note="participant forgotten", done_at=at, updated_at=at))
    await run("rsvps", update(Rsvp).where(Rsvp.participant_id == pid).values(access_detail=None))
    await run("alerts", update(Alert).where(Alert.participant_id == pid).values(
        text="(erased)", acknowledged_note=None))
    await run("claims", update(Claim).where(Claim.participant_id == pid).values(
        activity=None, receipt=None, reason=None, updated_at=at))
    await run("audit", update(AuditEvent).where(AuditEvent.participant_id == pid).values(details={}))
    await run("addresses", delete(Address).where(Address.participant_id == pid))
    await run("memberships", delete(Membership).where(Membership.participant_id == pid))
    await run("invites", delete(Invite).where(Invite.participant_id == pid))
    await run("drafts", delete(Draft).where(Draft.participant_id == pid))
    await s.execute(update(Participant).where(Participant.id == pid).values(
        name=None, called=None, consent_at=None, status="erased", admin=False, updated_at=at,
    ))
    await s.refresh(participant)
    return counts


async def erased_members(s: AsyncSession, group_id: int) -> list[int]:
    """The erased participants who were in the group (their anonymous answers still count)."""
    events = await s.scalars(select(AuditEvent).where(AuditEvent.kind == "participant_forgotten"))
    return sorted({e.participant_id for e in events if e.participant_id is not None
                   and group_id in (e.details.get("groups") or ())})


ERASED = "a participant (erased)"
ABOUT_ERASED = f"A message about {ERASED}."
# Shorter answers ("yes", "7") say nothing about who wrote them; longer ones may.
TELLING = 8
NEEDLES_AT_ONCE = 200


def _traces(found: Everything) -> tuple[list[str], list[str]]:
    """What would identify the person in a copy: names (whole words) and their words or numbers."""
    names: list[str] = []
    for given in (found.participant.name, found.participant.called):  # full, and as called
        name = (given or "").strip()
        if name and name not in names:
            names += [name, *(part for part in name.split() if len(part) >= 3 and part != name)]
    said = [a.address for a in found.addresses]
    said += [m.body for m in found.messages if m.direction == "in" and m.body]
    said += [r.raw for r in found.results if r.raw]
    said += [r.value for r in found.results if isinstance(r.value, str)]
    said += [a.text for a in found.alerts] + [c.activity or "" for c in found.claims]
    said += [r.access_detail or "" for r in found.rsvps]
    words = sorted({w.strip() for w in said if len(w.strip()) >= TELLING}, key=len, reverse=True)
    return names, words


def scrub(text: str, names: list[str], words: list[str]) -> str:
    """``text`` with every name (as a word) and every telling phrase of the person replaced."""
    for phrase in words:
        text = re.sub(re.escape(phrase), "(erased)", text, flags=re.IGNORECASE)
    for name in names:
        text = re.sub(rf"\b{re.escape(name)}\b", ERASED, text, flags=re.IGNORECASE)
    return text


async def _erase_copies(s: AsyncSession, found: Everything, *, at: datetime) -> int:
    """Erase what copro sent to others about the person, and what its records quote of them."""
    pid = found.participant.id
    topics = [f"alert:{a.id}" for a in found.alerts] + [f"claim:{c.id}" for c in found.claims]
    keys: list[ColumnElement[bool]] = [
        Message.idempotency_key.startswith(f"{kind}:{row.id}:", autoescape=True)
        for row in found.sessions for kind in ("notify", "unheard")]
    about = or_(Message.topic.in_(topics), *keys)
    others = or_(Message.participant_id.is_(None), Message.participant_id != pid)
    await s.execute(update(Message).where(
        others, about, Message.direction == "out", Message.status.in_(("queued", "sending", "held")),
    ).values(status="failed", error="cancelled: participant forgotten", next_attempt_at=None))
    notices = await s.execute(update(Message).where(others, about).values(
        body=ABOUT_ERASED, media=[], options=[], display={}, updated_at=at))
    count = int(getattr(notices, "rowcount", 0) or 0)
    if topics:
        await s.execute(update(Job).where(Job.topic.in_(topics), Job.status == "pending").values(
            status="cancelled", note="participant forgotten", done_at=at, updated_at=at))
    names, words = _traces(found)
    needles = names + words
    if not needles:
        return count
    for start in range(0, len(needles), NEEDLES_AT_ONCE):  # SQLite limits a query's depth
        chunk = needles[start:start + NEEDLES_AT_ONCE]
        for message in await s.scalars(select(Message).where(
            others, and_(Message.body.is_not(None), or_(*[Message.body.icontains(n) for n in chunk])),
        )):
            changed = scrub(message.body or "", names, words)
            if changed != message.body:
                message.body, message.updated_at = changed, at
                count += 1
    for name in {found.participant.name, found.participant.called} - {None, ""}:
        await s.execute(update(AuditEvent).where(AuditEvent.actor == name).values(actor=ERASED))
    await s.flush()
    return count

