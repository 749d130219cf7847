"""Who may do what: coordinators act for their own groups, an admin for every group.

Every coordinator action asks here first and refuses politely otherwise; a
participant never reaches another person's data.
"""

from __future__ import annotations

from storage import groups
from storage.db import Tx
from storage.models import Group, Participant


async def coordinates(s: Tx, person: Participant, group_id: int | None) -> bool:
    """Whether ``person`` may act as a coordinator of ``group_id``."""
    if person.status != "active":
        return False
    if person.admin:
        return True
    return group_id is not None and (group_id, "coordinator") in await groups.roles_of(s, person.id)


async def coordinated_groups(s: Tx, person: Participant) -> list[Group]:
    """The groups ``person`` coordinates (every group, for an admin), by name."""
    if person.status != "active":
        return []
    everything = await groups.all_groups(s)
    if person.admin:
        return everything
    mine = {group_id for group_id, role in await groups.roles_of(s, person.id) if role == "coordinator"}
    return [g for g in everything if g.id in mine]
