"""Bar charts of poll results, as PNG files for Telegram."""

from __future__ import annotations

import textwrap
from pathlib import Path

WIDTH, BAR_HEIGHT = 7.0, 0.6


def bar_chart(title: str, rows: list[tuple[str, int]], path: Path) -> Path:
    """A horizontal bar chart of ``rows`` (label, count), first at the top; the file written."""
    from matplotlib.figure import Figure  # here: matplotlib takes a while to load

    labels = ["\n".join(textwrap.wrap(label, 28)) or "-" for label, _ in rows]
    counts = [count for _, count in rows]
    total = sum(counts) or 1
    figure = Figure(figsize=(WIDTH, 1.4 + BAR_HEIGHT * max(len(rows), 1)))
    axes = figure.subplots()
    bars = axes.barh(labels[::-1], counts[::-1], color="#2a6f97")
    axes.bar_label(bars, labels=[f"{c} ({100 * c / total:.0f}%)" for c in counts[::-1]], padding=4)
    axes.set_title("\n".join(textwrap.wrap(title, 60)), loc="left")
    axes.set_xlim(0, max([*counts, 1]) * 1.3)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=120)
    return path
