from __future__ import annotations

import re
import tomllib
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.core.config import Config, ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def write(text: str, name: str = "copro.toml") -> Path:
    path = Path(name)
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(text), env=env or {})
    return str(caught.value)


# --- defaults and files -------------------------------------------------------------------


def test_defaults_need_no_file(tmp_path: Path) -> None:
    config = load_config(None, env={})
    assert config == Config()
    assert config.data_dir == tmp_path / "data"
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'copro.db'}"
    assert config.language == "en"
    assert config.timezone == "Europe/London"
    assert config.flows.extra_dir is None
    assert config.flows.welcome == "welcome"
    assert (config.group.contact_start, config.group.contact_end) == (time(8), time(21))
    assert config.expenses.mileage_rate == Decimal("0.45")
    assert config.safeguarding.risk_words == ()  # copro's own phrases: bot/answers/risk/
    assert config.http.port == 8080
    assert not config.telegram_enabled
    assert not config.sms_enabled


def test_example_file_equals_the_defaults() -> None:
    assert load_config(EXAMPLE, env={}) == Config()


def test_example_file_lists_every_key_in_model_order() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert list(data) == list(Config.model_fields)
    for name, field in Config.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            assert list(data[name]) == list(field.annotation.model_fields), name


def test_example_file_documents_every_key() -> None:
    previous = ""
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"[a-z_]+ = ", line):
            assert previous.startswith("#"), f"no comment above: {line}"
        if line.strip():
            previous = line


def test_copro_toml_in_the_current_directory_is_read() -> None:
    write('[group]\nname = "Carers Together"\n')
    assert load_config(None, env={}).group.name == "Carers Together"


def test_copro_config_variable_beats_copro_toml() -> None:
    write('[group]\nname = "here"\n')
    write('[group]\nname = "there"\n', "other.toml")
    assert load_config(None, env={"COPRO_CONFIG": "other.toml"}).group.name == "there"


def test_values_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "more-flows").mkdir()
    config = load_config(
        write(
            'data_dir = "/srv/copro"\nlanguage = "cy"\ntimezone = "Europe/Dublin"\n'
            '[database]\nurl = "postgresql+asyncpg://copro@db/copro"\n'
            '[flows]\nextra_dir = "more-flows"\n'
            '[group]\ncontact_start = "9:30"\ncontact_end = 18:00:00\n'
            '[expenses]\nmileage_rate = 0.55\n'
            '[safeguarding]\nrisk_words = [" help me "]\n'
            '[telegram]\napi_base_url = "http://127.0.0.1:8081/"\n'
        ),
        env={},
    )
    assert config.data_dir == Path("/srv/copro")
    assert config.language == "cy"
    assert config.database_url == "postgresql+asyncpg://copro@db/copro"
    assert config.flows.extra_dir == tmp_path / "more-flows"
    assert (config.group.contact_start, config.group.contact_end) == (time(9, 30), time(18))
    assert config.expenses.mileage_rate == Decimal("0.55")
    assert config.safeguarding.risk_words == ("help me",)
    assert config.telegram.api_base_url == "http://127.0.0.1:8081"


# --- environment --------------------------------------------------------------------------


def test_environment_beats_the_file(tmp_path: Path) -> None:
    path = write(
        'data_dir = "here"\n[database]\nurl = "sqlite+aiosqlite:///file.db"\n'
        '[telegram]\ntoken = "from-file"\n[twilio]\naccount_sid = "ACfile"\n'
    )
    env = {
        "COPRO_DATA_DIR": "elsewhere",
        "COPRO_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/test",
        "COPRO_TELEGRAM_TOKEN": "123:abc",
        "COPRO_TWILIO_ACCOUNT_SID": "AC123",
        "COPRO_TWILIO_AUTH_TOKEN": "secret",
        "COPRO_TWILIO_FROM": "+447700900123",
        "COPRO_HTTP_HOST": "0.0.0.0",
        "COPRO_HTTP_PORT": "9000",
    }
    config = load_config(path, env=env)
    assert config.data_dir == tmp_path / "elsewhere"
    assert config.database_url == "postgresql+asyncpg://postgres@127.0.0.1/test"
    assert config.telegram.token.get_secret_value() == "123:abc"
    assert config.twilio.account_sid == "AC123"
    assert config.twilio.auth_token.get_secret_value() == "secret"
    assert config.twilio.from_number == "+447700900123"
    assert (config.http.host, config.http.port) == ("0.0.0.0", 9000)
    assert config.telegram_enabled
    assert config.sms_enabled


def test_empty_environment_variables_are_ignored() -> None:
    path = write('[telegram]\ntoken = "from-file"\n')
    config = load_config(path, env={"COPRO_TELEGRAM_TOKEN": "", "COPRO_CONFIG": ""})
    assert config.telegram.token.get_secret_value() == "from-file"


def test_sms_needs_all_three_twilio_settings() -> None:
    env = {"COPRO_TWILIO_ACCOUNT_SID": "AC123", "COPRO_TWILIO_AUTH_TOKEN": "secret"}
    assert not load_config(None, env=env).sms_enabled


def test_secrets_are_not_shown() -> None:
    env = {"COPRO_TELEGRAM_TOKEN": "123:telegram-secret", "COPRO_TWILIO_AUTH_TOKEN": "tw-secret"}
    path = write('[telegram]\nwebhook_secret = "hook-secret"\n')
    config = load_config(path, env=env)
    for shown in (repr(config), str(config)):
        assert "telegram-secret" not in shown
        assert "tw-secret" not in shown
        assert "hook-secret" not in shown


