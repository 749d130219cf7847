"""Everything the bot keeps. Nothing outside this package writes SQL.

Open a :class:`Database`, then call the query modules inside ``db.transaction()``::

    async with db.transaction() as s:
        person = await participants.find_by_address(s, "sms", "+447700900123")
"""

from __future__ import annotations

from storage import audit, flows, groups, messages, participants, results, sessions
from storage.db import Database, default_sqlite_url, ensure_schema
from storage.models import (
    Address,
    AuditEvent,
    Base,
    FlowDefinition,
    FlowSession,
    Group,
    Membership,
    Message,
    Participant,
    Result,
)

__all__ = [
    "Address",
    "AuditEvent",
    "Base",
    "Database",
    "FlowDefinition",
    "FlowSession",
    "Group",
    "Membership",
    "Message",
    "Participant",
    "Result",
    "audit",
    "default_sqlite_url",
    "ensure_schema",
    "flows",
    "groups",
    "messages",
    "participants",
    "results",
    "sessions",
]
