"""The actions a step may run (``do:``), one module each, registered by type name.

A flow file names an action by its key (``notify: coordinators``); ``ACTIONS`` maps
that key to the class, and ``Action`` is the field type that reads one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BaseModel, Discriminator, Tag

from bot.engine.actions.base import REGISTRY, ActionModel, Run

# isort: off
# Each module registers its action on import, in this order (the order of docs/flows.md).
from bot.engine.actions.set_fields import SetAction
from bot.engine.actions.save_results import SaveAction
from bot.engine.actions.notify import NotifyAction
from bot.engine.actions.start_flow import StartAction
from bot.engine.actions.end_flow import EndAction
from bot.engine.actions.record_consent import ConsentAction
# isort: on

ACTIONS: dict[str, type[ActionModel]] = dict(REGISTRY)


def action_type(value: Any) -> str | None:
    """The type name of an action: the class's, or the one registered key in a mapping."""
    if isinstance(value, ActionModel):
        return value.type
    if isinstance(value, BaseModel):
        return None
    if isinstance(value, dict):
        found = [key for key in ACTIONS if key in value]
        return found[0] if len(found) == 1 else None
    return None


if TYPE_CHECKING:
    Action = ActionModel
else:  # a union of the registered classes, each tagged with its type name
    Action = Annotated[
        Union[tuple(Annotated[cls, Tag(name)] for name, cls in ACTIONS.items())],  # noqa: UP007
        Discriminator(
            action_type,
            custom_error_type="action",
            custom_error_message="an action is one of: " + ", ".join(ACTIONS),
        ),
    ]

__all__ = [
    "ACTIONS",
    "Action",
    "ActionModel",
    "ConsentAction",
    "EndAction",
    "NotifyAction",
    "Run",
    "SaveAction",
    "SetAction",
    "StartAction",
    "action_type",
]
