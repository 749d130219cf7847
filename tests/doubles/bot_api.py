"""A stand-in for the Telegram Bot API on loopback, for python-telegram-bot to talk to unmodified.

It answers the methods copro uses (getMe, getUpdates, setWebhook, deleteWebhook,
sendMessage, sendPhoto, answerCallbackQuery, editMessageReplyMarkup, getFile and
file downloads, setMyCommands, deleteMyCommands, sendPoll, stopPoll) as Telegram does, records
every call with the time it arrived (so tests can measure rates), and can be
told to fail: 429 with ``retry_after``, 5xx, 403 (the user blocked the bot),
400 (chat not found), or a slow answer. It also plays the people: their texts,
photos, files, stickers and button taps are queued for getUpdates, or posted to
a webhook.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456:TEST-token-for-the-double"
BOT = {"id": 123456, "is_bot": True, "first_name": "copro", "username": "copro_test_bot",
       "can_join_groups": False, "can_read_all_group_messages": False,
       "supports_inline_queries": False}


@dataclass(frozen=True)
class Fault:
    """What the double answers instead (``status`` 0: nothing, after ``delay``)."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0


BLOCKED = Fault(403, "Forbidden: bot was blocked by the user")
NO_CHAT = Fault(400, "Bad Request: chat not found")


