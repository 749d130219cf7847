"""Only private Telegram chats are conversations: a group, supergroup or channel never becomes a
participant, nobody in one can answer the consent question, and a coordinator who types a
command in a group is told in one line to message the bot directly."""

from __future__ import annotations

from typing import Any

import pytest

from storage import participants
from tests.channels.test_telegram import WEBHOOK, Rig, rig  # noqa: F401 (the fixture)
from tests.people import group, member

SAM, ANN = 2002, 1001
GROUP, SUPERGROUP, CHANNEL = -4001, -1004002, -1004003
PRIVATE_ONLY = ("Please message me directly, not in a group. "
                "Anfonwch neges ataf i'n uniongyrchol, nid mewn grŵp.")


def in_chat(update: dict[str, Any], chat: int, kind: str) -> dict[str, Any]:
    """``update`` as if sent in a shared chat of ``kind`` (a channel's posts come as channel_post)."""
    message = update.pop("message")
    message["chat"] = {"id": chat, "type": kind, "title": "Riverside staff"}
    update["channel_post" if kind == "channel" else "message"] = message
    return update


@pytest.mark.parametrize("rig", [{}, WEBHOOK], ids=["polling", "webhook"], indirect=True)
async def test_group_supergroup_and_channel_updates_are_ignored(rig: Rig) -> None:  # noqa: F811
    riverside = await group(rig.db)
    await member(rig.db, riverside, str(SAM), name="Sam", role="coordinator", channel="telegram")
    shared = [
        in_chat(rig.api.message(ANN, "hello"), GROUP, "group"),  # would start a welcome
        in_chat(rig.api.message(ANN, "yes"), SUPERGROUP, "supergroup"),  # would give consent
        in_chat(rig.api.message(ANN, "/start"), GROUP, "group"),  # a command, but not staff
        in_chat(rig.api.message(ANN, "check in"), CHANNEL, "channel"),
        in_chat(rig.api.message(SAM, "/claims"), SUPERGROUP, "supergroup"),  # staff: told
        in_chat(rig.api.message(SAM, "/poll"), GROUP, "group"),
    ]
    for update in shared:
        if rig.channel.webhook:
            answer = await rig.api.post(rig.client, f"{rig.url}/webhooks/telegram", update,
                                        "s3cret-value")
            assert answer.status_code == 200
        else:
            rig.api.queue(update)
    # A private message after them all: when it is answered, they have all been handled.
    [greeting] = await rig.say(ANN, "/start")
    assert "Which language would you like?" in greeting

    for chat in (GROUP, SUPERGROUP, CHANNEL):
        async with rig.db.transaction() as s:
            assert await participants.find_by_address(s, "telegram", str(chat)) is None
    assert rig.api.texts(SUPERGROUP) == [PRIVATE_ONLY]  # Sam's /claims
    assert rig.api.texts(GROUP) == [PRIVATE_ONLY]  # Sam's /poll; Ann's /start got nothing
    assert rig.api.texts(CHANNEL) == []
    async with rig.db.transaction() as s:
        ann = await participants.find_by_address(s, "telegram", str(ANN))
    assert ann is not None and ann.consent_at is None  # "yes" in the group consented to nothing
    assert await rig.inbound(ANN) == 1  # only the private /start
