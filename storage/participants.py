"""Participants and the addresses they are reached at."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import Integer, bindparam, delete, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import each
from storage.messages import WAITING
from storage.models import Address, FlowSession, Message, Participant, Result

SETTABLE = frozenset({"name", "called", "language", "timezone", "contact_start", "contact_end",
                      "work_channel"})


# Built once: asked of every message that comes in.
_BY_ADDRESS = (
    select(Participant)
    .join(Address, Address.participant_id == Participant.id)
    .where(Address.channel == bindparam("channel"), Address.address == bindparam("address"))
)


async def find_by_address(s: AsyncSession, channel: str, address: str) -> Participant | None:
    return await s.scalar(_BY_ADDRESS, {"channel": channel, "address": address})


async def create(
    s: AsyncSession,
    *,
    channel: str,
    address: str,
    language: str = "en",
    name: str | None = None,
    timezone: str | None = None,
    contact_start: time | None = None,
    contact_end: time | None = None,
) -> Participant:
    """A new participant reached at ``(channel, address)``; IntegrityError if that is taken.

    Contact hours and time zone left out take the table's defaults.
    """
    chosen = {"timezone": timezone, "contact_start": contact_start, "contact_end": contact_end}
    participant = Participant(
        name=name, language=language, **{k: v for k, v in chosen.items() if v is not None}
    )
    s.add(participant)
    await s.flush()
    s.add(Address(participant_id=participant.id, channel=channel, address=address))
    await s.flush()
    return participant


async def create_without_address(
    s: AsyncSession, *, name: str | None, language: str, timezone: str | None = None
) -> Participant:
    """Someone a coordinator adds before copro can reach them (an invite links them later)."""
    participant = Participant(name=name, language=language,
                              **({"timezone": timezone} if timezone else {}))
    s.add(participant)
    await s.flush()
    return participant


async def add_address(s: AsyncSession, participant: Participant, channel: str, address: str) -> None:
    """Reach ``participant`` at ``(channel, address)`` too; IntegrityError if it is taken."""
    s.add(Address(participant_id=participant.id, channel=channel, address=address))
    await s.flush()


async def replace_address(
    s: AsyncSession, participant: Participant, channel: str, address: str
) -> None:
    """Reach ``participant`` on ``channel`` at ``address`` instead of where copro reached them.

    The new address starts out usable (or opted out, if the person is). IntegrityError
    if someone else has it.
    """
    found = await s.scalar(
        select(Address).where(Address.participant_id == participant.id, Address.channel == channel)
    )
    status = "ok" if participant.status == "active" else "opted_out"
    if found is None:
        s.add(Address(participant_id=participant.id, channel=channel, address=address, status=status))
    else:
        found.address = address
        found.status = status
    await s.flush()


async def move_address(
    s: AsyncSession, participant: Participant, channel: str, to_channel: str
) -> None:
    """Reach ``participant`` at the same address on ``to_channel`` instead (a phone number
    called rather than texted)."""
    found = await s.scalar(
        select(Address).where(Address.participant_id == participant.id, Address.channel == channel)
    )
    if found is not None:
        found.channel = to_channel
        await s.flush()


async def set_admin(s: AsyncSession, participant: Participant, admin: bool) -> None:
    participant.admin = admin
    await s.flush()


async def create_many(
    s: AsyncSession, people: list[dict[str, Any]], *, at: datetime
) -> list[int]:
    """Many new participants at once, each a dict of ``name``, ``language``, ``channel``,
    ``address`` and optionally ``consent_at``; returns their ids in order.

    Addresses must be new (an IntegrityError otherwise: check first).
    """
    ids: list[int] = []
    for start in range(0, len(people), 500):
        chunk = people[start : start + 500]
        rows = [
            {"name": p.get("name"), "language": p.get("language", "en"),
             "consent_at": p.get("consent_at"), "created_at": at, "updated_at": at}
            for p in chunk
        ]
        new = list(await s.scalars(insert(Participant).returning(Participant.id), rows))
        await s.execute(insert(Address), [
            {"participant_id": pid, "channel": p["channel"], "address": p["address"],
             "created_at": at}
            for pid, p in zip(new, chunk, strict=True)
        ])
        ids += new
    return ids


async def all_ids(s: AsyncSession) -> list[int]:
    return list(await s.scalars(select(Participant.id).order_by(Participant.id)))


async def get(s: AsyncSession, participant_id: int) -> Participant | None:
    return await s.get(Participant, participant_id)


async def admins(s: AsyncSession) -> list[Participant]:
    """Active admins, oldest first."""
    rows = await s.scalars(
        select(Participant)
        .where(Participant.admin.is_(True), Participant.status == "active")
        .order_by(Participant.id)
    )
    return list(rows)


async def get_many(s: AsyncSession, ids: Sequence[int]) -> dict[int, Participant]:
    found: dict[int, Participant] = {}
    for start in range(0, len(ids), 500):
        rows = await s.scalars(select(Participant).where(Participant.id.in_(ids[start : start + 500])))
        found.update({p.id: p for p in rows})
    return found


async def preferred_addresses(s: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Where each of ``ids`` is reached: their first address that can be used."""
    found: dict[int, tuple[str, str]] = {}
    stmt = _FIRST_ADDRESSES if s.get_bind().dialect.name == "postgresql" else _ADDRESSES_OF
    for start in range(0, len(ids), 500):
        rows = await s.execute(stmt, {"ids": list(ids[start : start + 500])})
        for pid, channel, address in rows:
            found.setdefault(pid, (channel, address))
    return found


