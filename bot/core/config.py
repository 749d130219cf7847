"""Configuration: a TOML file (see ``config.example.toml``), then environment variables."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.core.phones import InvalidNumber, normalise
from bot.core.whatsapp import WhatsAppConfig
from bot.engine.definition import Duration
from storage.settings import POOL_SIZE, Waits, default_sqlite_url

DEFAULT_FILE = "copro.toml"
FILE_VARIABLE = "COPRO_CONFIG"
ENV_KEYS = {  # environment variable: the key it overrides
    "COPRO_DATA_DIR": "data_dir", "COPRO_DATABASE_URL": "database.url",
    "COPRO_CHAT_DATABASE_URL": "chat.database_url",
    "COPRO_TELEGRAM_TOKEN": "telegram.token", "COPRO_TWILIO_ACCOUNT_SID": "twilio.account_sid",
    "COPRO_TWILIO_AUTH_TOKEN": "twilio.auth_token", "COPRO_TWILIO_FROM": "twilio.from_number",
    "COPRO_WHATSAPP_FROM": "whatsapp.from_number",
    "COPRO_HTTP_HOST": "http.host", "COPRO_HTTP_PORT": "http.port",
    "COPRO_DESK_ENABLED": "desk.enabled", "COPRO_DESK_HOST": "desk.host",
    "COPRO_DESK_PORT": "desk.port", "COPRO_DESK_PUBLIC_URL": "desk.public_url",
    "COPRO_DESK_SECRET": "desk.secret",
}
PLAIN = {  # clearer words for some of pydantic's messages, by error type
    "string_type": "expected text, in quotes",
    "string_too_short": "must not be empty",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}
class ConfigError(Exception):
    """A configuration that cannot be used; ``str()`` has one problem a line."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def _resolve(value: Any) -> Path:
    if not isinstance(value, str | Path):
        raise ValueError(f"expected a path, in quotes (got {value!r})")
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


def parse_clock(value: Any) -> Any:
    if isinstance(value, time):
        return value
    found = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value if isinstance(value, str) else "")
    if found is None:
        raise ValueError(f"expected a time of day as HH:MM, like 08:00 (got {value!r})")
    return time(int(found[1]), int(found[2]))


def _url(value: str) -> str:
    if value and not re.match(r"https?://[^/\s]", value):
        raise ValueError(f"expected an address starting http:// or https:// (got {value!r})")
    return value


