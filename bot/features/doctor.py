"""What would leave a person's alert or request with nobody to act on it, found before it matters.

A safeguarding alert goes to the group's safeguarding leads (or, without any
who can be reached, its coordinators); a request to talk to a person, a low
check-in score or an expense claim goes to its coordinators. Someone in a
group where none of those can be reached, or in no group at all, reaches
nobody. ``check`` finds every such gap and says, for each, how to close it with
a real ``copro`` command. Problems name groups and number people; they hold
no names, numbers or chat ids, so they can be logged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from bot.core.config import GroupConfig
from bot.core.whatsapp import WhatsAppConfig
from storage import groups, participants
from storage.db import Tx
from storage.models import Address, Group, Participant

Severity = Literal["error", "warning"]
STAFF = ("coordinator", "safeguarding")
ROLE_WORDS = {"coordinator": "coordinator", "safeguarding": "safeguarding lead"}
LANGUAGE_WORDS = {"en": "English", "cy": "Welsh"}
SHOWN = 20  # people numbered in one problem; the rest are counted
CHANNEL_WORDS = {"sms": "SMS", "telegram": "Telegram", "console": "`copro chat`",
                 "whatsapp": "WhatsApp", "voice": "phone call"}
TURN_ON = {
    "sms": "set COPRO_TWILIO_ACCOUNT_SID, COPRO_TWILIO_AUTH_TOKEN and COPRO_TWILIO_FROM "
           "(or the [twilio] keys) and restart copro",
    "whatsapp": "set COPRO_WHATSAPP_FROM (or whatsapp.from_number) and the [twilio] account, "
                "and restart copro",
    "telegram": "set COPRO_TELEGRAM_TOKEN (or telegram.token) and restart copro",
    "voice": "set voice.enabled = true, the [twilio] account and twilio.public_url "
             "(see docs/voice.md) and restart copro",
}


@dataclass(frozen=True)
class Problem:
    """One gap: where it is, what it is, why it matters and the command that closes it."""

    severity: Severity
    where: str
    what: str
    why: str
    fix: str
    groups: tuple[str, ...] = field(default=())  # the groups it concerns, by name

    def line(self) -> str:
        """The whole problem on one line, for a log."""
        return f"{self.where}: {self.what}. {self.why} To fix: {self.fix}"

    @property
    def label(self) -> str:
        return "Problem" if self.severity == "error" else "Warning"

    def __str__(self) -> str:
        return f"{self.label}: {self.where}: {self.what}.\n  {self.why}\n  To fix: {self.fix}"


def quoted(name: str) -> str:
    """A group name as it is typed in a command."""
    return f'"{name}"' if '"' not in name and "$" not in name and "`" not in name else f"'{name}'"


def adding(group: str, role: str) -> str:
    return f"copro participants add --name NAME --phone NUMBER --group {quoted(group)} --role {role}"


@dataclass
class _Service:
    """Everything ``check`` looks at, read once."""

    groups: list[Group]
    people: dict[int, Participant]
    addresses: dict[int, list[Address]]
    held: dict[int, set[tuple[int, str]]]  # participant id -> (group id, role)
    channels: Collection[str] | None

    roles: dict[tuple[int, str], list[int]]  # (group id, role) -> participant ids

    def holders(self, group_id: int, role: str) -> list[int]:
        return self.roles.get((group_id, role), [])

    def unreachable(self, pid: int) -> tuple[str, str] | None:
        """Why copro cannot reach ``pid`` and what to do, or None if it can."""
        person = self.people[pid]
        if person.status == "opted_out":
            return ("they sent STOP, so copro sends them nothing",
                    "if they want to keep the role they text START; otherwise give it to someone else")
        if person.status != "active":
            return "their details were erased", "give the role to someone else"
        ways = self.addresses.get(pid, [])
        usable = [a for a in ways if a.status == "ok"]
        if not ways:
            return ("copro has no phone number or Telegram chat for them",
                    f"copro participants change {pid} --phone NUMBER, or for Telegram "
                    f"copro invite {pid}")
        if not usable:
            return ("messages to their phone or Telegram could not be delivered",
                    f"copro participants change {pid} --phone NUMBER (or --telegram CHAT_ID)")
        first = usable[0].channel  # the address copro uses for them
        if self.channels is not None and first not in self.channels:
            fix = TURN_ON.get(first, "give the role to someone with a phone or Telegram")
            return f"copro reaches them by {CHANNEL_WORDS.get(first, first)}, which is off", fix
        return None

    def reachable(self, pids: Sequence[int]) -> list[int]:
        return [pid for pid in pids if self.unreachable(pid) is None]


async def check(
    s: Tx, *, channels: Collection[str] | None = None, only: Collection[int] | None = None,
    whatsapp: WhatsAppConfig | None = None, group: GroupConfig | None = None,
) -> list[Problem]:
    """Every problem in the service, the worst first.

    ``channels`` are the channels copro sends on (None: do not judge channels);
    ``only`` limits the check to these groups (by id) and the people holding a role
    in them, leaving out what concerns the whole service. With ``whatsapp``, a
    template missing for a language someone on WhatsApp reads is a warning; with
    ``group``, a coordinator contact Welsh speakers would read in English.
    """
    service = await _read(s, channels)
    chosen = [g for g in service.groups if only is None or g.id in only]
    problems = [p for g in chosen for p in _group_problems(service, g)]
    problems += _staff_problems(service, {g.id for g in chosen})
    if only is None:
        problems += _service_problems(service)
    if only is None and group is not None:
        languages = {p.language for p in service.people.values() if p.status == "active"}
        problems += welsh_problems(group, languages)
    if only is None and whatsapp is not None:
        problems += template_problems(whatsapp, await participants.languages_on(s, "whatsapp"))
    return sorted(problems, key=lambda p: p.severity != "error")


def welsh_problems(group: GroupConfig, languages: Collection[str]) -> list[Problem]:
    """A warning when Welsh speakers would read the coordinator's contact in English (a
    group's name is a name, and reads the same in both languages)."""
    if "cy" not in languages or group.coordinator_cy or group.words("cy")[1] != group.coordinator:
        return []
    return [Problem(
        "warning", "Welsh messages", f"group.coordinator ({group.coordinator!r}) has no Welsh",
        "Welsh speakers read it as it is written, inside their Welsh messages.",
        'set group.coordinator_cy in copro.toml, for example coordinator_cy = "Sam ar 01234 567890"')]


