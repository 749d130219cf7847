"""WhatsApp's part of the configuration: the sender, its rate, and the approved templates.

WhatsApp lets a business write freely only within 24 hours of the person's last
message; anything copro starts after that must open with a template Meta has
approved. Each template is registered in Twilio's Content Template Builder and
named here by ``purpose`` and language: ``[whatsapp.templates.checkin]`` with
``en = { content_sid = "HX…", variables = { "1" = "name", "2" = "group" } }``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.core.phones import InvalidNumber, normalise
from bot.engine.definition import Duration

# Why copro opens a conversation: what each template is for (docs/whatsapp.md has their words).
PURPOSES = ("optin", "checkin", "meeting", "poll", "broadcast", "nudge", "message")
# What a template's variables may be filled with.
Variable = Literal["name", "group", "coordinator"]
WINDOW = timedelta(hours=24)  # how long after the person's last message copro may write freely
LANGUAGES = ("en", "cy")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _name_and_group() -> dict[str, Variable]:
    return {"1": "name", "2": "group"}


class Template(_Section):
    """One approved template: Twilio's Content SID, and what fills each of its variables."""

    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: dict[Annotated[str, Field(pattern=r"^[1-9][0-9]?$")], Variable] = Field(
        default_factory=_name_and_group)


class WhatsAppConfig(_Section):
    # The WhatsApp sender registered with Twilio, such as "+447700900123"; empty: WhatsApp off.
    from_number: str = ""
    messages_per_second: Annotated[float, Field(gt=0)] = 20
    # A question of one to three short choices goes with WhatsApp's quick-reply buttons (made
    # once in Twilio's Content API); off: choices are numbered, as on SMS.
    quick_replies: bool = True
    # How long the link to a picture copro sends on WhatsApp works (WhatsApp fetches it at once).
    media_link_lasts: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(hours=1)
    templates: dict[Literal[PURPOSES], dict[Literal[LANGUAGES], Template]] = Field(  # type: ignore[valid-type]
        default_factory=dict)

    @field_validator("from_number")
    @classmethod
    def _sender(cls, value: str, info: ValidationInfo) -> str:
        value = value.removeprefix("whatsapp:")
        if not value:
            return value
        try:
            return normalise(value, "GB")
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None

    def template(self, purpose: str, language: str) -> Template | None:
        """The template that opens a conversation for ``purpose`` in ``language``, if any."""
        return self.templates.get(purpose, {}).get(language)

    def missing(self, languages: set[str] | list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
        """(purpose, language) with no template, for each of ``languages`` in use."""
        return [(p, lang) for p in PURPOSES for lang in sorted(set(languages))
                if self.template(p, lang) is None]
