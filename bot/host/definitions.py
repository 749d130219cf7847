"""Flow definitions as sessions use them: each session keeps the version it started with.

Every flow's source is stored once per version; a session points at the stored
row, so editing a flow file never changes a conversation already under way.
"""

from __future__ import annotations

import logging

from bot.engine.definition import Flow
from bot.flowfiles.library import Library, parse_flow
from storage import flows as stored_flows
from storage.db import Tx
from storage.models import FlowDefinition, FlowSession

log = logging.getLogger(__name__)


class Definitions:
    """The stored row of each flow's current version, and parsed flows by stored row."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._current: dict[str, int] = {}
        self._parsed: dict[int, Flow] = {}

    async def register(self, s: Tx) -> None:
        """Store each flow's source, so a session can keep the version it started with."""
        for flow_id in self.library.files:
            await self._store(s, flow_id)

    async def current(self, s: Tx, flow_id: str) -> FlowDefinition:
        """The stored row of the library's version of ``flow_id``."""
        definition_id = self._current.get(flow_id)
        if definition_id is not None:
            found = await stored_flows.get_definition(s, definition_id)
            if found is not None:
                return found
        return await self._store(s, flow_id)

    async def flow_of(self, s: Tx, row: FlowSession) -> Flow | None:
        """The exact flow text a session started with, even if the file changed since."""
        flow = self._parsed.get(row.definition_id)
        if flow is None:
            definition = await stored_flows.get_definition(s, row.definition_id)
            if definition is None:
                return None
            try:
                flow = parse_flow(definition.source)
            except Exception:
                log.exception("stored flow %s cannot be read", row.definition_id)
                return None
            self._parsed[row.definition_id] = flow
        return flow

    async def _store(self, s: Tx, flow_id: str) -> FlowDefinition:
        file = self.library[flow_id]
        row = await stored_flows.register_definition(s, flow_id, file.flow.version, file.source)
        self._current[flow_id] = row.id
        self._parsed[row.id] = file.flow
        return row