def template_problems(whatsapp: WhatsAppConfig, languages: Collection[str]) -> list[Problem]:
    """A warning for each purpose with no WhatsApp template in one of ``languages``."""
    return [Problem(
        "warning", "WhatsApp", f"no '{purpose}' template in {LANGUAGE_WORDS.get(lang, lang)}",
        "When someone's 24-hour window has shut, these messages go by SMS instead, or not at "
        "all if they have no number for texts.",
        f"register it in Twilio (see docs/whatsapp.md) and add its Content SID as "
        f'[whatsapp.templates.{purpose}] {lang} = {{ content_sid = "HX..." }}')
        for purpose, lang in whatsapp.missing(set(languages))]


async def problems_by_group(s: Tx, group_ids: Collection[int]) -> dict[str, list[Problem]]:
    """The problems of each of ``group_ids``, by group name (only groups that have some)."""
    found: dict[str, list[Problem]] = defaultdict(list)
    for problem in await check(s, only=group_ids):
        for name in problem.groups:
            found[name].append(problem)
    return dict(found)


async def _read(s: Tx, channels: Collection[str] | None) -> _Service:
    ids = await participants.all_ids(s)
    held: dict[int, set[tuple[int, str]]] = defaultdict(set)
    roles: dict[tuple[int, str], list[int]] = defaultdict(list)
    for group_id, pid, role in await groups.all_memberships(s):  # by group, then participant
        held[pid].add((group_id, role))
        roles[(group_id, role)].append(pid)
    staff = [pid for pid, roles in held.items() if any(role in STAFF for _, role in roles)]
    return _Service(
        groups=await groups.all_groups(s),
        people=await participants.get_many(s, ids),
        addresses={pid: await participants.addresses_of(s, pid) for pid in staff},
        held=dict(held),
        channels=channels,
        roles=dict(roles),
    )


