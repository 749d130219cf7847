"""Groups, and who is in them in which role."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from sqlalchemy import ColumnElement, Integer, and_, bindparam, delete, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage import each
from storage.insert import insert_many, insert_new
from storage.models import Address, Broadcast, Group, Meeting, Membership, Participant, Poll
from storage.types import plain_name


def key_of(name: str) -> str:
    """A group's name as it is found: "riverside  VOICES" and "Riverside Voices" are one
    (and so is one with a hidden direction mark: names are kept without them)."""
    return " ".join(plain_name(name).casefold().split())


async def create_group(s: AsyncSession, name: str) -> Group:
    group = Group(name=" ".join(name.split()), key=key_of(name))
    s.add(group)
    await s.flush()
    return group


async def rename_group(s: AsyncSession, group: Group, name: str) -> None:
    s.add(group)
    group.name, group.key = " ".join(name.split()), key_of(name)
    await s.flush()


async def delete_group(s: AsyncSession, group: Group) -> None:
    """The group, its memberships, meetings, polls and broadcasts go; people stay."""
    await s.execute(delete(Group).where(Group.id == group.id))
    await s.flush()


async def counts_of(s: AsyncSession, group_id: int) -> dict[str, int]:
    """How many people, meetings and polls ``group_id`` holds."""
    found = {"people": len(await member_ids(s, group_id))}
    for what, table in (("meetings", Meeting), ("polls", Poll)):
        found[what] = int(await s.scalar(
            select(func.count()).select_from(table).where(table.group_id == group_id)) or 0)
    return found


async def remove_member(s: AsyncSession, group_id: int, participant_id: int,
                        roles: Sequence[str] | None = None) -> int:
    """Take ``participant_id`` out of ``group_id`` (only ``roles``, if given); how many roles went."""
    query = delete(Membership).where(Membership.group_id == group_id,
                                     Membership.participant_id == participant_id)
    if roles is not None:
        query = query.where(Membership.role.in_(roles))
    done = await s.execute(query)
    await s.flush()
    return int(getattr(done, "rowcount", 0) or 0)


async def set_words(
    s: AsyncSession, group: Group, *, name_cy: str | None = None, coordinator: str | None = None,
    coordinator_cy: str | None = None,
) -> None:
    """Change what the group's members read; None leaves a word as it is, "" clears it (the
    service's [group] words again)."""
    s.add(group)
    for field, value in (("name_cy", name_cy), ("coordinator", coordinator),
                         ("coordinator_cy", coordinator_cy)):
        if value is not None:
            setattr(group, field, " ".join(value.split()) or None)
    await s.flush()


# The group each kind of topic is about: "checkin:3:2026-W48" and "group:3" name it; a
# meeting's, a poll's or a broadcast's topic names the row that holds it.
_TOPIC_TABLES: dict[str, type[Meeting] | type[Poll] | type[Broadcast]] = {
    "meeting": Meeting, "poll": Poll, "broadcast": Broadcast}


async def group_of_topic(s: AsyncSession, topic: str | None) -> int | None:
    """The id of the group ``topic`` (an outbox or job topic) is about, if it is about one."""
    kind, _, rest = (topic or "").partition(":")
    number = rest.partition(":")[0]
    if not number.isdigit():
        return None
    if kind in ("checkin", "group"):
        return int(number)
    table = _TOPIC_TABLES.get(kind)
    if table is None:
        return None
    found = await s.scalar(select(table.group_id).where(table.id == int(number)))
    return None if found is None else int(found)


_MEMBERSHIPS_OF = (
    select(Membership.participant_id, Membership.group_id)
    .where(Membership.participant_id.in_(bindparam("ids", expanding=True)))
    .order_by(Membership.id)
)
# On PostgreSQL, each person's memberships are looked up on their own, by the index on
# participant_id (``storage.each``; the OFFSET keeps the subquery from becoming a join).
_IDS = each.given("ids", Integer())
_THEIRS = (
    select(Membership.id, Membership.participant_id, Membership.group_id)
    .where(Membership.participant_id == _IDS.c.value)
    .offset(0)
    .lateral()
)
_MEMBERSHIPS_OF_EACH = (
    select(_THEIRS.c.participant_id, _THEIRS.c.group_id)
    .select_from(_IDS).join(_THEIRS, true())
    .order_by(_THEIRS.c.id)
)
_GROUPS = select(Group).where(Group.id.in_(bindparam("ids", expanding=True)))


async def speaking_for(
    s: AsyncSession, participant_ids: Sequence[int], about: int | None = None
) -> dict[int, Group]:
    """The group whose words each person reads: ``about`` (the group a conversation is
    about) if they are in it, else the first group they joined. Someone in no group is left out."""
    if not participant_ids:
        return {}
    postgres = s.get_bind().dialect.name == "postgresql"
    rows = await s.execute(_MEMBERSHIPS_OF_EACH if postgres else _MEMBERSHIPS_OF,
                           {"ids": list(set(participant_ids))})
    chosen: dict[int, int] = {}
    for pid, group_id in rows:
        if pid not in chosen or group_id == about:
            chosen[int(pid)] = int(group_id)
    if not chosen:
        return {}
    found = {g.id: g for g in await s.scalars(_GROUPS, {"ids": list(set(chosen.values()))})}
    return {pid: found[group_id] for pid, group_id in chosen.items()}


