"""Every CSV copro writes (the command line and the desk): UTF-8 with a byte-order mark, and no
cell a spreadsheet would run.

Excel reads a CSV without a BOM as Windows-1252 ("Cyfarfod Ã¢'r bwrdd"), so each file
starts with one. A cell beginning ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is a formula to a spreadsheet (``=HYPERLINK(...)``): it is written after a single quote,
the OWASP rule, so it shows as the text it is.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot.core.files import write_private

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> str:
    """One cell as text a spreadsheet shows and never runs."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA) else text


def render(columns: Sequence[str], rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> bytes:
    """The CSV file's bytes: a header of ``columns``, then each row (a mapping or a sequence)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow([safe(c) for c in columns])
    for row in rows:
        cells = [row.get(c) for c in columns] if isinstance(row, Mapping) else list(row)
        writer.writerow([safe(v) for v in cells])
    return out.getvalue().encode("utf-8-sig")


def write(output: Path | None, columns: Sequence[str],
          rows: Iterable[Mapping[str, Any] | Sequence[Any]]) -> None:
    """Write the CSV to ``output`` (readable by its owner only), or to the screen when None."""
    data = render(columns, rows)
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        write_private(output, data)
