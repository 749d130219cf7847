"""An outbox row as a channel sees it: the outbox's own record turned into the plain
``Outgoing`` of the ``Channel`` protocol, so that channels never see the database's models."""

from __future__ import annotations

import json

from bot.delivery.channel import Button, Outgoing
from bot.host.taps import button_ids
from storage.models import Message


def as_outgoing(row: Message) -> Outgoing:
    """The outbox row ``row`` as a channel sees it."""
    display = row.display or {}
    template = display.get("template") or {}
    voice = display.get("voice") or {}
    return Outgoing(
        id=row.id, channel=row.channel, address=row.address, body=row.body or "",
        options=tuple(row.options or ()), kind=row.kind or "text",
        media=tuple(str(m) for m in row.media or ()),
        buttons=tuple(Button(str(b["label"]), str(b["data"])) for b in display.get("buttons", ())),
        multiple=bool(display.get("multiple") or (display.get("poll") or {}).get("multiple")),
        done=str(display.get("done") or ""),
        question=str((display.get("poll") or {}).get("question") or ""),
        stop_poll=str(display.get("stop_poll") or ""),
        content_sid=str(template.get("content_sid") or ""),
        content_variables=json.dumps(template.get("variables") or {}, ensure_ascii=False)
        if template else "",
        language=str(voice.get("language") or display.get("language") or "en"),
        answer=voice.get("answer"),
        payloads=tuple(button_ids(row.options or (), display.get("values") or ())),
    )