Directory = Annotated[Path, BeforeValidator(_resolve)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Clock = Annotated[time, BeforeValidator(parse_clock)]
Url = Annotated[str, AfterValidator(_url)]
BaseUrl = Annotated[str, AfterValidator(lambda value: _url(value).rstrip("/"))]
Seconds = Annotated[float, Field(gt=0)]


def _database_url(value: str) -> str:
    if value and value.partition("://")[0] not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ValueError("expected a URL starting sqlite+aiosqlite:/// or postgresql+asyncpg://")
    return value


DatabaseUrl = Annotated[str, AfterValidator(_database_url)]


class DatabaseConfig(_Section):
    url: DatabaseUrl = ""
    echo: bool = False
    # How long copro waits on the database before giving up on one thing (seconds);
    # see config.example.toml. A text that gives up is kept on disk and tried again.
    pool_timeout: Seconds = 10
    busy_timeout: Seconds = 5
    connect_timeout: Seconds = 5
    statement_timeout: Annotated[float, Field(ge=0)] = 60
    lock_timeout: Annotated[float, Field(ge=0)] = 10
    # The most connections copro opens to the database at once; see config.example.toml.
    pool_size: int = Field(default=POOL_SIZE, ge=3, le=1000)

    @property
    def waits(self) -> Waits:
        return Waits(pool=self.pool_timeout, busy=self.busy_timeout,
                     connect=self.connect_timeout, statement=self.statement_timeout,
                     lock=self.lock_timeout)


class ChatConfig(_Section):
    """``copro chat``, the terminal trial: kept apart from the real participants."""

    database_url: DatabaseUrl = ""


class FlowsConfig(_Section):
    extra_dir: Path | None = None
    welcome: str = Field(default="welcome", min_length=1)

    @field_validator("extra_dir", mode="before")
    @classmethod
    def _extra_dir(cls, value: Any) -> Any:
        path = None if value in ("", None) else _resolve(value)
        if path is not None and not path.is_dir():
            raise ValueError(f"no such directory '{path}'")
        return path


DEFAULT_GROUP = "the co-production group"
DEFAULT_COORDINATOR = "your coordinator"
# What Welsh messages say while the group's name and contact are left as they come.
WELSH_DEFAULTS = {DEFAULT_GROUP: "y grŵp cydgynhyrchu", DEFAULT_COORDINATOR: "eich cydlynydd"}


class GroupWords(Protocol):
    """A group's own words (``storage.models.Group``): None where it keeps the service's."""

    @property
    def name(self) -> str: ...
    @property
    def name_cy(self) -> str | None: ...
    @property
    def coordinator(self) -> str | None: ...
    @property
    def coordinator_cy(self) -> str | None: ...


class GroupConfig(_Section):
    name: str = DEFAULT_GROUP
    coordinator: str = DEFAULT_COORDINATOR
    # The same in Welsh. Empty: the Welsh default while name/coordinator are the defaults,
    # else name/coordinator as they are written.
    name_cy: str = ""
    coordinator_cy: str = ""
    contact_start: Clock = time(8, 0)
    contact_end: Clock = time(21, 0)

    def words(self, language: str, group: GroupWords | None = None) -> tuple[str, str]:
        """The group's name and how to reach its coordinator, in ``language``: ``group``'s
        own (a person's group, as ``copro groups edit`` set it), else the service's."""
        name, coordinator, name_cy, coordinator_cy = (
            self.name, self.coordinator, self.name_cy, self.coordinator_cy)
        if group is not None:
            name, name_cy = group.name, group.name_cy or group.name
            if group.coordinator:
                coordinator, coordinator_cy = group.coordinator, group.coordinator_cy or ""
            elif group.coordinator_cy:
                coordinator_cy = group.coordinator_cy
        if language != "cy":
            return name, coordinator
        return (name_cy or WELSH_DEFAULTS.get(name, name),
                coordinator_cy or WELSH_DEFAULTS.get(coordinator, coordinator))

    @model_validator(mode="after")
    def _in_order(self) -> GroupConfig:
        if self.contact_end <= self.contact_start:
            start, end = f"{self.contact_start:%H:%M}", f"{self.contact_end:%H:%M}"
            raise ValueError(f"contact_end ({end}) must be later than contact_start ({start})")
        return self


class ExpensesConfig(_Section):
    mileage_rate: Decimal = Field(default=Decimal("0.45"), gt=0, lt=10)
    currency: Literal["GBP"] = "GBP"


class SafeguardingConfig(_Section):
    risk_words: tuple[Phrase, ...] = ()
    repeat_after: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=30)
    max_repeats: int = Field(default=6, ge=0, le=100)


Rate = Annotated[float, Field(gt=0)]


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    api_base_url: BaseUrl = "https://api.telegram.org"
    webhook_url: Url = ""
    webhook_secret: SecretStr = SecretStr("")
    polling_timeout: int = Field(default=30, ge=0, le=50)
    messages_per_second: Rate = 30
    chat_messages_per_second: Rate = 1
    group_messages_per_minute: Rate = 20

    @field_validator("webhook_secret")
    @classmethod
    def _secret(cls, value: SecretStr) -> SecretStr:
        if not re.fullmatch(r"[A-Za-z0-9_-]{0,256}", value.get_secret_value()):
            raise ValueError("Telegram takes only letters, digits, _ and - (up to 256 of them)")
        return value


class TwilioConfig(_Section):
    account_sid: str = ""
    auth_token: SecretStr = SecretStr("")
    default_region: str = Field(default="GB", pattern=r"^[A-Z]{2}$")
    from_number: str = ""
    api_base_url: BaseUrl = "https://api.twilio.com"
    # Twilio's Content API, where copro makes WhatsApp's quick-reply buttons.
    content_api_url: BaseUrl = "https://content.twilio.com"
    public_url: BaseUrl = ""
    segments_per_second: Rate = 10
    max_per_participant_per_hour: int = Field(default=30, ge=1)
    max_inbound_per_minute: int = Field(default=20, ge=2)
    # Texts that repeat copro's own last message, this many within the window: a slow robot.
    robot_echoes: int = Field(default=3, ge=2)
    robot_echo_window: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=2)

    @field_validator("from_number")
    @classmethod
    def _sender(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        try:
            return normalise(value, info.data.get("default_region") or "GB")
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None


class VoiceConfig(_Section):
    """Check-ins by phone call through Twilio Voice (``bot.channels.voice``)."""

    enabled: bool = False
    # The number calls come from and people call; empty: twilio.from_number.
    from_number: str = ""
    ring_seconds: int = Field(default=30, ge=5, le=600)
    # A call that is busy, not answered, fails, or reaches an answering machine is
    # placed again, this many calls in all, this far apart.
    attempts: int = Field(default=3, ge=1, le=10)
    retry_gap: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=30)
    answering_machine: Literal["hang_up", "message"] = "hang_up"
    silence_seconds: int = Field(default=10, ge=3, le=60)
    speech: bool = False  # spoken answers too, recognised by Twilio; the keypad always works
    max_message_seconds: int = Field(default=60, ge=5, le=600)
    rate: str = Field(default="85%", pattern=r"^(x-slow|slow|medium|[5-9][0-9]%|100%)$")
    voices: dict[str, str] = Field(
        default_factory=lambda: {"en": "Polly.Amy", "cy": "Polly.Gwyneth"})
    # What a call to copro's number counts as: the keyword it starts.
    answer_calls_with: str = "check in"

    @field_validator("from_number")
    @classmethod
    def _caller(cls, value: str) -> str:
        if not value:
            return value
        try:
            return normalise(value, "GB")
        except InvalidNumber as exc:
            raise ValueError(str(exc)) from None


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return value.strip().lower()
    raise ValueError(f"expected a day of the week, like \"monday\" (got {value!r})")


