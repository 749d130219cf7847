"""Files people send the bot on Telegram (a receipt: a photo, or a PDF or picture sent as a
file), saved in the media directory so a flow can keep them."""

from __future__ import annotations

import asyncio
import mimetypes
import os
from pathlib import Path, PurePath

from telegram import Document, Message, PhotoSize
from telegram.error import BadRequest, NetworkError

from bot.core.files import FILE_MODE, private_folder

DOWNLOAD_TRIES = 3
DOWNLOAD_WAIT = 0.25  # seconds before the second try; twice that before the third


def attachment(message: Message) -> tuple[PhotoSize | Document, str] | None:
    """The file ``message`` carries and the name to keep it under; None if it has none.

    A photo comes in several sizes: the largest is kept.
    """
    if message.photo:
        biggest = message.photo[-1]
        return biggest, f"{_safe(biggest.file_unique_id)}.jpg"
    if message.document:
        document = message.document
        return document, _safe(document.file_unique_id) + _extension(document)
    return None


async def download(item: PhotoSize | Document, path: Path) -> Path:
    """Fetch ``item`` from Telegram into ``path``; a passing fault is tried again.

    Raises ``TelegramError`` or ``OSError`` if it cannot be had.
    """
    attempt = 1
    while True:
        try:
            file = await item.get_file()
            if not file.file_path:  # optional in Telegram's File: nothing to download from
                raise BadRequest("Telegram gave no path to download the file from")
            await asyncio.to_thread(private_folder, path.parent)
            saved = await file.download_to_drive(path)
            await asyncio.to_thread(os.chmod, saved, FILE_MODE)  # a person's photo: ours only
            return saved
        except NetworkError:  # timeouts, 5xx, the connection; a 400 ("file is too big") is final
            if attempt >= DOWNLOAD_TRIES:
                raise
        await asyncio.sleep(DOWNLOAD_WAIT * 2 ** (attempt - 1))
        attempt += 1


def _extension(document: Document) -> str:
    suffix = PurePath(document.file_name or "").suffix.lstrip(".")
    if not suffix and document.mime_type:
        suffix = (mimetypes.guess_extension(document.mime_type) or "").lstrip(".")
    suffix = "".join(ch for ch in suffix.lower() if ch.isalnum())[:8]
    return f".{suffix}" if suffix else ".bin"


def _safe(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "-_")[:64] or "photo"
