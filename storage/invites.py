"""Invite codes: how a coordinator links someone's new chat (Telegram) to them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Address, Invite, Participant

# No 0/O or 1/I/L: codes are read out and typed on phones.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def tidy(code: str) -> str:
    """A code as typed ("abcd-2345", " ABCD 2345 ") in its stored form."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    """Whether ``text`` could be an invite code typed on its own ("ABCD-2345")."""
    code = tidy(text)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code) and len(text) <= 20


async def create(
    s: AsyncSession, participant: Participant, *, valid_for: timedelta = timedelta(days=14),
    at: datetime,
) -> Invite:
    now = at
    invite = Invite(code=new_code(), participant_id=participant.id, created_at=now,
                    expires_at=now + valid_for)
    s.add(invite)
    await s.flush()
    return invite


async def redeem(
    s: AsyncSession, code: str, *, channel: str, address: str, at: datetime
) -> Participant | None:
    """Link ``(channel, address)`` to the person the code is for; None if it cannot be used.

    A code works once, until it expires. If the address already belonged to
    someone else (they wrote before being linked), it moves to the invited person.
    """
    now = at
    invite = await s.scalar(select(Invite).where(Invite.code == tidy(code)))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return None
    person = await s.get(Participant, invite.participant_id)
    if person is None:
        return None
    existing = await s.scalar(
        select(Address).where(Address.channel == channel, Address.address == address)
    )
    if existing is None:
        s.add(Address(participant_id=person.id, channel=channel, address=address))
    else:
        existing.participant_id = person.id
        existing.status = "ok"
    invite.used_at = now
    await s.flush()
    return person
