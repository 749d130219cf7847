"""The HTTP app of ``copro run``: channel webhooks, ``/healthz`` and ``/metrics``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.clock import utcnow
from bot.core.metrics import CONTENT_TYPE, Metrics
from bot.host.robots import FLOOD_QUIET
from storage import audit, failed, jobs, messages
from storage.db import Database, Tx, unavailable

HEALTH_SECONDS = 2.0  # /healthz and /metrics answer within this, whatever the database does
FAILED_WINDOW = timedelta(hours=24)  # copro_messages_failed counts the failures of this long


def create_app(
    db: Database,
    metrics: Metrics,
    channel_routes: Sequence[BaseRoute] = (),
    channels: Sequence[str] = (),
    clock: Callable[[], datetime] = utcnow,
) -> Starlette:
    """The app: every channel's webhook routes, plus health and metrics."""

    async def healthz(request: Request) -> Response:
        try:
            oldest = await db.within(HEALTH_SECONDS, messages.oldest_waiting)
        except Exception as exc:
            answer = "unreachable" if unavailable(exc) else "error"
            return JSONResponse({"status": "error", "database": answer}, status_code=503)
        age = round((clock() - oldest).total_seconds(), 1) if oldest else 0.0
        return JSONResponse(
            {"status": "ok", "database": "ok", "oldest_queued_seconds": age,
             "channels": list(channels)}
        )

    async def metrics_endpoint(request: Request) -> Response:
        async def read(s: Tx) -> tuple[Any, ...]:
            now = clock()
            return (await messages.outbox_depth(s), await messages.oldest_waiting(s),
                    *await jobs.overdue(s, now=now),
                    await audit.count(s, kinds=("notify_unheard",)),
                    await failed.counts_since(s, now - FAILED_WINDOW),
                    await audit.count(s, kinds=("robot_suspected",), since=now - FLOOD_QUIET))

        try:
            depth, oldest, overdue, oldest_due, unheard, failures, muted = await db.within(
                HEALTH_SECONDS, read)
        except Exception:
            pass  # still show the counters when the database is away
        else:
            metrics.notices_unheard.set(unheard)
            metrics.queue_depth.clear()
            metrics.messages_held.clear()
            held: dict[str, int] = {}
            for (channel, status), count in depth.items():
                metrics.queue_depth.labels(channel=channel, status=status).set(count)
                if status == "held":
                    held[channel] = held.get(channel, 0) + count
            for channel in {*channels, *held}:
                metrics.messages_held.labels(channel=channel).set(held.get(channel, 0))
            metrics.messages_failed.clear()
            for channel in {*channels, *failures}:
                metrics.messages_failed.labels(channel=channel).set(failures.get(channel, 0))
            metrics.numbers_muted.set(muted)
            metrics.oldest_queued_seconds.set(
                (clock() - oldest).total_seconds() if oldest else 0
            )
            metrics.jobs_overdue.set(overdue)
            metrics.oldest_overdue_seconds.set(
                (clock() - oldest_due).total_seconds() if oldest_due else 0
            )
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("not found", status_code=404)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *channel_routes,
    ]
    return Starlette(routes=routes, exception_handlers={404: not_found})
