"""How features join in a conversation: one registry of typed hooks.

Each kind of hook is a small frozen dataclass holding its callback and what it
answers to (a button prefix, a notify target, a flow). A name can have only one
owner: a second ``Action`` for the same prefix, or a second ``NotifyHook`` for
the same target, is refused with ``DuplicateHook`` rather than silently
replacing the first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.engine.events import Notify
from storage.db import Tx
from storage.models import FlowSession, Message, Participant


class Say(Protocol):
    """Queues one reply to the message being handled, on the channel it came from: a template
    (one string, or one a language), its extra variables, how it is shown (``{"buttons":
    [...]}``) and a picture (a file) it is the caption of."""

    async def __call__(
        self,
        text: str | Mapping[str, str],
        scope: Mapping[str, Any] | None = None,
        display: dict[str, Any] | None = None,
        photo: str | None = None,
    ) -> None: ...


# Looks at a message before flows do; True if it dealt with it ("ACK 12" from a safeguarding lead).
InterceptCallback = Callable[[Tx, Participant, str, Say], Awaitable[bool]]
# A button that acts rather than answers: (transaction, who tapped it, the words after the prefix, say).
ActionCallback = Callable[[Tx, Participant, list[str], Say], Awaitable[None]]
# Adds to the answer to HELP: (transaction, who asked, say).
HelpCallback = Callable[[Tx, Participant, Say], Awaitable[None]]
# Handles a flow's ``notify`` for its target (safeguarding alerts), instead of the plain notice.
# Handles a flow's notice; returns how many people able to act it reached (the
# notice queued to them): the participant is told someone will be in touch only if
# that is not 0.
NotifyCallback = Callable[[Tx, Participant, FlowSession, Notify], Awaitable[int]]
# In the transaction that keeps an answer: (transaction, participant, flow session, key, value).
ResultCallback = Callable[[Tx, Participant, FlowSession, str, Any], Awaitable[None]]
# Just before a message about the hook's topic goes (it may have waited all night for contact
# hours): its words now (a summary rebuilt from the current state), the same words, or gone.
ReleaseCallback = Callable[[Tx, Message, datetime], Awaitable["Release"]]
# In the transaction in which a session ends (completed or expired), with its results.
EndCallback = Callable[[Tx, Participant, FlowSession, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Interceptor:
    """Sees each message from an active person before flows do."""

    callback: InterceptCallback


@dataclass(frozen=True)
class Action:
    """Runs for a button whose data starts ``prefix:`` (``alert:12:ack``)."""

    prefix: str
    callback: ActionCallback


@dataclass(frozen=True)
class HelpHook:
    """Adds to the answer to HELP (coordinators' commands, say)."""

    callback: HelpCallback


@dataclass(frozen=True)
class NotifyHook:
    """Handles a flow's ``notify: who``."""

    who: str
    callback: NotifyCallback


@dataclass(frozen=True)
class ResultHook:
    """Runs whenever a session of ``flow`` keeps an answer."""

    flow: str
    callback: ResultCallback


@dataclass(frozen=True)
class EndHook:
    """Runs when a session of ``flow`` is completed or expires."""

    flow: str
    callback: EndCallback


@dataclass(frozen=True)
class Release:
    """What a message becomes when it goes: ``gone`` says why it is no longer true (it is
    not sent); else ``body`` is its words now (None: as they were)."""

    body: str | None = None
    gone: str | None = None


AS_IT_WAS = Release()


@dataclass(frozen=True)
class ReleaseHook:
    """Looks again at each message whose topic starts ``prefix:`` (``claim:12``) when it goes."""

    prefix: str
    callback: ReleaseCallback


Hook = Interceptor | Action | HelpHook | NotifyHook | ResultHook | EndHook | ReleaseHook


class DuplicateHook(ValueError):
    """A second hook for a name that already has one."""


class Hooks:
    """Every hook, by kind, in the order registered."""

    def __init__(self) -> None:
        self.interceptors: list[Interceptor] = []
        self.helps: list[HelpHook] = []
        self._actions: dict[str, Action] = {}
        self._notify: dict[str, NotifyHook] = {}
        self._results: dict[str, list[ResultHook]] = {}
        self._ends: dict[str, list[EndHook]] = {}
        self._releases: dict[str, ReleaseHook] = {}

    def add(self, hook: Hook) -> None:
        """Register ``hook``; ``DuplicateHook`` if its prefix or target is taken."""
        if isinstance(hook, Interceptor):
            self.interceptors.append(hook)
        elif isinstance(hook, HelpHook):
            self.helps.append(hook)
        elif isinstance(hook, Action):
            _claim(self._actions, hook.prefix, hook, "a button action for the prefix")
        elif isinstance(hook, NotifyHook):
            _claim(self._notify, hook.who, hook, "a notify hook for")
        elif isinstance(hook, ReleaseHook):
            _claim(self._releases, hook.prefix, hook, "a release check for the topic")
        elif isinstance(hook, ResultHook):
            self._results.setdefault(hook.flow, []).append(hook)
        else:
            self._ends.setdefault(hook.flow, []).append(hook)

    def action(self, prefix: str) -> Action | None:
        return self._actions.get(prefix)

    def notify(self, who: str) -> NotifyHook | None:
        return self._notify.get(who)

    def results(self, flow: str) -> list[ResultHook]:
        return self._results.get(flow, [])

    def ends(self, flow: str) -> list[EndHook]:
        return self._ends.get(flow, [])

    async def release(self, s: Tx, message: Message, now: datetime) -> Release:
        """What ``message`` becomes as it goes, by the check for its topic (if any)."""
        hook = self._releases.get((message.topic or "").split(":", 1)[0])
        return await hook.callback(s, message, now) if hook else AS_IT_WAS


def _claim(taken: dict[str, Any], name: str, hook: Hook, what: str) -> None:
    if name in taken:
        raise DuplicateHook(f"there is already {what} {name!r} ({_name(taken[name])}); "
                            f"{_name(hook)} cannot have it too")
    taken[name] = hook


def _name(hook: Any) -> str:
    callback = hook.callback
    return str(getattr(callback, "__qualname__", None) or repr(callback))
