"""The building blocks of the flow file format, shared by steps and actions."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "cy")

# A text is a Jinja2 template, or a map of language code to template.
Text = str | dict[str, str]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]


class Model(BaseModel):
    """A part of a flow file: unknown fields are refused, and nothing changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def text_for(text: Text, language: str) -> str:
    """The template for ``language``, falling back to English."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()), "")