def too_many(seconds: int) -> Fault:
    return Fault(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class BotApiDouble:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    faults: dict[tuple[str, str], deque[Fault]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    base_url: str = ""
    # Telegram's flood limits, enforced when set: messages a second in all, and to one chat.
    limit_overall: float | None = None
    limit_per_chat: float | None = None
    refused_for_flood: int = 0
    # The @username each chat's person goes by (none unless set).
    usernames: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
        ])
        self._updates: deque[dict[str, Any]] = deque()
        self._arrived = asyncio.Event()
        self._closing = False
        self._file_paths: dict[str, str] = {}  # file_id: path in self.files
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._markups: dict[int, Any] = {}  # message id: its buttons as they are now
        self._recent: deque[float] = deque()
        self._recent_by_chat: dict[str, deque[float]] = {}

    # --- what tests tell it --------------------------------------------------------------

    def fail(self, method: str, chat: int | str, *faults: Fault) -> None:
        """The next calls of ``method`` for ``chat`` (``*``: any chat) get these answers."""
        self.faults.setdefault((method, str(chat)), deque()).extend(faults)

    def sent(self, chat: int | str | None = None, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat is None or str(c.params.get("chat_id")) == str(chat))]

    def texts(self, chat: int | str) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.calls
                if c.method in ("sendMessage", "sendPhoto") and str(c.params.get("chat_id")) == str(chat)]

    # --- people ------------------------------------------------------------------------------

    def _person(self, chat: int) -> dict[str, Any]:
        person: dict[str, Any] = {"id": chat, "is_bot": False, "first_name": f"Person{chat}"}
        if chat in self.usernames:
            person["username"] = self.usernames[chat]
        return person

    def message(self, chat: int, text: str = "", *, photo: bytes | None = None,
                document: tuple[str, str, bytes] | None = None, caption: str | None = None,
                sticker: bool = False) -> dict[str, Any]:
        """An update: ``chat`` sends ``text``, or a photo or a ``document`` (file name, type,
        content), kept to be downloaded, or a sticker."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": f"Person{chat}"},
            "from": self._person(chat),
        }
        if photo is not None:
            unique = f"photo{next(self._ids)}"
            self._keep(unique, f"photos/{unique}.jpg", photo)
            message["photo"] = [
                {"file_id": f"{unique}-small", "file_unique_id": f"{unique}s", "width": 90,
                 "height": 90, "file_size": 10},
                {"file_id": unique, "file_unique_id": unique, "width": 800, "height": 600,
                 "file_size": len(photo)},
            ]
        elif document is not None:
            name, kind, content = document
            unique = f"doc{next(self._ids)}"
            self._keep(unique, f"documents/{unique}", content)
            message["document"] = {"file_id": unique, "file_unique_id": unique, "file_name": name,
                                   "mime_type": kind, "file_size": len(content)}
        elif sticker:
            message["sticker"] = {"file_id": "sticker", "file_unique_id": "sticker", "type": "regular",
                                  "width": 512, "height": 512, "is_animated": False,
                                  "is_video": False, "emoji": "👍"}
        else:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if caption and "text" not in message:
            message["caption"] = caption
        return {"update_id": next(self._ids), "message": message}

    def _keep(self, file_id: str, path: str, content: bytes) -> None:
        self._file_paths[file_id] = path
        self.files[path] = content

    def tap(self, chat: int, data: str, on: Call | None = None) -> dict[str, Any]:
        """An update: ``chat`` taps the button with ``data`` under the bot's message ``on``."""
        message = {"message_id": int(on.params.get("_message_id", 1)) if on else 1,
                   "date": int(time.time()), "chat": {"id": chat, "type": "private"},
                   "from": BOT, "text": on.params.get("text", "") if on else ""}
        markup = self._markups.get(message["message_id"]) if on else None
        if markup:  # the buttons as they are now (edited since, perhaps), as Telegram sends them
            message["reply_markup"] = markup
        return {"update_id": next(self._ids), "callback_query": {
            "id": f"cq{next(self._ids)}", "from": self._person(chat), "message": message,
            "chat_instance": f"ci{chat}", "data": data,
        }}

    def vote(self, chat: int, on: Call, *choices: int) -> dict[str, Any]:
        """An update: ``chat`` votes for ``choices`` (counted from 0, as Telegram counts them) in
        the poll the bot sent ``on``; none takes their vote back."""
        return {"update_id": next(self._ids), "poll_answer": {
            "poll_id": on.params["_poll_id"], "user": self._person(chat),
            "option_ids": list(choices), "option_persistent_ids": [str(n) for n in choices],
        }}

    def queue(self, *updates: dict[str, Any]) -> None:
        """Updates for copro to fetch with getUpdates (long polling)."""
        self._updates.extend(updates)
        self._arrived.set()

    def hang_up(self) -> None:
        """Answer long polls at once from now on (so a test's copro stops without waiting)."""
        self._closing = True
        self._arrived.set()

    async def post(self, client: httpx.AsyncClient, url: str, update: dict[str, Any],
                   secret: str | None) -> httpx.Response:
        """An update delivered to a webhook, as Telegram delivers it."""
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return await client.post(url, json=update, headers=headers)

    # --- the API ---------------------------------------------------------------------------

    async def _params(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return dict(request.query_params)
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/json"):
            body = await request.body()
            return json.loads(body) if body else {}
        form = await request.form()
        params: dict[str, Any] = {}
        for key, value in form.items():
            if isinstance(value, str):
                try:
                    params[key] = json.loads(value) if value[:1] in "[{" else value
                except ValueError:
                    params[key] = value
            else:
                params[key] = await value.read()
        return params

    async def _method(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = await self._params(request)
        call = Call(method, params, time.monotonic())
        chat = str(params.get("chat_id", "*"))
        queue = self.faults.get((method, chat)) or self.faults.get((method, "*"))
        if queue:
            fault = queue.popleft()
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status:
                self.calls.append(Call(f"{method}!{fault.status}", params, call.at))
                extra = {"retry_after": fault.retry_after} if fault.retry_after else None
                return _error(fault.status, fault.description, extra)
        if method in ("sendMessage", "sendPhoto") and self._flooded(chat, call.at):
            self.refused_for_flood += 1
            self.calls.append(Call(f"{method}!429", params, call.at))
            return _error(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self.calls.append(call)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params, call)
        return JSONResponse({"ok": True, "result": result})

    def _flooded(self, chat: str, now: float) -> bool:
        """Whether one more message now breaks a limit (counted over the last second)."""
        if self.limit_overall is None and self.limit_per_chat is None:
            return False
        mine = self._recent_by_chat.setdefault(chat, deque())
        for window in (self._recent, mine):
            while window and window[0] <= now - 1:
                window.popleft()
        if (self.limit_overall is not None and len(self._recent) >= self.limit_overall) or (
                self.limit_per_chat is not None and len(mine) >= self.limit_per_chat):
            return True
        self._recent.append(now)
        mine.append(now)
        return False

    async def _getMe(self, params: dict[str, Any], call: Call) -> Any:
        return BOT

    async def _getUpdates(self, params: dict[str, Any], call: Call) -> Any:
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
        if not self._updates and not self._closing:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), float(params.get("timeout") or 0))
            except TimeoutError:
                return []
        return [u for u in self._updates if u["update_id"] >= offset][: int(params.get("limit") or 100)]

    async def _setWebhook(self, params: dict[str, Any], call: Call) -> Any:
        self.webhook = dict(params)
        return True

    async def _deleteWebhook(self, params: dict[str, Any], call: Call) -> Any:
        self.webhook = {}
        return True

    async def _setMyCommands(self, params: dict[str, Any], call: Call) -> Any:
        return True

    async def _deleteMyCommands(self, params: dict[str, Any], call: Call) -> Any:
        return True

    def _sent(self, params: dict[str, Any], call: Call, **content: Any) -> dict[str, Any]:
        message_id = next(self._message_ids)
        call.params["_message_id"] = message_id
        chat = params.get("chat_id")
        result = {"message_id": message_id, "date": int(time.time()), "from": BOT,
                  "chat": {"id": int(str(chat)) if str(chat).lstrip("-").isdigit() else chat,
                           "type": "private"}, **content}
        if params.get("reply_markup"):
            result["reply_markup"] = params["reply_markup"]
            self._markups[message_id] = _json(params["reply_markup"])
        return result

    async def _sendMessage(self, params: dict[str, Any], call: Call) -> Any:
        return self._sent(params, call, text=params.get("text", ""))

    async def _sendPhoto(self, params: dict[str, Any], call: Call) -> Any:
        photo = params.get("photo")
        size = len(photo) if isinstance(photo, bytes) else 0
        return self._sent(params, call, caption=params.get("caption", ""), photo=[
            {"file_id": f"sent{call.params['chat_id']}", "file_unique_id": "sent", "width": 1,
             "height": 1, "file_size": size}])

    async def _sendPoll(self, params: dict[str, Any], call: Call) -> Any:
        options = [{"text": o if isinstance(o, str) else o.get("text", ""), "voter_count": 0,
                    "persistent_id": str(n)} for n, o in enumerate(params.get("options", []))]
        poll_id = f"poll{next(self._ids)}"
        call.params["_poll_id"] = poll_id
        return self._sent(params, call, poll={
            "id": poll_id, "question": params.get("question", ""),
            "options": options, "total_voter_count": 0, "is_closed": False,
            "is_anonymous": params.get("is_anonymous") in (True, "true", "True"),
            "type": "regular", "allows_multiple_answers": params.get("allows_multiple_answers") in (
                True, "true", "True"),
            "allows_revoting": params.get("allows_revoting") in (True, "true", "True"),
            "members_only": False,
        })

    async def _stopPoll(self, params: dict[str, Any], call: Call) -> Any:
        return {"id": "poll", "question": "", "options": [], "total_voter_count": 0,
                "is_closed": True, "is_anonymous": False, "type": "regular",
                "allows_multiple_answers": False, "allows_revoting": True, "members_only": False}

    async def _answerCallbackQuery(self, params: dict[str, Any], call: Call) -> Any:
        return True

    async def _editMessageReplyMarkup(self, params: dict[str, Any], call: Call) -> Any:
        edited = params.get("message_id")
        if edited is not None:
            self._markups[int(str(edited))] = _json(params.get("reply_markup")) or {}
        return self._sent(params, call, text="")

    async def _getFile(self, params: dict[str, Any], call: Call) -> Any:
        file_id = str(params.get("file_id"))
        path = self._file_paths.get(file_id, "")
        if path not in self.files:
            return {"file_id": file_id, "file_unique_id": file_id}
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[path]),
                "file_path": path}

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        content = self.files.get(request.path_params["path"])
        if content is None:
            return _error(404, "Not Found")
        return Response(content, media_type="image/jpeg")


def _json(value: Any) -> Any:
    """A parameter PTB may send JSON-encoded (as form data) or as JSON."""
    return json.loads(value) if isinstance(value, str) else value


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=status)