_ADDRESSES_OF = (
    select(Address.participant_id, Address.channel, Address.address)
    .where(Address.participant_id.in_(bindparam("ids", expanding=True)), Address.status == "ok")
    .order_by(Address.id)
)
# On PostgreSQL each person's first usable address is looked up on its own, by the index on
# participant_id (see ``storage.each``): as an IN list, addresses imported since the table
# was last analysed (a large group just added) were read whole for every 500 people.
_GIVEN = each.given("ids", Integer())
_FIRST = (
    select(Address.channel, Address.address)
    .where(Address.participant_id == _GIVEN.c.value, Address.status == "ok")
    .order_by(Address.id)
    .limit(1)
    .lateral()
)
_FIRST_ADDRESSES = select(_GIVEN.c.value, _FIRST.c.channel, _FIRST.c.address).select_from(
    _GIVEN).join(_FIRST, true())


async def languages_on(s: AsyncSession, channel: str) -> set[str]:
    """The languages of the active people who can be reached on ``channel``."""
    rows = await s.scalars(
        select(Participant.language).distinct()
        .join(Address, Address.participant_id == Participant.id)
        .where(Address.channel == channel, Address.status == "ok",
               Participant.status == "active")
    )
    return set(rows)


async def addresses_of(s: AsyncSession, participant_id: int) -> list[Address]:
    rows = await s.scalars(
        select(Address).where(Address.participant_id == participant_id).order_by(Address.id)
    )
    return list(rows)


async def set_fields(
    s: AsyncSession, participant: Participant, *, at: datetime, **fields: Any
) -> None:
    """Change any of name, language, timezone, contact_start, contact_end and work_channel."""
    unknown = set(fields) - SETTABLE
    if unknown:
        raise ValueError(f"cannot set participant fields {sorted(unknown)}")
    s.add(participant)
    for field, value in fields.items():
        setattr(participant, field, value)
    participant.updated_at = at
    await s.flush()


async def record_consent(s: AsyncSession, participant: Participant, at: datetime) -> None:
    s.add(participant)
    participant.consent_at = at
    participant.updated_at = at
    await s.flush()


async def opt_out(s: AsyncSession, participant: Participant, *, at: datetime) -> None:
    """No more messages to any of their addresses."""
    await _set_status(s, participant, "opted_out", "opted_out", at=at)


async def opt_in(s: AsyncSession, participant: Participant, *, at: datetime) -> None:
    await _set_status(s, participant, "active", "ok", at=at)


async def erase_personal_data(s: AsyncSession, participant: Participant, *, at: datetime) -> None:
    """Forget what someone told us, keeping only what honours an opt-out.

    The name, consent, results, message bodies and media, and flow state go;
    the row, its status and its addresses stay. Messages still waiting to be
    sent to them are cancelled, as their text is gone.
    """
    now = at
    s.add(participant)
    pid = participant.id
    participant.name = None
    participant.called = None
    participant.consent_at = None
    participant.updated_at = now
    await s.flush()
    await s.execute(delete(Result).where(Result.participant_id == pid))
    await s.execute(
        update(Message)
        .where(Message.participant_id == pid, Message.direction == "out")
        .where(Message.status.in_(WAITING))
        .values(status="failed", error="cancelled: personal data erased", updated_at=now)
    )
    await s.execute(
        update(Message)
        .where(Message.participant_id == pid)
        .values(body=None, media=[], updated_at=now)
    )
    await s.execute(
        update(FlowSession)
        .where(FlowSession.participant_id == pid)
        .values(state={}, updated_at=now)
    )
    await s.flush()


