"""Rows looked up for a list of keys one key at a time, by an index, on PostgreSQL.

For a table filled since PostgreSQL last analysed it (a large group just imported, the
outbox during a first fan-out) PostgreSQL has no figures to show that a key matches a
row or two, and for a long ``IN`` list, or a join with the list, it reads the whole
table. A list given as ``unnest(ARRAY[...])``, with a subquery for each key that cannot
be turned into a join (a scalar subquery, or ``LATERAL`` with a ``LIMIT`` or ``OFFSET``),
is always looked up key by key in the index. SQLite plans an ``IN`` list by its index
without figures, so it keeps ``IN``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TableValuedAlias, bindparam, func
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine


def given(name: str, type_: TypeEngine[Any], *, literal: bool = False) -> TableValuedAlias:
    """The list bound as ``name`` as a table of one column, ``value``. ``literal``: written
    into the statement (for a table that grows fast, so that no plan made when it was small
    is kept)."""
    return func.unnest(bindparam(name, type_=postgresql.ARRAY(type_), literal_execute=literal)
                       ).table_valued("value").render_derived()
