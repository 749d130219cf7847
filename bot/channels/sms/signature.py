"""What every Twilio webhook checks first (texts, delivery reports, phone calls): a form body,
signed by Twilio with the account's auth token, against ``twilio.public_url`` when copro is
behind a proxy."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator, get_signature_algorithm

from bot.core.config import TwilioConfig

log = logging.getLogger(__name__)


class Signature:
    def __init__(self, twilio: TwilioConfig) -> None:
        self.twilio = twilio
        self.validator = RequestValidator(twilio.auth_token.get_secret_value())

    def signed(self, request: Request, params: dict[str, str]) -> bool:
        """Whether Twilio signed ``request`` (whose form is ``params``)."""
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        url = str(request.url)
        if self.twilio.public_url:
            query = f"?{request.url.query}" if request.url.query else ""
            url = f"{self.twilio.public_url}{request.url.path}{query}"
        algorithm = get_signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
        return bool(self.validator.validate(url, params, signature, algorithm))

    async def checked(self, request: Request, channel: str) -> dict[str, str] | Response:
        """The form of a request Twilio signed (``printable``), or the answer to give a request
        that is no form (400) or not signed by Twilio (403)."""
        params = await form(request)
        if params is None:
            return PlainTextResponse("the body is not a form", status_code=400)
        if not self.signed(request, params):
            log.warning("%s: a request to %s without a valid Twilio signature was refused",
                        channel, request.url.path)
            return PlainTextResponse("invalid signature", status_code=403)
        return printable(params)


async def form(request: Request) -> dict[str, str] | None:
    """The request's form, or None when the body is not one."""
    try:
        found = await request.form()
    except Exception:
        return None
    return {key: value for key, value in found.items() if isinstance(value, str)}


def printable(params: dict[str, str]) -> dict[str, str]:
    """``params`` without NUL characters, once the signature is checked: no one types them, and
    PostgreSQL cannot keep them in text."""
    return {key: value.replace("\x00", "") for key, value in params.items()}