Weekday = Annotated[str, BeforeValidator(_weekday)]


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


class CheckinsConfig(_Section):
    enabled: bool = True
    day: Weekday = "monday"
    time: Clock = time(10, 0)
    timezone: TimeZoneName | Literal[""] = ""
    flow: str = Field(default="weekly-checkin", min_length=1)

    @property
    def weekday(self) -> int:
        return WEEKDAYS.index(self.day)


class MeetingsConfig(_Section):
    reminders: tuple[Annotated[Duration, Field(gt=timedelta(0))], ...] = (
        timedelta(days=2), timedelta(hours=2),
    )
    summary_before: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(days=1)
    duration: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=90)

    @field_validator("reminders")
    @classmethod
    def _longest_first(cls, value: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
        if not value:
            raise ValueError("at least one reminder is needed: the first asks who can come")
        return tuple(sorted(set(value), reverse=True))


class SchedulerConfig(_Section):
    tick_seconds: Seconds = 30
    batch_size: int = Field(default=500, ge=1, le=5000)
    grace: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(hours=12)
    busy_retry: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=30)
    idle_after: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=15)
    fanout_chunk: int = Field(default=2000, ge=1, le=20000)
    # A job whose handler fails is tried again after first_retry, then twice as long
    # each time (never more than max_retry), and marked failed after max_attempts tries.
    max_attempts: int = Field(default=5, ge=1, le=50)
    first_retry: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=5)
    max_retry: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(hours=1)

    @model_validator(mode="after")
    def _retries(self) -> SchedulerConfig:
        if self.max_retry < self.first_retry:
            raise ValueError(
                f"max_retry ({self.max_retry}) must not be less than first_retry "
                f"({self.first_retry})"
            )
        return self


class OutboxConfig(_Section):
    max_attempts: int = Field(default=8, ge=1, le=100)
    first_retry_seconds: Seconds = 5
    max_retry_seconds: Seconds = 900
    idle_seconds: Seconds = 1
    batch_size: int = Field(default=50, ge=1, le=1000)
    lease_seconds: Seconds = 120

    @model_validator(mode="after")
    def _retries(self) -> OutboxConfig:
        if self.max_retry_seconds < self.first_retry_seconds:
            raise ValueError(
                f"max_retry_seconds ({self.max_retry_seconds:g}) must not be less than "
                f"first_retry_seconds ({self.first_retry_seconds:g})"
            )
        return self


class InboxConfig(_Section):
    answer_seconds: Seconds = 5
    max_retry_seconds: Seconds = 60


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    shutdown_seconds: Seconds = 8


class DeskConfig(_Section):
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8081, ge=1, le=65535)
    public_url: BaseUrl = ""
    session_lifetime: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(hours=8)
    secret: SecretStr = SecretStr("")
    sms_part_price: Decimal = Field(default=Decimal("0.04"), ge=0, max_digits=8, decimal_places=4)

    @property
    def address(self) -> str:
        """Where people open the desk: the public URL, else the address it listens on."""
        return self.public_url or f"http://{self.host}:{self.port}"


