"""Whether a tapped answer button still answers its question.

A question's choices go out as buttons that name the outbox message they came
under. A tap counts only while that message is the latest thing its flow said
in a session still under way (the conversation open, or a short item beside it: see
``bot.host.interleave``): once the flow says anything more (the next
question, or this one asked again with new buttons), the old buttons are closed
and the person is told so, in their language, rather than have an old question's
answer taken for the new one's.

On WhatsApp a question's choices go as quick-reply buttons whose payload is the
choice's value; a tap comes back naming the message it was under (Twilio's
``OriginalRepliedMessageSid``) and is checked the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.engine.definition import text_for
from bot.host.replies import Outbox, ReplyTo
from bot.language import texts
from storage import messages, participants, sessions, windows
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


def button_ids(options: Sequence[str], values: Sequence[str]) -> list[str]:
    """What each choice's button carries back (a WhatsApp quick reply's payload): the choice's
    value, or its number from 1 where the message does not have the values of all its choices."""
    if len(values) == len(options) and len(set(values)) == len(values) and all(values):
        return [str(v) for v in values]
    return [str(n) for n in range(1, len(options) + 1)]


@dataclass(frozen=True)
class QuickReply:
    """A quick-reply button tapped under a question: the ``number`` of its choice, and what the
    tap comes to (``tap.live`` while that question still waits for its answer)."""

    number: int
    tap: Tap


async def quick_reply(s: Tx, channel: str, address: str, provider_id: str | None, payload: str,
                      language: str) -> QuickReply | None:
    """The choice the button carrying ``payload`` stands for, under the message the provider
    knows as ``provider_id`` (without one: the latest question sent to ``address``); None if
    no question copro sent there has a button carrying it (a template's button, say)."""
    tapped = (await messages.sent_as(s, channel, provider_id) if provider_id
              else await messages.latest_question_to(s, channel, address))
    if tapped is None or tapped.address != address or not tapped.options:
        return None
    ids = button_ids(tapped.options, (tapped.display or {}).get("values") or ())
    if payload not in ids:
        return None
    number = ids.index(payload) + 1
    return QuickReply(number, await choice(s, channel, address, tapped.id, number, language))


async def tapped_closed(s: Tx, outbox: Outbox, channel: str, address: str, words: str,
                        provider_id: str | None, *, at: datetime) -> bool:
    """Keep a tap on a closed question's button as what the person sent (it answers nothing),
    and tell them that question has closed. False if the provider sent this tap before."""
    person = await participants.find_by_address(s, channel, address)
    inbound = await messages.record_inbound(
        s, participant_id=person.id if person else None, channel=channel, address=address,
        body=words, media=[], provider_id=provider_id, at=at)
    if inbound is None:
        return False
    await windows.release(s, channel, address, at=at)  # an answer to a template, all the same
    if person is not None and person.status == "active":
        await outbox.say(s, person, ReplyTo(channel, address, f"in:{inbound}"), texts.TAP_CLOSED)
    return True


async def answered(s: Tx, channel: str, address: str, language: str) -> str:
    """What to tell someone who taps the mark of a choice they made already."""
    return text_for(texts.TAP_ANSWERED, await _language(s, channel, address, language))


async def nothing_chosen(s: Tx, channel: str, address: str, language: str) -> str:
    """What to tell someone who taps Done under several choices before marking one."""
    return text_for(texts.CHOICES_NONE_YET, await _language(s, channel, address, language))


async def _language(s: Tx, channel: str, address: str, language: str) -> str:
    person = await participants.find_by_address(s, channel, address)
    return person.language if person is not None else language
