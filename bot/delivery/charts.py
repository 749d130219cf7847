"""Bar charts of poll results, as PNG files for Telegram, drawn when the message is sent.

Drawing takes matplotlib about a second, so it is never done inside a database
transaction (where it would hold SQLite's only writer): the transaction that closes
a poll only plans the chart (``planned``), as part of the message's display, and the
outbox sender draws it (``drawn``) in a worker thread just before sending. A file is
named for what it shows, so the same results are drawn once, and results that
changed get a file of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.files import private_folder

WIDTH, BAR_HEIGHT = 7.0, 0.6


Row = tuple[str, int] | tuple[str, int, str]  # label, count, and the words on its bar


def planned(
    folder: Path, stem: str, title: str, rows: Sequence[Row]
) -> tuple[str, dict[str, Any]]:
    """Where the chart of ``rows`` will be, and the message display that has it drawn.

    A row's third item is what its bar says (``3 (60%)``), so that the chart says what the
    caption says; without it, the count and its share of all the counts."""
    digest = hashlib.sha256(json.dumps([title, rows], ensure_ascii=False).encode()).hexdigest()[:12]
    path = folder / f"{stem}-{digest}.png"
    return str(path), {"chart": {"path": str(path), "title": title, "rows": [list(r) for r in rows]}}


async def drawn(display: Mapping[str, Any] | None) -> None:
    """Draw the chart ``display`` plans (in a worker thread), unless it is drawn already."""
    chart = (display or {}).get("chart")
    if chart:
        rows: list[Row] = [(str(row[0]), int(row[1]), str(row[2])) if len(row) > 2
                           else (str(row[0]), int(row[1])) for row in chart["rows"]]
        await asyncio.to_thread(_draw_once, str(chart["title"]), rows, Path(chart["path"]))


def _draw_once(title: str, rows: Sequence[Row], path: Path) -> None:
    if not path.exists():
        bar_chart(title, rows, path)


def bar_chart(title: str, rows: Sequence[Row], path: Path) -> Path:
    """A horizontal bar chart of ``rows`` (label, count[, what the bar says]), first at the
    top; the file written."""
    from matplotlib.figure import Figure  # here: matplotlib takes a while to load

    labels = ["\n".join(textwrap.wrap(row[0], 28)) or "-" for row in rows]
    counts = [row[1] for row in rows]
    total = sum(counts) or 1
    said = [row[2] if len(row) > 2 else f"{row[1]} ({100 * row[1] / total:.0f}%)"
            for row in rows]
    figure = Figure(figsize=(WIDTH, 1.4 + BAR_HEIGHT * max(len(rows), 1)))
    axes = figure.subplots()
    bars = axes.barh(labels[::-1], counts[::-1], color="#2a6f97")
    axes.bar_label(bars, labels=said[::-1], padding=4)
    axes.set_title("\n".join(textwrap.wrap(title, 60)), loc="left")
    axes.set_xlim(0, max([*counts, 1]) * 1.3)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    private_folder(path.parent)
    # Drawn beside it and moved in whole: two senders drawing one chart never show half a file.
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as part:
        figure.savefig(part, format="png", dpi=120)
    Path(part.name).replace(path)
    return path
