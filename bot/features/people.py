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
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.config import Config
from bot.core.logs import mask
from bot.core.phones import WHATSAPP, InvalidNumber, mobile, normalise
from bot.features import checkins
from bot.features import groups as group_work
from bot.host.replies import WORK_CHANNELS
from storage import audit, groups, invites, messages, participants
from storage.db import Tx, savepoint
from storage.models import ROLES, Group, Invite, Participant

PHONE_CHANNELS = ("sms", "voice")  # a phone number is texted, or called
CALL_WORDS = ("yes", "y", "call", "phone call", "ie")  # an optional ``call`` column: call them
COLUMNS = ("name", "phone", "telegram", "language", "group", "role", "whatsapp")
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
    whatsapp: str = ""  # their number on WhatsApp
    call: bool = False  # reached by phone call at ``phone``, not by text


@dataclass
class Report:
    added: list[int] = field(default_factory=list)  # participant ids
    joined: list[int] = field(default_factory=list)  # people already known, added to a group
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    groups_made: list[str] = field(default_factory=list)


def read_csv(path: Path) -> list[Row]:
    """The rows of a CSV file with a header (``name, phone, telegram, language, group, role``,
    and ``whatsapp`` if any use it)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            return read_rows(file, str(path))
    except UnicodeDecodeError:
        raise PeopleError(f"{path}: not a CSV file in UTF-8 (save it from your spreadsheet as "
                          "CSV UTF-8)") from None
    except OSError as exc:
        raise PeopleError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def read_rows(lines: Iterable[str], source: str) -> list[Row]:
    """The rows of CSV text with a header; ``source`` names it in the error."""
    reader = csv.DictReader(lines)
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header or not ({"phone", "telegram", "whatsapp"} & set(header)):
        raise PeopleError(f"{source}: the first line must name the columns, such as "
                          f"{', '.join(COLUMNS)}")
    rows = []
    for number, record in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()
                  if isinstance(v, str)}
        rows.append(Row(**{c: values.get(c, "") for c in COLUMNS}, line=number,
                        call=values.get("call", "").lower() in CALL_WORDS))
    return rows


class People:
    def __init__(self, config: Config, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.clock = clock

    async def add(
        self, s: Tx, row: Row, *, admin: bool = False, make_groups: bool = False,
        report: Report | None = None, by: str = "command line",
    ) -> tuple[Participant, bool]:
        """Add the person ``row`` describes; (the participant, whether they are new).

        Someone already known by their phone or chat id is not added twice: they
        join the group (in the role) if they are not in it already.
        """
        if not row.name.strip():
            raise PeopleError("the name is empty: every person needs a name")
        language = LANGUAGE_WORDS.get(row.language.lower()) if row.language else self.config.language
        if language is None:
            raise PeopleError(f"language {row.language!r} is not en or cy")
        role = ROLE_WORDS.get(row.role.lower())
        if role is None:
            raise PeopleError(f"role {row.role!r} is not one of {', '.join(ROLES)}")
        phone = self._phone(row.phone) if row.phone else None
        app = f"{WHATSAPP}{self._phone(row.whatsapp)}" if row.whatsapp else None
        chat = _chat(row.telegram)
        group = await self._group(s, row.group, make=make_groups, report=report) if row.group else None
        known = [p for p in [*[await participants.find_by_address(s, way, phone) if phone else None
                               for way in PHONE_CHANNELS],
                             await participants.find_by_address(s, "whatsapp", app) if app else None,
                             await participants.find_by_address(s, "telegram", chat) if chat else None]
                 if p is not None]
        if len({p.id for p in known}) > 1:
            raise PeopleError("the phone, WhatsApp number and chat id belong to different people")
        if known:
            person = known[0]
            if group is None:
                raise PeopleError(f"already known as participant {person.id}"
                                  f"{f' ({person.full_name})' if person.full_name else ''}")
            if (group.id, role) in await groups.roles_of(s, person.id):
                raise PeopleError(f"participant {person.id} is already {role} of {group.name}")
            await groups.add_member(s, group, person, role)
            return person, False
        person = await participants.create_without_address(s, name=row.name.strip(), language=language,
                                                           timezone=self.config.timezone)
        if app:  # first: what copro starts goes where the person chose to be reached
            await participants.add_address(s, person, "whatsapp", app)
        if phone:
            await participants.add_address(s, person, "voice" if row.call else "sms", phone)
        if chat:
            await participants.add_address(s, person, "telegram", chat)
        if admin:
            await participants.set_admin(s, person, True)
        if group is not None:
            await groups.add_member(s, group, person, role)
        await audit.record(s, kind="participant_added", actor=by, participant_id=person.id,
                           details={"group": group.id if group else None, "role": role}, at=self.clock())
        return person, True

    async def change(
        self, s: Tx, person: Participant, *, name: str | None = None, called: str | None = None,
        phone: str | None = None, telegram: str | None = None, language: str | None = None,
        by: str = "command line", reach: str | None = None, staff_notices: str | None = None,
    ) -> list[str]:
        """Put right what copro has about ``person``; returns what changed, in plain words.

        A new number or chat id replaces the old one, and messages still waiting
        go to it. ``reach`` (``call`` or ``text``) is how their phone number is used:
        by phone call or by text; messages still waiting go that way. ``staff_notices``: the
        channel their claims, alerts and summaries go on (``telegram``, ``sms``, or ``auto``:
        Telegram when they have it, else SMS).
        """
        changed = []
        ways = {a.channel for a in await participants.addresses_of(s, person.id)}
        by_phone = "voice" if "voice" in ways else "sms"
        if reach is not None:
            wanted = {"call": "voice", "text": "sms"}.get(reach)
            if wanted is None:
                raise PeopleError(f"reach {reach!r} is not call or text")
            if wanted != by_phone:
                if by_phone not in ways:
                    raise PeopleError("copro has no phone number for them: give --phone too")
                await participants.move_address(s, person, by_phone, wanted)
                await messages.rechannel(s, person.id, by_phone, wanted)
                by_phone = wanted
                changed.append("way of reaching them")
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
        if called is not None:
            if not called.strip():
                raise PeopleError("a preferred name cannot be empty")
            await participants.set_fields(s, person, called=called.strip(), at=self.clock())
            changed.append("preferred name")
        addresses = [(by_phone, self._phone(phone), "phone")] if phone is not None else []
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
            await audit.record(s, kind="participant_changed", actor=by,
                               participant_id=person.id, details={"changed": changed}, at=self.clock())
        return changed

    def _phone(self, raw: str) -> str:
        try:
            return mobile(raw, self.config.twilio.default_region)
        except InvalidNumber as exc:
            raise PeopleError(str(exc)) from None

    async def import_rows(
        self, s: Tx, rows: Sequence[Row], *, create_groups: bool = False,
        progress: Callable[[], None] = lambda: None, by: str = "command line",
    ) -> Report:
        """Add everyone in ``rows``; a row that cannot be added is reported, not fatal.

        Groups are matched whatever their case and spacing. A group that does not
        exist is made only with ``create_groups``; otherwise nothing is imported and
        ``PeopleError`` names the unknown groups (with the nearest known name).
        """
        missing = await group_work.unknown_names(s, [row.group for row in rows])
        if missing and not create_groups:
            raise PeopleError(f"no group called {', '.join(missing)}: nothing was imported. "
                              "Put the group names right, add the groups with `copro groups add`, "
                              "or give --create-groups to make them")
        report = Report()
        for row in rows:
            try:
                async with savepoint(s):
                    person, new = await self.add(s, row, make_groups=create_groups, report=report,
                                                 by=by)
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
            raise PeopleError(group_work.unknown(name, [g.name for g in await groups.all_groups(s)]))
        group = await groups.create_group(s, name)
        await checkins.begin(s, group, self.config, now=self.clock())  # from now on
        if report is not None:
            report.groups_made.append(group.name)
        return group

    async def invite(
        self, s: Tx, person: Participant, *, days: int = 14, by: str = "command line"
    ) -> Invite:
        """A one-time code linking a Telegram chat to ``person``."""
        made = await invites.create(s, person, valid_for=timedelta(days=days), at=self.clock())
        await audit.record(s, kind="invite_made", actor=by, participant_id=person.id,
                           at=self.clock())
        return made


# A Telegram username: 5 to 32 letters, digits and underscores.
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


async def find(s: Tx, who: str, region: str = "GB") -> list[Participant]:
    """Everyone ``who`` could name: their number in copro, their full or preferred name
    (any case and spacing), a phone number in any format ("07700 900456",
    "+44 7700 900456", "447700900456"), a Telegram chat id or Telegram ``@username`` (with
    or without the @, any case, once copro has seen it). Several are all returned."""
    text = " ".join(who.split())
    if not text:
        return []
    addresses = [text]
    for raw in (text, f"+{text}" if text.isdigit() else ""):
        with suppress(InvalidNumber):
            addresses.append(normalise(raw, region))
    digits = text.lstrip("#")
    person_id = int(digits) if digits.isdigit() and len(digits) < 10 else None
    username = text.removeprefix("@") if USERNAME.fullmatch(text.removeprefix("@")) else None
    return await participants.matching(s, person_id=person_id, addresses=addresses, name=text,
                                       username=username)


async def describe_each(s: Tx, found: Sequence[Participant]) -> list[str]:
    """One line for each person, to choose between them: number, name, groups, masked phone."""
    names = {g.id: g.name for g in await groups.all_groups(s)}
    lines = []
    for person in found:
        held = ", ".join(dict.fromkeys(names[g] for g, _ in await groups.roles_of(s, person.id)))
        phones = [mask(a.address) for a in await participants.addresses_of(s, person.id)
                  if a.channel == "sms"]
        lines.append(f"{person.id}: {person.full_name or 'no name'}"
                     f" ({held or 'no group'}; {', '.join(phones) or 'no phone'})")
    return lines


def _chat(raw: str) -> str:
    chat = raw.strip()
    if chat and not chat.lstrip("-").isdigit():
        raise PeopleError(f"telegram {chat!r} is not a chat id (a number); leave it empty and "
                          "give them an invite code instead")
    return chat


def deep_link(bot_username: str | None, code: str) -> str | None:
    """The link that opens the bot with the code already typed in."""
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None
