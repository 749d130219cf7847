"""Adding people: one at a time, from a spreadsheet (CSV), or with an invite code.

A person a coordinator adds has not yet said yes to copro keeping their answers:
they get the welcome (with its consent question) when they first write, or at
once with ``--welcome``; until they say yes they get no check-ins or polls.
Telegram chat ids are not something people know, so someone who wants to use
Telegram is given an invite: a code to send the bot (``/start CODE``), or a link
that does it for them (``https://t.me/<bot>?start=CODE``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.config import Config
from bot.core.phones import InvalidNumber, normalise
from bot.features import checkins
from bot.host.replies import WORK_CHANNELS
from storage import audit, groups, invites, messages, participants
from storage.db import Tx, savepoint
from storage.models import ROLES, Group, Invite, Participant

COLUMNS = ("name", "phone", "telegram", "language", "group", "role")
LANGUAGE_WORDS = {"en": "en", "english": "en", "saesneg": "en", "cy": "cy", "welsh": "cy",
                  "cymraeg": "cy"}
ROLE_WORDS = {**{r: r for r in ROLES}, "lead": "safeguarding", "safeguarding lead": "safeguarding",
              "": "member"}


class PeopleError(ValueError):
    """Someone who cannot be added as asked; ``str()`` says why in plain words."""


@dataclass(frozen=True)
class Row:
    """One person to add, as written in a CSV file or on the command line."""

    name: str = ""
    phone: str = ""
    telegram: str = ""
    language: str = ""
    group: str = ""
    role: str = ""
    line: int = 0


@dataclass
class Report:
    added: list[int] = field(default_factory=list)  # participant ids
    joined: list[int] = field(default_factory=list)  # people already known, added to a group
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    groups_made: list[str] = field(default_factory=list)


def read_csv(path: Path) -> list[Row]:
    """The rows of a CSV file with a header (``name, phone, telegram, language, group, role``)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            if "name" not in header or not ({"phone", "telegram"} & set(header)):
                raise PeopleError(f"{path}: the first line must name the columns, such as "
                                  f"{', '.join(COLUMNS)}")
            rows = []
            for number, record in enumerate(reader, start=2):
                values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()
                          if isinstance(v, str)}
                rows.append(Row(**{c: values.get(c, "") for c in COLUMNS}, line=number))
            return rows
    except UnicodeDecodeError:
        raise PeopleError(f"{path}: not a CSV file in UTF-8 (save it from your spreadsheet as "
                          "CSV UTF-8)") from None
    except OSError as exc:
        raise PeopleError(f"{path}: cannot read it: {exc.strerror or exc}") from None


