"""What every action is, what it may do to the turn that runs it, and the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar, Protocol, TypeVar

from bot.engine.events import EndStatus, Event
from bot.engine.model import Model, Text


class Run(Protocol):
    """The running turn, as an action sees it."""

    participant: dict[str, Any]
    results: dict[str, Any]

    def emit(self, event: Event) -> None: ...

    def evaluate(self, step: str, expression: str) -> Any:
        """The value of a Jinja2 expression, or None (and a ``Problem`` event) if it fails."""

    def render(self, step: str, text: Text, language: str | None = None) -> str | None:
        """A template rendered, or None (and a ``Problem`` event) if it fails."""

    def end(self, status: EndStatus, reason: str = "") -> None: ...


class ActionModel(Model):
    """One item of a step's ``do:`` list. ``type`` is the key that names it in a flow file."""

    type: ClassVar[str]
    # The flow stops after this action (the checker follows no path beyond it).
    ends_flow: ClassVar[bool] = False
    # Its texts go to staff, in English: one string needs no translation.
    for_staff: ClassVar[bool] = False

    def execute(self, run: Run, step: str) -> None:
        raise NotImplementedError

    def templates(self) -> Iterator[tuple[str, Text]]:
        """(field, text) of every message template, for the checker."""
        return iter(())

    def expressions(self) -> Iterator[tuple[str, str]]:
        """(field, source) of every Jinja2 expression, for the checker."""
        return iter(())


REGISTRY: dict[str, type[ActionModel]] = {}

A = TypeVar("A", bound=ActionModel)


def register(name: str) -> Callable[[type[A]], type[A]]:
    """Register an action class under its type name (the key used in flow files)."""

    def add(cls: type[A]) -> type[A]:
        if name in REGISTRY:
            raise ValueError(f"two actions are called {name!r}")
        if name not in cls.model_fields:
            raise ValueError(f"action {name!r} needs a field of the same name")
        cls.type = name
        REGISTRY[name] = cls
        return cls

    return add
