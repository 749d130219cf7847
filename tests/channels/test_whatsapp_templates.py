"""A WhatsApp template missing for a language in use is reported, by ``copro doctor`` and
``copro flows check``, before anyone waits for a message that cannot open their conversation."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli.main import main
from bot.core.config import load_config
from bot.features import doctor
from storage import participants
from storage.db import Database

CHECKIN_EN = "HX" + "1" * 32


def configure(tmp_path: Path) -> Path:
    path = tmp_path / "copro.toml"
    path.write_text(
        "[twilio]\naccount_sid = \"AC" + "0" * 32 + "\"\nauth_token = \"secret\"\n"
        "[whatsapp]\nfrom_number = \"+447700900000\"\n"
        f"[whatsapp.templates.checkin]\nen = {{ content_sid = \"{CHECKIN_EN}\" }}\n")
    return path


async def test_doctor_lists_each_purpose_without_a_template_in_a_language_in_use(
    database: Database, tmp_path: Path
) -> None:
    config = load_config(configure(tmp_path), env={"COPRO_DATA_DIR": str(tmp_path)})
    async with database.transaction() as s:
        await participants.create(s, channel="whatsapp", address="whatsapp:+447700900001",
                                  language="cy")
        await participants.create(s, channel="sms", address="+447700900002", language="en")
        problems = await doctor.check(s, whatsapp=config.whatsapp)
    missing = [p.what for p in problems if p.where == "WhatsApp"]
    # Only Welsh is read on WhatsApp here: English is someone's language only by text.
    assert missing == [f"no '{purpose}' template in Welsh" for purpose in
                       ("optin", "checkin", "meeting", "poll", "broadcast", "nudge", "message")]
    [checkin] = [p for p in problems if p.what == "no 'checkin' template in Welsh"]
    assert checkin.severity == "warning"
    assert checkin.fix == ("register it in Twilio (see docs/whatsapp.md) and add its Content SID "
                           'as [whatsapp.templates.checkin] cy = { content_sid = "HX..." }')


def test_flows_check_warns_of_templates_the_flows_languages_lack(tmp_path: Path) -> None:
    env = {"COPRO_CONFIG": str(configure(tmp_path)), "COPRO_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["flows", "check"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output  # warnings: the flows themselves are fine
    lines = [line for line in result.output.splitlines() if "[whatsapp.templates]" in line]
    assert any(line.startswith("configuration [whatsapp.templates]: warning: no 'checkin' "
                               "template in Welsh: ") for line in lines)
    assert not any("'checkin' template in English" in line for line in lines)  # that one is set
    assert len(lines) == 13  # seven purposes in two languages, less the one configured


def test_without_whatsapp_flows_check_says_nothing_of_templates(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["flows", "check"], env={"COPRO_CONFIG": ""},
                                catch_exceptions=False)
    assert result.exit_code == 0 and "whatsapp" not in result.output.lower()
