"""Whether a tapped answer button still answers its question.

A question's choices go out as buttons that name the outbox message they came
under. A tap counts only while that message is the latest thing its flow said
in a session still under way (the conversation open, or a short item beside it: see
``bot.host.interleave``): once the flow says anything more (the next
question, or this one asked again with new buttons), the old buttons are closed
and the person is told so, in their language, rather than have an old question's
answer taken for the new one's.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.definition import text_for
from bot.language import texts
from storage import messages, participants, sessions
from storage.db import Tx


@dataclass(frozen=True)
class Tap:
    """What a tap on an answer button comes to: the ``label`` of the choice while its question is
    live (None once it has closed), and the ``notice`` to show the person when it has closed."""

    label: str | None
    notice: str

    @property
    def live(self) -> bool:
        return self.label is not None


async def choice(s: Tx, channel: str, address: str, message_id: int | None, number: int | None,
                 language: str) -> Tap:
    """Choice ``number`` (from 1) under outbox message ``message_id``, tapped at ``address``.

    ``language`` is for someone copro does not know yet.
    """
    language = await _language(s, channel, address, language)
    closed = Tap(None, text_for(texts.TAP_CLOSED, language))
    tapped = await messages.get(s, message_id) if message_id is not None else None
    if tapped is None or tapped.address != address or tapped.session_id is None:
        return closed
    session = await sessions.get(s, tapped.session_id)
    latest = await messages.latest_in_session(s, tapped.session_id)
    if (session is None or session.status not in ("active", "aside") or latest is None
            or latest.id != tapped.id):
        return closed
    index = number - 1 if number is not None else -1
    options = tapped.options or []
    return Tap(options[index], closed.notice) if 0 <= index < len(options) else closed


async def answered(s: Tx, channel: str, address: str, language: str) -> str:
    """What to tell someone who taps the mark of a choice they made already."""
    return text_for(texts.TAP_ANSWERED, await _language(s, channel, address, language))


async def nothing_chosen(s: Tx, channel: str, address: str, language: str) -> str:
    """What to tell someone who taps Done under several choices before marking one."""
    return text_for(texts.CHOICES_NONE_YET, await _language(s, channel, address, language))


async def _language(s: Tx, channel: str, address: str, language: str) -> str:
    person = await participants.find_by_address(s, channel, address)
    return person.language if person is not None else language
