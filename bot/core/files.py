"""The one place copro makes files and folders: its owner's only, whatever the umask.

The database, its WAL, the photos under ``media/``, the spooled texts and every export
hold people's personal data: files are made 0600 and folders 0700. ``looser`` finds
existing ones that others can read, for the warning at start.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

FILE_MODE, FOLDER_MODE = 0o600, 0o700


def keep_private() -> None:
    """From now on, whatever this process makes is its owner's only (umask 077)."""
    os.umask(0o077)


def private_folder(path: Path) -> Path:
    """Make ``path`` (and missing parents) a folder only its owner may open."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        os.chmod(folder, FOLDER_MODE)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, readable and writable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as file:
            fd = -1
            file.write(data)
    finally:
        if fd >= 0:
            os.close(fd)


def looser(paths: Iterable[Path]) -> list[str]:
    """Those of ``paths`` (and, for folders, what is inside) that others may read or enter,
    each as ``path (mode)``."""
    found = []
    for top in paths:
        if not top.exists():
            continue
        for path in [top, *(top.rglob("*") if top.is_dir() else ())]:
            try:
                mode = stat.S_IMODE(path.lstat().st_mode)
            except OSError:
                continue
            if mode & 0o077 and not path.is_symlink():
                found.append(f"{path} ({mode:04o})")
    return found


def personal_data(data_dir: Path, database_url: str) -> list[Path]:
    """Where copro keeps people's data on disk: the data folder, and a SQLite file elsewhere."""
    paths = [data_dir]
    prefix = "sqlite+aiosqlite:///"
    if database_url.startswith(prefix):
        file = Path(database_url.removeprefix(prefix).split("?")[0]).expanduser()
        if not file.resolve().is_relative_to(data_dir.resolve()):
            paths += [file, file.with_name(f"{file.name}-wal"), file.with_name(f"{file.name}-shm")]
    return paths


def fix_for(data_dir: Path) -> str:
    return f"chmod -R go-rwx {data_dir}"


def delete_under(path: Path, folder: Path) -> bool:
    """Delete the file ``path`` if it lies under ``folder``; never anything outside it.
    True if it went."""
    try:
        target = path.resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            return False
        target.unlink()
    except OSError:
        return False
    return True
