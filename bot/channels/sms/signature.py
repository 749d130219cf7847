"""What every Twilio webhook checks first (texts, delivery reports, phone calls): a form body,
signed by Twilio with the account's auth token, against ``twilio.public_url`` when copro is
behind a proxy."""

from __future__ import annotations

from starlette.requests import Request
from twilio.request_validator import RequestValidator, get_signature_algorithm

from bot.core.config import TwilioConfig


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