class Config(_Section):
    data_dir: Directory = Path("data")
    language: Literal["en", "cy"] = "en"
    timezone: str = "Europe/London"
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    chat: ChatConfig = Field(default_factory=ChatConfig)
    flows: FlowsConfig = Field(default_factory=FlowsConfig)
    group: GroupConfig = Field(default_factory=GroupConfig)
    expenses: ExpensesConfig = Field(default_factory=ExpensesConfig)
    safeguarding: SafeguardingConfig = Field(default_factory=SafeguardingConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    twilio: TwilioConfig = Field(default_factory=TwilioConfig)
    whatsapp: WhatsAppConfig = Field(default_factory=WhatsAppConfig)
    voice: VoiceConfig = Field(default_factory=VoiceConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    inbox: InboxConfig = Field(default_factory=InboxConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    desk: DeskConfig = Field(default_factory=DeskConfig)
    checkins: CheckinsConfig = Field(default_factory=CheckinsConfig)
    meetings: MeetingsConfig = Field(default_factory=MeetingsConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        return _check_timezone(value)

    @property
    def media_dir(self) -> Path:
        """Where photos sent by participants (receipts) are kept."""
        return self.data_dir / "media"

    @property
    def spool_dir(self) -> Path:
        """Where texts wait, on disk, while the database cannot take them."""
        return self.data_dir / "spool"

    @property
    def database_url(self) -> str:
        return self.database.url or default_sqlite_url(self.data_dir)

    @property
    def chat_database_url(self) -> str:
        """The terminal chat's own database: ``chat.database_url``, else chat.db in data_dir."""
        return self.chat.database_url or default_sqlite_url(self.data_dir, "chat.db")

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram.token.get_secret_value())

    @property
    def sms_enabled(self) -> bool:
        t = self.twilio
        return bool(t.account_sid and t.auth_token.get_secret_value() and t.from_number)

    @property
    def whatsapp_enabled(self) -> bool:
        t = self.twilio
        return bool(t.account_sid and t.auth_token.get_secret_value() and self.whatsapp.from_number)

    @property
    def voice_enabled(self) -> bool:
        t = self.twilio
        return bool(self.voice.enabled and t.account_sid and t.auth_token.get_secret_value()
                    and self.caller_number)

    @property
    def caller_number(self) -> str:
        """The number copro calls from and is called on."""
        return self.voice.from_number or self.twilio.from_number


def load_config(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    """Read ``path`` (else ``$COPRO_CONFIG``, else ``./copro.toml`` if any), then the env."""
    if path is None and env.get(FILE_VARIABLE):
        path = Path(env[FILE_VARIABLE])
    elif path is None and Path(DEFAULT_FILE).exists():
        path = Path(DEFAULT_FILE)
    data = _read(path) if path is not None else {}
    origins = _override(data, env)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        source = str(path) if path is not None else "configuration"
        raise ConfigError(*(_problem(e, source, origins) for e in exc.errors())) from None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r" \(at line (\d+), column (\d+)\)$", message)
        if found is None:
            raise ConfigError(f"{path}: invalid TOML: {_lower(message)}") from None
        what = f"invalid TOML: {_lower(message[: found.start()])} (column {found[2]})"
        raise ConfigError(f"{path} line {found[1]}: {what}") from None


def _override(data: dict[str, Any], env: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    """Put non-empty environment variables over the file; returns key -> variable."""
    origins: dict[tuple[str, ...], str] = {}
    for name, dotted in ENV_KEYS.items():
        key, value = tuple(dotted.split(".")), env.get(name)
        if not value:
            continue
        table = data
        for part in key[:-1]:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                break  # the file's own mistake, reported by validation
        else:
            table[key[-1]] = value
            origins[key] = name
    return origins


def _problem(error: Any, source: str, origins: Mapping[tuple[str, ...], str]) -> str:
    names = tuple(str(p) for p in error["loc"] if isinstance(p, str))
    items = [p + 1 for p in error["loc"] if isinstance(p, int)]
    if error["type"] == "extra_forbidden":
        message = "unknown key" + _suggestion(names)
    elif error["type"] == "value_error":
        message = str(error["ctx"]["error"])
    else:
        message = PLAIN.get(error["type"]) or _lower(error["msg"])
    if items:
        message = f"entry {items[0]}: {message}"
    source = next((f"${v}" for k, v in origins.items() if names[: len(k)] == k), source)
    return f"{source}: {'.'.join(names) or '(top level)'}: {message}"


def _suggestion(names: tuple[str, ...]) -> str:
    model: Any = Config
    for name in names[:-1]:
        field = model.model_fields.get(name)
        model = field.annotation if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    close = difflib.get_close_matches(names[-1], list(model.model_fields), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _lower(message: str) -> str:
    return message[:1].lower() + message[1:]
