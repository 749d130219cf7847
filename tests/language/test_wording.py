"""What participants read: the ONS questions word for word, crisis numbers wherever
help is offered, and Welsh that goes as GSM-7 unless correct spelling needs more."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.language import gsm, texts
from tests.engine.test_flow_fixtures import replay

FLOWS = Path(__file__).parents[2] / "flows"

# The texts of texts.py a participant reads (the rest go to coordinators).
PARTICIPANT_TEXTS = [
    "NOT_UNDERSTOOD", "NO_ANSWER", "STOPPED", "RESTARTED", "HELP", "SYSTEM_ERROR", "LINKED",
    "BAD_INVITE", "CLAIM_APPROVED", "CLAIM_REJECTED", "CLAIM_PAID", "MEETING_REMINDER",
    "MEETING_MOVED", "MEETING_CANCELLED", "POLL_RESULTS", "POLL_NONE",
]

# Welsh words outside GSM-7 that have no equally correct GSM-7 wording.
NEEDED = {
    "pôl": "a poll; \"pol\" is not a Welsh word and \"arolwg\" is a survey",
    "nôl": "\"Croeso nôl\", welcome back; \"yn ôl\" needs the to bach as well",
}


def _in(value: Any, lang: str) -> str:
    return str(value.get(lang, value.get("en")) if isinstance(value, dict) else value)


def participant_messages(lang: str) -> Iterator[tuple[str, str]]:
    """Every message a participant may get, as (where, template): flow texts with
    the choices they list, and the participant texts of texts.py."""
    for path in sorted(FLOWS.glob("*.yaml")):
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in flow["steps"]:
            expect = step.get("expect") if isinstance(step.get("expect"), dict) else {}
            labels = [_in(o["label"], lang) for o in expect.get("options", []) if "label" in o]
            fields = {"ask": step.get("ask"), "say": step.get("say"), "retry": step.get("retry"),
                      "no_answer": step.get("no_answer"),
                      "nudge": (step.get("timeout") or {}).get("nudge")}
            for field, value in fields.items():
                if value is None:
                    continue
                body = _in(value, lang)
                if field in ("ask", "retry", "nudge"):
                    body = "\n".join([body, *labels])
                yield f"{path.stem}:{step['id']}:{field}", body
    for name in PARTICIPANT_TEXTS:
        yield f"texts.{name}", getattr(texts, name)[lang]


def not_gsm_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w']+", text) if not gsm.is_gsm(w)}


def test_english_participant_messages_are_all_gsm() -> None:
    assert [where for where, body in participant_messages("en") if not gsm.is_gsm(body)] == []


def test_welsh_leaves_gsm_only_where_correct_spelling_needs_it() -> None:
    found = {(where, word) for where, body in participant_messages("cy")
             for word in not_gsm_words(body) if word not in NEEDED}
    assert found == set(), "use an equally correct GSM-7 wording (\"gyda\" for \"â\")"


def test_the_collection_sees_every_message() -> None:
    welsh = dict(participant_messages("cy"))
    assert len(welsh) > 90  # every flow text and participant text, not a handful
    assert "Pa mor aml" in welsh["weekly-checkin:lonely:ask"]
    assert "Peth o'r amser" in welsh["weekly-checkin:lonely:ask"]  # the choices count too
    assert not_gsm_words("Croeso i'r grŵp, â chroeso") == {"grŵp", "â"}


# --- the ONS personal wellbeing questions, word for word ------------------------------------

ONS = {
    "life_satisfaction": {
        "en": "Overall, how satisfied are you with your life nowadays?",
        "cy": "Yn gyffredinol, pa mor fodlon ydych chi ar eich bywyd y dyddiau hyn?",
    },
    "worthwhile": {
        "en": "Overall, to what extent do you feel the things you do in your life are worthwhile?",
        "cy": "Yn gyffredinol, i ba raddau ydych chi'n teimlo bod y pethau rydych chi'n eu gwneud "
              "yn eich bywyd yn werth chweil?",
    },
    "happy": {
        "en": "Overall, how happy did you feel yesterday?",
        "cy": "Yn gyffredinol, pa mor hapus oeddech chi'n teimlo ddoe?",
    },
    "anxious": {
        "en": "Overall, how anxious did you feel yesterday?",
        "cy": "Yn gyffredinol, pa mor bryderus oeddech chi'n teimlo ddoe?",
    },
}


def _checkin_steps() -> dict[str, dict[str, Any]]:
    flow = yaml.safe_load((FLOWS / "weekly-checkin.yaml").read_text(encoding="utf-8"))
    return {step["id"]: step for step in flow["steps"]}


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("step_id", list(ONS))
def test_each_wellbeing_question_and_its_re_asks_use_the_ons_words(step_id: str, lang: str) -> None:
    step = _checkin_steps()[step_id]
    question = ONS[step_id][lang]
    asked = [step["ask"][lang], step["retry"][lang]]
    if "timeout" in step:
        asked.append(step["timeout"]["nudge"][lang])
    for text in asked:
        # A nudge may start "When you have a moment:", so the first letter may be small.
        assert question in text or question[0].lower() + question[1:] in text, text


def test_the_loneliness_question_is_the_ons_one() -> None:
    step = _checkin_steps()["lonely"]
    assert step["ask"]["en"].startswith("How often do you feel lonely?")
    assert "How often do you feel lonely?" in step["retry"]["en"]
    assert step["ask"]["cy"].split("?")[0] in step["retry"]["cy"]


# --- where to get help now ------------------------------------------------------------------

CRISIS = {
    "en": ["116 123", "NHS 111 and choose option 2", "999"],
    "cy": ["116 123", "GIG 111 a dewis opsiwn 2", "999"],
}


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_wherever_crisis_numbers_are_given_nhs_111_option_2_is_too(lang: str) -> None:
    giving = [(where, body) for where, body in participant_messages(lang) if "116 123" in body]
    assert {where for where, _ in giving} >= {"weekly-checkin:support:say", "texts.HELP"}
    for where, body in giving:
        assert all(number in body for number in CRISIS[lang]), where


# --- after a disclosure or a low answer ------------------------------------------------------

LOW = ["3", "3", "3", "8", "often", "I had a hard week"]
WORRIED = ["8", "7", "7", "2", "never", "some days I want to end it all"]


@pytest.mark.parametrize("replies", [LOW, WORRIED], ids=["low", "worried"])
@pytest.mark.parametrize(("lang", "thanks", "boilerplate"),
                         [("en", "thank you", "take care"), ("cy", "diolch", "cymerwch ofal")])
def test_a_low_or_worrying_check_in_thanks_once_and_ends_on_where_to_get_help(
    replies: list[str], lang: str, thanks: str, boilerplate: str,
) -> None:
    run = replay({"flow": "weekly-checkin", "participant": {"name": "Ann", "language": lang},
                  "replies": replies})
    last = run["transcript"][-1]["bot"]
    said = " ".join(last).lower()
    assert said.count(thanks) == 1 and boilerplate not in said
    assert "116 123" in last[-1] and "999" in last[-1]
    assert len(run["notify"]) == 1  # the words above are said because someone is told