async def set_checkin_schedule(
    s: AsyncSession,
    group: Group,
    *,
    enabled: bool | None = None,
    weekday: int | None = None,
    time_of_day: time | None = None,
    timezone: str | None = None,
    flow: str | None = None,
) -> None:
    """Change a group's own check-in settings; None leaves a setting as it is."""
    s.add(group)
    if enabled is not None:
        group.checkins_enabled = enabled
    if weekday is not None:
        group.checkin_day = weekday
    if time_of_day is not None:
        group.checkin_time = time_of_day
    if timezone is not None:
        group.checkin_timezone = timezone
    if flow is not None:
        group.checkin_flow = flow
    await s.flush()


async def get_group_by_name(s: AsyncSession, name: str) -> Group | None:
    """The group called ``name``, whatever its case and spacing."""
    return await s.scalar(select(Group).where(Group.key == key_of(name)))


async def get_group(s: AsyncSession, group_id: int) -> Group | None:
    return await s.get(Group, group_id)


async def all_groups(s: AsyncSession) -> list[Group]:
    return list(await s.scalars(select(Group).order_by(Group.name)))


def _taking_part(group_id: int, roles: Sequence[str], after: int | None = None) -> ColumnElement[bool]:
    members = select(Membership.participant_id).where(
        Membership.group_id == group_id, Membership.role.in_(roles))
    if after is not None:
        # Bound in the memberships too, so the index on (group, participant) is read from
        # ``after`` on: else each part of a large group reads every membership before it.
        members = members.where(Membership.participant_id > after)
    return and_(
        Participant.status == "active",
        Participant.consent_at.is_not(None),
        Participant.id.in_(members),
    )


async def taking_part(
    s: AsyncSession, group_id: int, roles: Sequence[str] = ("member",)
) -> list[int]:
    """Who gets the group's messages: active people who gave consent, holding ``roles``."""
    rows = await s.scalars(
        select(Participant.id).where(_taking_part(group_id, roles)).order_by(Participant.id)
    )
    return list(rows)


async def next_taking_part(
    s: AsyncSession, group_id: int, *, after: int, limit: int, roles: Sequence[str] = ("member",)
) -> list[Participant]:
    """``taking_part``, a part at a time: the first ``limit`` of them (by id) after ``after``."""
    rows = await s.scalars(
        select(Participant)
        .where(_taking_part(group_id, roles, after), Participant.id > after)
        .order_by(Participant.id)
        .limit(limit)
    )
    return list(rows)


async def add_member(
    s: AsyncSession, group: Group, participant: Participant, role: str = "member"
) -> Membership:
    """Give ``participant`` ``role`` in ``group``; the existing membership if they have it."""
    key = {"group_id": group.id, "participant_id": participant.id, "role": role}
    added = await insert_new(s, Membership, unique_on=list(key), **key)
    if added is not None:
        return added
    existing = await s.scalar(select(Membership).filter_by(**key))
    assert existing is not None
    return existing


_GROUPS_OF = (
    select(Group)
    .where(Group.id.in_(
        select(Membership.group_id).where(Membership.participant_id == bindparam("participant_id"))
    ))
    .order_by(Group.name)
)


async def groups_of(s: AsyncSession, participant_id: int) -> list[Group]:
    return list(await s.scalars(_GROUPS_OF, {"participant_id": participant_id}))


async def people_with_role(
    s: AsyncSession, group_ids: Sequence[int], roles: Sequence[str]
) -> list[Participant]:
    """Active participants holding any of ``roles`` in any of ``group_ids``, each once."""
    if not group_ids or not roles:
        return []
    rows = await s.scalars(
        select(Participant)
        .where(
            Participant.status == "active",
            Participant.id.in_(
                select(Membership.participant_id).where(
                    Membership.group_id.in_(group_ids), Membership.role.in_(roles)
                )
            ),
        )
        .order_by(Participant.id)
    )
    return list(rows)


async def roles_of(s: AsyncSession, participant_id: int) -> list[tuple[int, str]]:
    """The (group id, role) pairs a participant holds."""
    rows = await s.execute(
        select(Membership.group_id, Membership.role)
        .where(Membership.participant_id == participant_id)
        .order_by(Membership.group_id, Membership.role)
    )
    return [(int(group_id), str(role)) for group_id, role in rows]


async def member_ids(s: AsyncSession, group_id: int) -> list[int]:
    """Everyone in the group, in any role and whatever their status."""
    rows = await s.scalars(
        select(Membership.participant_id).where(Membership.group_id == group_id).distinct()
    )
    return sorted(rows)


async def add_members(
    s: AsyncSession, group: Group, participant_ids: Sequence[int], role: str = "member"
) -> int:
    """Give many people ``role`` in ``group``; those who have it already are left as they are."""
    rows = [{"group_id": group.id, "participant_id": pid, "role": role} for pid in participant_ids]
    return await insert_many(s, Membership, rows, unique_on=("group_id", "participant_id", "role"))


async def staff_addresses(s: AsyncSession, channel: str) -> list[str]:
    """The ``channel`` addresses of everyone who coordinates a group, or is an admin."""
    coordinators = select(Membership.participant_id).where(Membership.role == "coordinator")
    rows = await s.scalars(
        select(Address.address)
        .join(Participant, Participant.id == Address.participant_id)
        .where(Address.channel == channel, Address.status == "ok", Participant.status == "active",
               (Participant.admin.is_(True)) | Participant.id.in_(coordinators))
        .order_by(Address.id)
    )
    return list(rows)


async def all_memberships(s: AsyncSession) -> list[tuple[int, int, str]]:
    """Every (group id, participant id, role) held, in every group."""
    rows = await s.execute(
        select(Membership.group_id, Membership.participant_id, Membership.role)
        .order_by(Membership.group_id, Membership.participant_id, Membership.role)
    )
    return [(int(group_id), int(pid), str(role)) for group_id, pid, role in rows]