def _group_problems(service: _Service, group: Group) -> list[Problem]:
    where = f"group {quoted(group.name)}"
    coordinators = service.holders(group.id, "coordinator")
    leads = service.holders(group.id, "safeguarding")
    members = [pid for pid in service.holders(group.id, "member")
               if service.people[pid].status == "active"]
    found = []
    if members and not service.reachable(coordinators + leads):
        found.append(Problem(
            "error", where, "nobody can receive a safeguarding alert from this group",
            f"An alert from any of its {len(members)} member(s) would reach no one able to act.",
            "add a coordinator (or safeguarding lead) who can be reached: "
            + adding(group.name, "coordinator"), (group.name,)))
    if not coordinators:
        found.append(Problem(
            "error", where, "no coordinator",
            "A request to talk to a person, a low check-in score or an expense claim from "
            "this group reaches nobody.", adding(group.name, "coordinator"), (group.name,)))
    elif not service.reachable(coordinators):
        found.append(Problem(
            "error", where, "no coordinator who can be reached",
            "A request to talk to a person, a low check-in score or an expense claim from "
            "this group reaches nobody (see the problems about each coordinator).",
            adding(group.name, "coordinator"), (group.name,)))
    if not leads:
        found.append(Problem(
            "warning", where, "no safeguarding lead",
            "Safeguarding alerts go to its coordinators instead.",
            adding(group.name, "safeguarding"), (group.name,)))
    welsh = any(service.people[pid].language == "cy" and service.people[pid].status == "active"
                for (gid, _), pids in service.roles.items() if gid == group.id for pid in pids)
    if welsh and group.coordinator and not group.coordinator_cy:
        found.append(Problem(
            "warning", where, f"its coordinator ({group.coordinator!r}) has no Welsh",
            "Its Welsh speakers read it as it is written, inside their Welsh messages.",
            f'copro groups edit {quoted(group.name)} --welsh-coordinator "Sam ar 01234 567890"',
            (group.name,)))
    return found


def _staff_problems(service: _Service, group_ids: set[int]) -> list[Problem]:
    names = {g.id: g.name for g in service.groups}
    found = []
    for pid in sorted(service.held):
        roles = sorted((names[g], role) for g, role in service.held[pid]
                       if role in STAFF and g in group_ids)
        if not roles:
            continue
        reason = service.unreachable(pid)
        if reason is None:
            continue
        why, fix = reason
        held = ", ".join(f"{ROLE_WORDS[role]} of {quoted(name)}" for name, role in roles)
        found.append(Problem(
            "warning", f"participant {pid} ({held})", "cannot be reached",
            f"copro cannot send them alerts or requests: {why}.", f"{fix}.",
            tuple(sorted({name for name, _ in roles}))))
    return found


def _service_problems(service: _Service) -> list[Problem]:
    found = []
    alone = [pid for pid, person in sorted(service.people.items())
             if person.status == "active" and not person.admin and not service.held.get(pid)]
    if alone:
        shown = ", ".join(str(pid) for pid in alone[:SHOWN])
        more = f" and {len(alone) - SHOWN} more" if len(alone) > SHOWN else ""
        found.append(Problem(
            "error", f"participant(s) {shown}{more}", "in no group",
            "If they ask for a person or write something worrying, nobody is told.",
            'copro participants add --name NAME --phone THEIR_NUMBER --group "GROUP" '
            "(see them with `copro participants list`)"))
    if not any(person.admin and person.status == "active" for person in service.people.values()):
        found.append(Problem(
            "warning", "the service", "no admin",
            "Nobody can act for every group, such as acknowledging an alert in a group "
            "whose coordinators are away.",
            "copro participants add --name NAME --phone NUMBER --admin"))
    return found
