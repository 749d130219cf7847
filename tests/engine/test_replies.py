"""Every answer type a flow may expect has a reader."""

from __future__ import annotations

from typing import get_args

from bot.engine.definition import AnswerType
from bot.engine.replies import READERS


def test_every_answer_type_has_a_reader() -> None:
    # media is read from the reply's attachments as well as its text, in ``parse`` itself.
    assert set(READERS) == set(get_args(AnswerType)) - {"media"}
