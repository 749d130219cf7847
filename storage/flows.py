"""The flow sources sessions run, kept so a session finishes on the text it started with."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.insert import insert_new
from storage.models import FlowDefinition


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


async def register_definition(
    s: AsyncSession, flow_id: str, version: int, source: str
) -> FlowDefinition:
    """The stored row for this exact source of ``flow_id``, added if new."""
    digest = source_hash(source)
    added = await insert_new(
        s,
        FlowDefinition,
        unique_on=("flow_id", "hash"),
        flow_id=flow_id,
        version=version,
        source=source,
        hash=digest,
    )
    if added is not None:
        return added
    existing = await s.scalar(select(FlowDefinition).filter_by(flow_id=flow_id, hash=digest))
    assert existing is not None
    return existing


async def get_definition(s: AsyncSession, definition_id: int) -> FlowDefinition | None:
    return await s.get(FlowDefinition, definition_id)
