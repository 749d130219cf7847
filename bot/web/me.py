"""A person's own page: what copro keeps about them, a copy to download, and their rights.

Anyone copro knows may sign in; someone who looks after no group sees only this.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.features import rights
from bot.web.pages import Desk
from storage import audit


def download(data: dict[str, object], name: str) -> Response:
    return Response(json.dumps(data, indent=2, ensure_ascii=False), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


def routes(d: Desk) -> list[BaseRoute]:
    async def mine(request: Request) -> Response:
        viewer = await d.viewer(request)
        async with d.db.transaction() as s:
            kept = await rights.export(s, viewer.person, now=d.clock())
        return d.render(request, "me.html", viewer, kept=kept)

    async def export(request: Request) -> Response:
        viewer = await d.viewer(request)
        async with d.db.transaction() as s:
            kept = await rights.export(s, viewer.person, now=d.clock())
            await audit.record(s, kind="data_exported", actor=f"participant:{viewer.person.id}",
                               participant_id=viewer.person.id, details={"by": "themselves"},
                               at=d.clock())
        return download(kept, "my-copro-data.json")

    return [Route("/me", mine, methods=["GET"]), Route("/me/export", export, methods=["GET"])]
