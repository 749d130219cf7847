"""What the engine is given and gives back: the session, its context, the outcome of a turn."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bot.engine.events import Event
from bot.engine.values import from_json, to_json

SessionStatus = Literal["active", "completed", "expired", "errored"]


@dataclass(frozen=True)
class Session:
    """Where one participant is in one flow."""

    flow: str
    version: int
    step: str | None = None
    status: SessionStatus = "active"
    results: Mapping[str, Any] = field(default_factory=dict)
    retries: int = 0
    nudged: bool = False

    def state(self) -> dict[str, Any]:
        """The part kept in the session's JSON column."""
        return {"results": to_json(dict(self.results)), "retries": self.retries, "nudged": self.nudged}

    @classmethod
    def restore(
        cls, flow: str, version: int, step: str | None, status: str, state: Mapping[str, Any]
    ) -> Session:
        known: SessionStatus = status if status in ("completed", "expired", "errored") else "active"  # type: ignore[assignment]
        return cls(
            flow=flow,
            version=version,
            step=step,
            status=known,
            results=from_json(dict(state.get("results") or {})),
            retries=int(state.get("retries") or 0),
            nudged=bool(state.get("nudged")),
        )


@dataclass(frozen=True)
class Context:
    """What a flow may read besides its own session."""

    participant: Mapping[str, Any]
    today: date
    settings: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    session: Session
    events: tuple[Event, ...]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]