async def _set_status(
    s: AsyncSession, participant: Participant, status: str, address_status: str, *, at: datetime
) -> None:
    now = at
    s.add(participant)
    participant.status = status
    participant.updated_at = now
    await s.flush()
    await s.execute(
        update(Address)
        .where(Address.participant_id == participant.id)
        .values(status=address_status)
    )


async def set_username(s: AsyncSession, channel: str, address: str, username: str | None) -> bool:
    """Keep the username ``address`` goes by on ``channel`` (Telegram's @name, without the @);
    False if copro has no such address (yet)."""
    done = await s.execute(
        update(Address).where(Address.channel == channel, Address.address == address)
        .values(username=username or None))
    return bool(getattr(done, "rowcount", 0))


async def with_menu(s: AsyncSession, channel: str) -> set[str]:
    """The ``channel`` addresses recorded as having been given the coordinators' menu."""
    return set(await s.scalars(select(Address.address).where(Address.channel == channel,
                                                             Address.menu.is_(True))))


async def set_menu(s: AsyncSession, channel: str, address: str, given: bool) -> None:
    """Record that ``address`` was given the coordinators' menu (or had it taken away)."""
    await s.execute(update(Address).where(Address.channel == channel, Address.address == address)
                    .values(menu=given))


async def set_address_status(s: AsyncSession, channel: str, address: str, status: str) -> bool:
    """Mark one address ``ok``, ``unreachable`` or ``opted_out``; False if it is unknown."""
    result = await s.execute(
        update(Address).where(Address.channel == channel, Address.address == address)
        .values(status=status)
    )
    return bool(getattr(result, "rowcount", 0))


_REACHABLE_AGAIN = (
    update(Address)
    .where(Address.channel == bindparam("on_channel"), Address.address == bindparam("from_address"),
           Address.status == "unreachable")
    .values(status="ok")
)


async def reachable_again(s: AsyncSession, channel: str, address: str) -> bool:
    """An address marked ``unreachable`` wrote to copro: it is ``ok`` again. True if it was
    marked (one statement, whether or not it was)."""
    result = await s.execute(_REACHABLE_AGAIN, {"on_channel": channel, "from_address": address})
    return bool(getattr(result, "rowcount", 0))


async def address_statuses(s: AsyncSession, channel: str, addresses: Sequence[str]) -> dict[str, str]:
    """The status of each of ``addresses`` on ``channel`` that someone has."""
    found: dict[str, str] = {}
    for start in range(0, len(addresses), 500):
        rows = await s.execute(
            select(Address.address, Address.status)
            .where(Address.channel == channel, Address.address.in_(addresses[start : start + 500]))
        )
        found.update({str(a): str(status) for a, status in rows})
    return found


async def address_status(s: AsyncSession, channel: str, address: str) -> str | None:
    """``ok``, ``unreachable`` or ``opted_out``; None for an address no one has."""
    return await s.scalar(
        select(Address.status).where(Address.channel == channel, Address.address == address)
    )


async def matching(
    s: AsyncSession, *, person_id: int | None, addresses: Sequence[str], name: str,
    username: str | None = None,
) -> list[Participant]:
    """People whose id is ``person_id``, who have one of ``addresses``, whose Telegram
    ``username`` it is (any case), or whose full or preferred name is ``name`` in any case."""
    filters = [func.lower(Participant.name) == name.lower(),
               func.lower(Participant.called) == name.lower()]
    if addresses:
        filters.append(Address.address.in_(addresses))
    if username:
        filters.append((Address.channel == "telegram") & (func.lower(Address.username) == username.lower()))
    if person_id is not None:
        filters.append(Participant.id == person_id)
    rows = await s.scalars(
        select(Participant).outerjoin(Address, Address.participant_id == Participant.id)
        .where(or_(*filters)).distinct().order_by(Participant.id)
    )
    return list(rows)


async def search(
    s: AsyncSession, *, words: str, phone: str | None, within: Sequence[int] | None = None,
    limit: int = 100,
) -> list[Participant]:
    """People whose name holds ``words`` (any case), or who are reached at ``phone`` (E.164);
    only those in ``within``, if given; by number."""
    found = [Participant.name.icontains(words.strip(), autoescape=True)] if words.strip() else []
    if phone:
        found.append(Participant.id.in_(select(Address.participant_id).where(Address.address == phone)))
    if words.strip().isdigit() and len(words.strip()) <= 9:  # a number in copro, not a phone
        found.append(Participant.id == int(words.strip()))
    if not found:
        return []
    stmt = select(Participant).where(or_(*found)).order_by(Participant.id).limit(limit)
    if within is not None:
        stmt = stmt.where(Participant.id.in_(within))
    return list(await s.scalars(stmt))
