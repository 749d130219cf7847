"""People's data rights: everything kept about a person, and erasing it.

``gather`` finds every row about one participant (for a subject access
request). ``forget`` erases their personal data: their name and addresses go,
and with them every message's text, media and address, their answers, free
text in RSVPs and alerts, receipts, drafts, invites and what the audit log said
about them. What is left says nothing about who they were, so counts (how many
check-ins, messages, votes) stay right. Claims keep their amounts, dates and
decisions, which a charity's accounts need, but not the receipt or the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Executable, delete, or_, select, update
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


async def forget(s: AsyncSession, participant: Participant, *, at: datetime) -> dict[str, int]:
    """Erase a participant's personal data; returns how many rows of each kind were touched.

    Media files named by their messages and claims are the caller's to delete:
    collect them with ``gather`` first.
    """
    pid = participant.id
    counts: dict[str, int] = {}

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
    await run("results", delete(Result).where(Result.participant_id == pid))
    await run("sessions", update(FlowSession).where(FlowSession.participant_id == pid).values(
        state={}, timeout_at=None, updated_at=at,
    ))
    await s.execute(update(FlowSession).where(
        FlowSession.participant_id == pid, FlowSession.status == "active",
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
        name=None, consent_at=None, status="erased", admin=False, updated_at=at,
    ))
    await s.refresh(participant)
    return counts


async def everyone_matching(s: AsyncSession, text: str) -> list[Participant]:
    """Participants whose id, name or address is ``text`` (to find someone to export)."""
    filters = [Participant.name == text, Address.address == text]
    if text.isdigit() and len(text) <= 9:  # a number in copro; longer digits are a phone number
        filters.append(Participant.id == int(text))
    rows = await s.scalars(
        select(Participant).outerjoin(Address, Address.participant_id == Participant.id)
        .where(or_(*filters)).distinct().order_by(Participant.id)
    )
    return list(rows)
