"""A consistent copy of the database while copro runs: SQLite's online backup, or pg_dump."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url


class BackupError(Exception):
    """No backup was made; the message says why and what to do."""


def backup(url: str, folder: Path, *, at: datetime) -> Path:
    """Copy the database at ``url`` into ``folder`` (made if need be); returns the file."""
    parsed = make_url(url)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = at.strftime("%Y-%m-%d-%H%M%S")
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:" or not source.is_file():
            raise BackupError(f"there is no SQLite database file at {source}")
        return _sqlite(source, folder / f"copro-{stamp}.db")
    return _postgres(url, folder / f"copro-{stamp}.dump")


def _sqlite(source: Path, target: Path) -> Path:
    """SQLite's online backup: a whole, consistent copy even while copro writes."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        partial.replace(target)
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"could not copy {source}: {exc}") from None
    return target


def _postgres(url: str, target: Path) -> Path:
    """pg_dump's custom format (restore with pg_restore); the password goes by environment."""
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError("pg_dump is not installed here: install PostgreSQL's client tools "
                          "(on Debian or Ubuntu: sudo apt install postgresql-client), or run "
                          "pg_dump where it is")
    parsed = make_url(url).set(drivername="postgresql")
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    dsn = parsed.set(password=None).render_as_string(hide_password=False)
    partial = target.with_name(f".{target.name}.partial")
    done = subprocess.run([program, "--format=custom", f"--file={partial}", f"--dbname={dsn}"],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise BackupError(f"pg_dump failed: {why}")
    partial.replace(target)
    return target
