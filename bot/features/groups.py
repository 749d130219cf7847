"""Groups by name: finding one whatever its case and spacing (suggesting the nearest
when none matches), renaming and removing them, and the roles people hold in them.

Every change is written to the audit trail with who made it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from storage import audit, groups
from storage.db import Tx
from storage.models import ROLES, Group, Participant


class GroupError(ValueError):
    """A group that cannot be found or changed as asked; ``str()`` says why in plain words."""


def nearest(name: str, names: list[str]) -> str | None:
    """The name in ``names`` closest to ``name`` (a typing slip), if any is close."""
    keys = {groups.key_of(n): n for n in names}
    close = difflib.get_close_matches(groups.key_of(name), list(keys), n=1, cutoff=0.6)
    return keys[close[0]] if close else None


def unknown(name: str, names: list[str]) -> str:
    """"there is no group called 'x'", with the nearest name or the names there are."""
    guess = nearest(name, names)
    if guess is not None:
        return f"there is no group called {name!r}: did you mean {guess!r}?"
    return f"there is no group called {name!r} (groups: {', '.join(names) or 'none yet'})"


async def find(s: Tx, name: str) -> Group:
    """The group called ``name`` (any case, any spacing), or ``GroupError`` with a suggestion."""
    group = await groups.get_group_by_name(s, name)
    if group is None:
        raise GroupError(unknown(name, [g.name for g in await groups.all_groups(s)]))
    return group


async def unknown_names(s: Tx, names: list[str]) -> list[str]:
    """Of ``names``, those that are no group (each once, blanks passed over), each with
    the nearest group name if there is one."""
    known = [g.name for g in await groups.all_groups(s)]
    keys = {groups.key_of(n) for n in known}
    missing: dict[str, str] = {}
    for name in names:
        if name.strip() and groups.key_of(name) not in keys and groups.key_of(name) not in missing:
            guess = nearest(name, known)
            missing[groups.key_of(name)] = f"{name!r}" + (f" (did you mean {guess!r}?)" if guess else "")
    return list(missing.values())


async def rename(s: Tx, group: Group, name: str, *, by: str, at: datetime) -> str:
    """Give ``group`` a new name; the old one, as it was."""
    if not name.strip():
        raise GroupError("give the group a name")
    other = await groups.get_group_by_name(s, name)
    if other is not None and other.id != group.id:
        raise GroupError(f"there is already a group called {other.name!r}")
    old = group.name
    await groups.rename_group(s, group, name)
    await audit.record(s, kind="group_renamed", actor=by,
                       details={"group": group.id, "from": old, "to": group.name}, at=at)
    return old


# What ``copro groups add/edit`` may set of a group's words for its members, and its audit name.
WORDS = ("name_cy", "coordinator", "coordinator_cy")


async def set_words(s: Tx, group: Group, *, by: str, at: datetime, **words: str | None) -> dict[str, str]:
    """Change what the group's members read (``WORDS``: its Welsh name, how to reach its
    coordinator, in English and Welsh); None leaves one as it is, "" gives back the service's.
    Returns what changed, as it now reads ("" for the service's)."""
    unknown_words = set(words) - set(WORDS)
    if unknown_words:
        raise GroupError(f"a group has no {', '.join(sorted(unknown_words))}")
    await groups.set_words(s, group, **words)
    changed = {name: getattr(group, name) or "" for name, value in words.items() if value is not None}
    if changed:
        await audit.record(s, kind="group_words", actor=by, details={"group": group.id, **changed}, at=at)
    return changed


@dataclass(frozen=True)
class Contents:
    """What a group holds, so that removing it can say what goes with it."""

    people: int
    meetings: int
    polls: int

    def __str__(self) -> str:
        return (f"{self.people} people (they stay in copro and in their other groups), "
                f"{self.meetings} meeting(s) and {self.polls} poll(s), which are deleted with it")


async def contents(s: Tx, group: Group) -> Contents:
    return Contents(**await groups.counts_of(s, group.id))


async def remove(s: Tx, group: Group, *, force: bool, by: str, at: datetime) -> Contents:
    """Remove ``group``; refused while it holds people, meetings or polls unless ``force``."""
    held = await contents(s, group)
    if (held.people or held.meetings or held.polls) and not force:
        raise GroupError(f"{group.name!r} still has {held}; give --force to remove it anyway, "
                         "or `copro groups rename` it")
    await audit.record(s, kind="group_removed", actor=by,
                       details={"group": group.id, "name": group.name, "people": held.people,
                                "meetings": held.meetings, "polls": held.polls}, at=at)
    await groups.delete_group(s, group)
    return held


async def remove_from(s: Tx, person: Participant, group: Group, *, by: str, at: datetime) -> list[str]:
    """Take ``person`` out of ``group`` (every role they hold in it); the roles they held."""
    held = [role for g, role in await groups.roles_of(s, person.id) if g == group.id]
    if not held:
        raise GroupError(f"participant {person.id} is not in {group.name}")
    await groups.remove_member(s, group.id, person.id)
    await audit.record(s, kind="membership_removed", actor=by, participant_id=person.id,
                       details={"group": group.id, "roles": held}, at=at)
    return held


async def set_role(s: Tx, person: Participant, group: Group, role: str, *, by: str,
                   at: datetime) -> list[str]:
    """Make ``role`` the one role ``person`` holds in ``group``; the roles they held before.

    Someone not yet in the group joins it in that role.
    """
    if role not in ROLES:
        raise GroupError(f"role {role!r} is not one of {', '.join(ROLES)}")
    held = [r for g, r in await groups.roles_of(s, person.id) if g == group.id]
    if held == [role]:
        raise GroupError(f"participant {person.id} is already {role} of {group.name}")
    await groups.remove_member(s, group.id, person.id, [r for r in held if r != role])
    await groups.add_member(s, group, person, role)
    await audit.record(s, kind="role_changed", actor=by, participant_id=person.id,
                       details={"group": group.id, "from": held, "to": role}, at=at)
    return held
