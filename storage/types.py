"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out.

    PostgreSQL keeps them as ``timestamptz``; SQLite as naive UTC text. A naive
    datetime is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(DateTime(timezone=False))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use an aware UTC time")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type(*, none_as_null: bool = False) -> TypeEngine[Any]:
    """JSON, stored as JSONB on PostgreSQL."""
    return JSON(none_as_null=none_as_null).with_variant(
        JSONB(none_as_null=none_as_null), "postgresql"
    )


class DecimalText(TypeDecorator[Decimal]):
    """An exact decimal (miles, a rate a mile), kept as its text so it comes back as it went in."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


def plain_name(value: str) -> str:
    """A name without control or invisible format characters, its spaces single.

    Right-to-left overrides and isolates (U+202A-202E, U+2066-2069), the
    left-to-right and right-to-left marks, zero-width characters and the like
    could make a name show as something else in a coordinator's notice
    ("Ann" + U+202E + "gnp.exe"), so they never reach the database or the screen.
    """
    if value.isprintable():  # no control, format or line-breaking character: the usual name
        return " ".join(value.split())
    kept = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in value if unicodedata.category(c) != "Cf")
    return " ".join(kept.split())


class NameText(TypeDecorator[str]):
    """A person's or group's name: cleaned by ``plain_name`` going in and coming out."""

    impl = String(200)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else plain_name(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else plain_name(value)