class People:
    def __init__(self, config: Config, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.clock = clock

    async def add(
        self, s: Tx, row: Row, *, admin: bool = False, make_groups: bool = False,
        report: Report | None = None,
    ) -> tuple[Participant, bool]:
        """Add the person ``row`` describes; (the participant, whether they are new).

        Someone already known by their phone or chat id is not added twice: they
        join the group (in the role) if they are not in it already.
        """
        language = LANGUAGE_WORDS.get(row.language.lower()) if row.language else self.config.language
        if language is None:
            raise PeopleError(f"language {row.language!r} is not en or cy")
        role = ROLE_WORDS.get(row.role.lower())
        if role is None:
            raise PeopleError(f"role {row.role!r} is not one of {', '.join(ROLES)}")
        phone = self._phone(row.phone) if row.phone else None
        chat = _chat(row.telegram)
        group = await self._group(s, row.group, make=make_groups, report=report) if row.group else None
        known = [p for p in [await participants.find_by_address(s, "sms", phone) if phone else None,
                             await participants.find_by_address(s, "telegram", chat) if chat else None]
                 if p is not None]
        if len({p.id for p in known}) > 1:
            raise PeopleError("the phone and the chat id belong to two different people")
        if known:
            person = known[0]
            if group is None:
                raise PeopleError(f"already known as participant {person.id}"
                                  f"{f' ({person.name})' if person.name else ''}")
            if (group.id, role) in await groups.roles_of(s, person.id):
                raise PeopleError(f"participant {person.id} is already {role} of {group.name}")
            await groups.add_member(s, group, person, role)
            return person, False
        person = await participants.create_without_address(s, name=row.name or None, language=language,
                                                           timezone=self.config.timezone)
        if phone:
            await participants.add_address(s, person, "sms", phone)
        if chat:
            await participants.add_address(s, person, "telegram", chat)
        if admin:
            await participants.set_admin(s, person, True)
        if group is not None:
            await groups.add_member(s, group, person, role)
        await audit.record(s, kind="participant_added", actor="command line", participant_id=person.id,
                           details={"group": group.id if group else None, "role": role}, at=self.clock())
        return person, True

    async def change(
        self, s: Tx, person: Participant, *, name: str | None = None,
        phone: str | None = None, telegram: str | None = None, language: str | None = None,
        staff_notices: str | None = None,
    ) -> list[str]:
        """Put right what copro has about ``person``; returns what changed, in plain words.

        A new number or chat id replaces the old one, and messages still waiting
        go to it. ``staff_notices``: the channel their claims, alerts and summaries go on
        (``telegram``, ``sms``, or ``auto``: Telegram when they have it, else SMS).
        """
        changed = []
        if staff_notices is not None:
            chosen = None if staff_notices == "auto" else staff_notices
            if chosen not in (None, *WORK_CHANNELS):
                raise PeopleError(f"staff notices go by {' or '.join(WORK_CHANNELS)}, or auto")
            if chosen is not None and chosen not in {
                    a.channel for a in await participants.addresses_of(s, person.id)}:
                raise PeopleError(f"participant {person.id} has no {chosen} address yet")
            await participants.set_fields(s, person, work_channel=chosen, at=self.clock())
            changed.append("channel for staff notices")
        if language is not None:
            code = LANGUAGE_WORDS.get(language.lower())
            if code is None:
                raise PeopleError(f"language {language!r} is not en or cy")
            await participants.set_fields(s, person, language=code, at=self.clock())
            changed.append("language")
        if name is not None:
            if not name.strip():
                raise PeopleError("a name cannot be empty")
            await participants.set_fields(s, person, name=name.strip(), at=self.clock())
            changed.append("name")
        addresses = [("sms", self._phone(phone), "phone")] if phone is not None else []
        if telegram is not None:
            chat = _chat(telegram)
            if not chat:
                raise PeopleError("a Telegram chat id cannot be empty")
            addresses.append(("telegram", chat, "Telegram chat"))
        for channel, address, what in addresses:
            owner = await participants.find_by_address(s, channel, address)
            if owner is not None and owner.id != person.id:
                raise PeopleError(f"that {what} is participant {owner.id}'s")
            if owner is None:
                await participants.replace_address(s, person, channel, address)
                await messages.readdress(s, person.id, channel, address)
                changed.append(what)
        if changed:
            await audit.record(s, kind="participant_changed", actor="command line",
                               participant_id=person.id, details={"changed": changed}, at=self.clock())
        return changed

    def _phone(self, raw: str) -> str:
        try:
            return normalise(raw, self.config.twilio.default_region)
        except InvalidNumber as exc:
            raise PeopleError(str(exc)) from None

    async def import_rows(
        self, s: Tx, rows: Iterable[Row], *, progress: Callable[[], None] = lambda: None
    ) -> Report:
        """Add everyone in ``rows``; a row that cannot be added is reported, not fatal."""
        report = Report()
        for row in rows:
            try:
                async with savepoint(s):
                    person, new = await self.add(s, row, make_groups=True, report=report)
            except PeopleError as exc:
                report.skipped.append((row.line, str(exc)))
            else:
                (report.added if new else report.joined).append(person.id)
            progress()
        return report

    async def _group(self, s: Tx, name: str, *, make: bool, report: Report | None) -> Group:
        group = await groups.get_group_by_name(s, name)
        if group is not None:
            return group
        if not make:
            raise PeopleError(f"there is no group called {name!r}")
        group = await groups.create_group(s, name)
        await checkins.begin(s, group, self.config, now=self.clock())  # from now on
        if report is not None:
            report.groups_made.append(name)
        return group

    async def invite(self, s: Tx, person: Participant, *, days: int = 14) -> Invite:
        """A one-time code linking a Telegram chat to ``person``."""
        made = await invites.create(s, person, valid_for=timedelta(days=days), at=self.clock())
        await audit.record(s, kind="invite_made", actor="command line", participant_id=person.id,
                           at=self.clock())
        return made


def _chat(raw: str) -> str:
    chat = raw.strip()
    if chat and not chat.lstrip("-").isdigit():
        raise PeopleError(f"telegram {chat!r} is not a chat id (a number); leave it empty and "
                          "give them an invite code instead")
    return chat


def deep_link(bot_username: str | None, code: str) -> str | None:
    """The link that opens the bot with the code already typed in."""
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None
