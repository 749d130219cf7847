"""One reader of a day and a time for every command (CLI meetings and polls, the
Telegram desk): the forms coordinators write, and a day without a time refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.language.when import read

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # a Tuesday, noon in London


@pytest.mark.parametrize(("written", "meant"), [
    ("2pm", "2026-12-01 14:00"),
    ("14:00", "2026-12-01 14:00"),
    ("11am", "2026-12-02 11:00"),  # gone today: the next 11am
    ("tomorrow 5pm", "2026-12-02 17:00"),
    ("Tomorrow at 5.30pm", "2026-12-02 17:30"),
    ("today 6pm", "2026-12-01 18:00"),
    ("Thu 3 Dec 2pm", "2026-12-03 14:00"),
    ("Thursday 3rd December 2026, 2pm", "2026-12-03 14:00"),
    ("December 3rd 14:30", "2026-12-03 14:30"),
    ("3 Jan 10am", "2027-01-03 10:00"),  # the next 3 January
    ("Friday 2pm", "2026-12-04 14:00"),
    ("tuesday at 11am", "2026-12-08 11:00"),  # this Tuesday's has gone
    ("2026-12-03 14:00", "2026-12-03 14:00"),
    ("2026-12-03 2pm", "2026-12-03 14:00"),
    ("2026-12-03T14:00", "2026-12-03 14:00"),
    ("2026-12-03T14:00:00+00:00", "2026-12-03 14:00"),
    ("3/12/2026 14:00", "2026-12-03 14:00"),
    ("3/12 noon", "2026-12-03 12:00"),
])
def test_the_ways_coordinators_write_a_time_are_read(written: str, meant: str) -> None:
    assert f"{read(written, 'Europe/London', now=NOW):%Y-%m-%d %H:%M}" == meant


@pytest.mark.parametrize(("written", "why"), [
    ("2026-12-03", "'2026-12-03' has a day but no time: add one"),
    ("tomorrow", "'tomorrow' has a day but no time"),
    ("Thu 3 Dec", "'Thu 3 Dec' has a day but no time"),
    ("3/12/2026", "has a day but no time"),
    ("Tue 3 Dec 2pm", "'Tue 3 Dec 2pm': 3 December 2026 is a Thursday"),
    ("25pm", "the hour must be 1 to 12 with am or pm"),
    ("next week 2pm", "I cannot tell which day 'next week' is"),
    ("soon", "'soon' is not a day and time"),
    ("", "no day and time was given"),
])
def test_what_is_not_a_day_and_time_is_refused_saying_why(written: str, why: str) -> None:
    with pytest.raises(ValueError) as refused:
        read(written, "Europe/London", now=NOW)
    assert why in str(refused.value)
