"""The word tables of ``bot.answers``, read once from the YAML files in ``words/``.

Each file maps a list's name to its words by language (``en``, ``cy``); a list of
numbers maps each word to its number. Every word is in the folded form that the
parsers compare against (see ``_text.fold``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("en", "cy")

WordList = Mapping[str, frozenset[str]]  # language -> words
NumberList = Mapping[str, Mapping[str, int]]  # language -> word -> number


class TableError(ValueError):
    """A word table that does not have the expected shape."""


@cache
def _file(name: str) -> dict[str, Any]:
    text = resources.files("bot.answers").joinpath("words", f"{name}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TableError(f"words/{name}.yaml is not a map of lists")
    return data


def _languages(file: str, name: str) -> dict[str, Any]:
    table = _file(file).get(name)
    if not isinstance(table, dict) or not set(table) <= set(LANGUAGES):
        raise TableError(f"words/{file}.yaml: {name} must map languages {LANGUAGES} to words")
    return table


def words(file: str, name: str) -> WordList:
    """The words of list ``name`` in ``words/<file>.yaml``, by language."""
    found: dict[str, frozenset[str]] = {}
    for language, items in _languages(file, name).items():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise TableError(f"words/{file}.yaml: {name}.{language} must be a list of strings")
        found[language] = frozenset(items)
    return found


def numbers(file: str, name: str) -> NumberList:
    """The words of list ``name`` in ``words/<file>.yaml`` and their numbers, by language."""
    found: dict[str, dict[str, int]] = {}
    for language, items in _languages(file, name).items():
        if not isinstance(items, dict) or not all(
            isinstance(k, str) and type(v) is int for k, v in items.items()
        ):
            raise TableError(f"words/{file}.yaml: {name}.{language} must map words to numbers")
        found[language] = dict(items)
    return found


def patterns(file: str, name: str) -> tuple[str, ...]:
    """The regular expressions of list ``name`` in ``words/<file>.yaml``."""
    items = _file(file).get(name)
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise TableError(f"words/{file}.yaml: {name} must be a list of patterns")
    return tuple(items)


def every(table: WordList) -> frozenset[str]:
    """The words of ``table`` in any language."""
    return frozenset().union(*table.values())


def merged(table: NumberList) -> dict[str, int]:
    """The words of ``table`` in any language, and their numbers."""
    return {word: n for items in table.values() for word, n in items.items()}


def raw(file: str) -> dict[str, Any]:
    """The whole of ``words/<file>.yaml``, for a table with its own shape."""
    return _file(file)