# --- errors -------------------------------------------------------------------------------


def test_missing_file() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(Path("missing.toml"), env={})
    assert str(caught.value) == "missing.toml: no such file"


def test_missing_file_named_by_the_environment() -> None:
    with pytest.raises(ConfigError, match=r"^gone\.toml: no such file$"):
        load_config(None, env={"COPRO_CONFIG": "gone.toml"})


def test_toml_syntax_error_names_the_line() -> None:
    message = problems('[group]\nname = "x"\n\ncoordinator = Sam\n')
    assert message.startswith("copro.toml line 4: invalid TOML: ")
    assert "\n" not in message


def test_misspelt_key() -> None:
    assert problems('[group]\nnmae = "x"\n') == (
        "copro.toml: group.nmae: unknown key; did you mean 'name'?"
    )


def test_unknown_section() -> None:
    assert problems('[telegarm]\ntoken = "x"\n').startswith("copro.toml: telegarm: unknown key")


def test_bad_timezone() -> None:
    assert problems('timezone = "Europe/Londn"\n') == (
        "copro.toml: timezone: unknown timezone 'Europe/Londn'"
    )


def test_bad_language() -> None:
    assert problems('language = "fr"\n').startswith("copro.toml: language: ")


@pytest.mark.parametrize("value", ['"8am"', '"25:00"', '"08:60"', '"0800"', "8"])
def test_bad_time(value: str) -> None:
    message = problems(f"[group]\ncontact_start = {value}\n")
    assert message.startswith("copro.toml: group.contact_start: expected a time of day as HH:MM")


def test_contact_hours_in_order() -> None:
    message = problems('[group]\ncontact_start = "22:00"\n')
    assert message.startswith("copro.toml: group: contact_end (21:00) must be later")


@pytest.mark.parametrize("value", ['"0"', '"-1"', '"10"', '"abc"', '"NaN"', "true"])
def test_bad_mileage_rate(value: str) -> None:
    message = problems(f"[expenses]\nmileage_rate = {value}\n")
    assert message.startswith("copro.toml: expenses.mileage_rate: ")


def test_other_currencies_are_refused() -> None:
    assert problems('[expenses]\ncurrency = "EUR"\n').startswith("copro.toml: expenses.currency: ")


def test_port_range() -> None:
    assert problems("[http]\nport = 0\n").startswith("copro.toml: http.port: ")


def test_a_pool_too_small_for_the_sender_is_refused() -> None:
    said = problems("[database]\npool_size = 2\n")
    assert said.startswith("copro.toml: database.pool_size: "), said
    assert "3" in said  # the least it may be


async def test_copro_opens_at_most_pool_size_connections(tmp_path: Path) -> None:
    import asyncio

    from bot.app.service import open_database

    config = load_config(write("[database]\npool_size = 4\npool_timeout = 0.2\n"),
                         env={"COPRO_DATA_DIR": str(tmp_path / "data")})
    db = await open_database(config)
    try:
        holding: list[int] = []
        all_held = asyncio.Event()
        done = asyncio.Event()

        async def hold() -> None:
            async with db.reading():
                holding.append(1)
                if len(holding) == 4:
                    all_held.set()
                await done.wait()

        holders = [asyncio.create_task(hold()) for _ in range(4)]
        await asyncio.wait_for(all_held.wait(), timeout=10)
        # A fifth waits for pool_timeout, then gives up: the database never sees a fifth.
        assert not await db.ping(seconds=1)
        done.set()
        await asyncio.gather(*holders)
        assert await db.ping()
    finally:
        await db.close()


def test_extra_dir_must_exist() -> None:
    message = problems('[flows]\nextra_dir = "nowhere"\n')
    assert message.startswith("copro.toml: flows.extra_dir: no such directory")


def test_every_problem_is_reported_at_once() -> None:
    lines = problems(
        'language = "fr"\ntimezone = "Mars/Olympus"\n'
        '[group]\nnmae = "x"\ncontact_end = "late"\n'
        '[expenses]\nmileage_rate = "100"\n'
    ).splitlines()
    keys = [line.split(": ")[1] for line in lines]
    assert sorted(keys) == sorted(
        ["language", "timezone", "group.nmae", "group.contact_end", "expenses.mileage_rate"]
    )
    assert all(line.startswith("copro.toml: ") for line in lines)
    assert "Traceback" not in "\n".join(lines)


def test_a_bad_environment_variable_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(None, env={"COPRO_HTTP_PORT": "eighty"})
    assert str(caught.value).startswith("$COPRO_HTTP_PORT: http.port: ")


def test_a_bad_database_url_is_not_echoed() -> None:
    env = {"COPRO_DATABASE_URL": "postgresql://copro:hunter2@db/copro"}
    with pytest.raises(ConfigError) as caught:
        load_config(None, env=env)
    message = str(caught.value)
    assert message.startswith("$COPRO_DATABASE_URL: database.url: expected a URL starting")
    assert "hunter2" not in message


def test_the_sms_number_is_kept_in_e164_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    good = load_config(None, env={"COPRO_TWILIO_FROM": "07700 900123"})
    assert good.twilio.from_number == "+447700900123"
    with pytest.raises(ConfigError) as refused:
        load_config(None, env={"COPRO_TWILIO_FROM": "12345"})
    assert str(refused.value) == (
        "$COPRO_TWILIO_FROM: twilio.from_number: '12345' is not a phone number copro can "
        "text: check the digits, or add the country code (taken as GB)"
    )
