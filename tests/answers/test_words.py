"""The word tables in ``bot/answers/words``: every list against every other."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from bot.answers import _text as t
from bot.answers import _words as w
from bot.answers._tables import LANGUAGES, raw
from bot.answers.welsh_numbers import forms

CASES = Path(__file__).parent / "cases"


def _found() -> dict[tuple[str, frozenset[str]], set[str]]:
    """Each word in two or more lists, as (word, languages) -> the lists it is in."""
    where: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for name, table in w.ANSWER_LISTS.items():
        for language, words in table.items():
            for word in words:
                where[word].add((name, language))
    found = {}
    for word, places in where.items():
        lists = {name for name, _ in places}
        if len(lists) > 1:
            found[(word, frozenset(language for _, language in places))] = lists
    return found


def _declared() -> dict[tuple[str, frozenset[str]], set[str]]:
    return {
        (c["word"], frozenset(c["language"].split())): set(c["lists"])
        for c in yaml.safe_load(_raw_text("collisions"))
    }


def _raw_text(name: str) -> str:
    return (Path(w.__file__).parent / "words" / f"{name}.yaml").read_text("utf-8")


def test_no_word_is_in_two_lists_unless_declared() -> None:
    found, declared = _found(), _declared()
    undeclared = {k: sorted(v) for k, v in found.items() if declared.get(k) != v}
    assert not undeclared, f"words in two lists, not declared in collisions.yaml: {undeclared}"
    stale = sorted(word for word, _ in set(declared) - set(found))
    assert not stale, f"collisions.yaml declares collisions that are not there: {stale}"


def test_every_declared_collision_is_shown_in_the_cases() -> None:
    said = {
        t.key(str(case["say"]))
        for path in CASES.glob("*.yaml")
        for case in yaml.safe_load(path.read_text("utf-8"))["cases"]
    }
    unshown = sorted(word for word, _ in _declared() if word not in said)
    assert not unshown, f"no case in tests/answers/cases says {unshown} on its own"


def test_every_list_is_in_the_known_languages() -> None:
    for name, table in w.ANSWER_LISTS.items():
        assert table and set(table) <= set(LANGUAGES), name
        for words in table.values():
            assert all(word == t.key(word) or not t.key(word) for word in words), name


def test_welsh_number_words_are_a_system_not_a_list() -> None:
    data = raw("welsh_numbers")
    written = forms()
    assert {"dri", "thri", "nhri", "ddau", "bedwar", "phedwar", "bump", "ddeg", "hugain"} <= set(written)
    assert "ddim" not in written  # "not", not a mutated zero
    assert not any(form.startswith(("chh", "gh")) for form in written)  # "ch" does not mutate
    assert set(data["units"]) <= set(written)
