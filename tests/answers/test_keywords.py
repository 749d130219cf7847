"""STOP, START and HELP in the words people use (``bot.host.keywords``)."""

from __future__ import annotations

import pytest

from bot.host.keywords import command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "stop"), ("stop please", "stop"), ("Please stop", "stop"),
        ("please stop!", "stop"), ("Stop, please.", "stop"), ("stop it", "stop"),
        ("stop now please", "stop"), ("STOP MESSAGING ME", "stop"), ("unsubscribe", "stop"),
        ("stopio", "stop"), ("stopiwch plis", "stop"), ("stopio os gwelwch yn dda", "stop"),
        ("start", "start"), ("START please", "start"), ("ailddechrau", "start"),
        ("Ailddechrau plis", "start"), ("dechrau", "start"), ("start again", "start"),
        ("help", "help"), ("HELP!", "help"), ("help please", "help"), ("helpu", "help"),
        ("Helpu plis", "help"), ("cymorth", "help"), ("help me please", "help"),
        ("/stop", "stop"), ("/start@copro_bot", "start"),
    ],
)  # fmt: skip
def test_keyword_variants(text: str, expected: str) -> None:
    assert command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I can't stop smiling", "don't stop", "please", "thanks", "stop the bus",
        "help my friend", "start the meeting at 2", "/cancel", "", "stop stop please no",
        "please don't stop", "dim help",
    ],
)  # fmt: skip
def test_not_a_keyword(text: str) -> None:
    assert command(text) is None
