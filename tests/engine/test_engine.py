"""The pure engine: one test per step kind, answer type, action and resume."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bot.engine.definition import Flow
from bot.engine.events import (
    Expired,
    FlowEnded,
    Notify,
    Problem,
    RecordConsent,
    Reply,
    Returned,
    SaveResult,
    SendText,
    SetField,
    StartFlow,
    TimedOut,
    Waiting,
)
from bot.engine.runner import Context, Engine, Outcome, Session
from bot.engine.templates import Templates

TODAY = date(2026, 11, 23)


def flow(*steps: dict[str, Any], **header: Any) -> Flow:
    return Flow.model_validate(
        {"flow": "test", "title": "Test", "version": 1, **header, "steps": list(steps)}
    )


def ctx(**participant: Any) -> Context:
    return Context(
        participant={"name": "Ann", "language": "en", **participant},
        today=TODAY,
        settings={"group_name": "Riverside Voices", "mileage_rate": Decimal("0.45")},
    )


def said(outcome: Outcome) -> list[str]:
    return [e.text for e in outcome.of(SendText)]


class Chat:
    """Drives one flow through the engine the way the host does."""

    def __init__(self, f: Flow, context: Context | None = None, engine: Engine | None = None):
        self.flow = f
        self.context = context or ctx()
        self.engine = engine or Engine()
        out = self.engine.start(f, self.context)
        self.session = out.session
        self.last = out

    def reply(self, text: str, media: tuple[str, ...] = ()) -> Outcome:
        self.last = self.engine.resume(self.flow, self.session, Reply(text, media), self.context)
        self.session = self.last.session
        return self.last


def test_say_then_ask_waits_for_a_reply() -> None:
    chat = Chat(flow({"id": "hi", "say": "Hello {{ participant.name }}."},
                     {"id": "q", "ask": "How are you?", "save_as": "how"}))
    assert said(chat.last) == ["Hello Ann.", "How are you?"]
    assert chat.last.of(Waiting) == [Waiting("q", None)]
    assert chat.session.step == "q" and chat.session.status == "active"
    out = chat.reply("Not bad")
    assert out.of(SaveResult) == [SaveResult("q", "how", "Not bad", "Not bad")]
    assert out.of(FlowEnded) == [FlowEnded("completed", "q")]
    assert chat.session.status == "completed" and chat.session.results == {"how": "Not bad"}


def test_choice_question_carries_its_options_in_the_language_of_the_participant() -> None:
    f = flow(
        {"id": "q", "ask": {"en": "Can you come?", "cy": "Allwch chi ddod?"},
         "expect": {"type": "choice", "options": [
             {"value": "yes", "label": {"en": "Yes", "cy": "Gallaf"}},
             {"value": "no", "label": {"en": "No", "cy": "Na allaf"}}]},
         "save_as": "rsvp"},
        languages=["en", "cy"],
    )
    chat = Chat(f, ctx(language="cy"))
    assert chat.last.of(SendText) == [SendText("Allwch chi ddod?", "q", "ask", ("Gallaf", "Na allaf"),
                                                values=("yes", "no"))]
    assert chat.reply("2").of(SaveResult)[0].value == "no"


@pytest.mark.parametrize(
    ("expect", "reply", "value"),
    [
        ({"type": "yesno"}, "yeah", True),
        ({"type": "yesno"}, "nac ydw", False),
        ({"type": "number", "min": 0, "max": 10, "integer": True}, "about 7", 7),
        ({"type": "number", "min": 0, "max": 10, "integer": True}, "seven", 7),
        ({"type": "money"}, "£12.50", Decimal("12.50")),
        ({"type": "money"}, "12 pounds 50", Decimal("12.50")),
        ({"type": "date"}, "yesterday", date(2026, 11, 22)),
        ({"type": "date"}, "3/7", date(2026, 7, 3)),
        ({"type": "text"}, "  hello  ", "hello"),
    ],
)
def test_each_answer_type_is_parsed_forgivingly(expect: dict[str, Any], reply: str, value: Any) -> None:
    chat = Chat(flow({"id": "q", "ask": "?", "expect": expect, "save_as": "a"}))
    assert chat.reply(reply).of(SaveResult) == [SaveResult("q", "a", value, reply)]


def test_media_answer_and_no_receipt() -> None:
    f = flow({"id": "q", "ask": "Send a photo", "expect": {"type": "media", "skip": True},
              "save_as": "receipt"})
    chat = Chat(f)
    assert chat.reply("", ("media/1.jpg",)).of(SaveResult)[0].value == ["media/1.jpg"]
    chat = Chat(f)
    assert chat.reply("no receipt").of(SaveResult) == [
        SaveResult("q", "receipt", None, "no receipt", "skipped")
    ]


def test_skip_only_where_the_question_allows_it() -> None:
    skippable = Chat(flow({"id": "q", "ask": "?", "expect": {"skip": True}, "save_as": "a"}))
    assert skippable.reply("skip").of(SaveResult)[0].status == "skipped"
    strict = Chat(flow({"id": "q", "ask": "?", "expect": {"type": "yesno"}, "save_as": "a"}))
    assert strict.reply("skip").of(SaveResult) == []
    assert strict.session.retries == 1


def test_not_understood_gets_the_re_ask_then_moves_on_politely() -> None:
    f = flow(
        {"id": "q", "ask": "Pick 0 to 10", "expect": {"type": "number", "min": 0, "max": 10},
         "retry": "Sorry, I need a number from 0 to 10.", "save_as": "n"},
        {"id": "after", "say": "Thanks."},
    )
    chat = Chat(f)
    first = chat.reply("banana")
    assert said(first) == ["Sorry, I need a number from 0 to 10."]
    assert first.of(SaveResult) == [] and chat.session.step == "q"
    assert said(chat.reply("eleven")) == ["Sorry, I need a number from 0 to 10."]
    last = chat.reply("purple")
    assert said(last) == ["That's OK. Let's move on.", "Thanks."]
    assert last.of(SaveResult) == [SaveResult("q", "n", None, "purple", "no_answer")]
    assert chat.session.status == "completed"


def test_default_re_ask_repeats_the_question_with_its_options() -> None:
    f = flow({"id": "q", "ask": "Which?", "expect": {"type": "choice", "options": [
        {"value": "a", "label": "Apples"}, {"value": "b", "label": "Pears"}]}, "save_as": "x"})
    out = Chat(f).reply("bananas")
    assert out.of(SendText) == [
        SendText("Sorry, I did not understand that.\nWhich?", "q", "retry", ("Apples", "Pears"),
                 values=("a", "b"))
    ]


def test_max_retries_zero_moves_on_at_once() -> None:
    chat = Chat(flow({"id": "q", "ask": "?", "expect": {"type": "yesno"}, "save_as": "a",
                      "max_retries": 0}))
    assert chat.reply("hmm").of(SaveResult)[0].status == "no_answer"


def test_branches_first_true_wins_and_fall_through_goes_to_the_next_step() -> None:
    f = flow(
        {"id": "score", "ask": "0-10?", "expect": {"type": "number"}, "save_as": "n",
         "next": [{"if": "results.n <= 4", "goto": "low"}, {"if": "results.n >= 9", "goto": "high"}]},
        {"id": "middle", "say": "Middle.", "next": "end"},
        {"id": "low", "say": "Low.", "next": "end"},
        {"id": "high", "say": "High."},
    )
    assert said(Chat(f).reply("3")) == ["Low."]
    assert said(Chat(f).reply("10")) == ["High."]
    assert said(Chat(f).reply("6")) == ["Middle."]


def test_a_condition_that_cannot_be_evaluated_is_false() -> None:
    f = flow(
        {"id": "q", "ask": "?", "expect": {"type": "number"}, "save_as": "n", "max_retries": 0,
         "next": [{"if": "results.n <= 4", "goto": "low"}]},
        {"id": "ok", "say": "OK.", "next": "end"},
        {"id": "low", "say": "Low."},
    )
    out = Chat(f).reply("no idea")
    assert said(out) == ["That's OK. Let's move on.", "OK."]
    [problem] = out.of(Problem)
    assert problem.step == "q" and "results.n <= 4" in problem.detail


def test_set_language_switches_the_rest_of_the_flow() -> None:
    f = flow(
        {"id": "lang", "ask": {"en": "Language?", "cy": "Iaith?"},
         "expect": {"type": "choice", "options": [
             {"value": "en", "label": {"en": "English", "cy": "English"}},
             {"value": "cy", "label": {"en": "Cymraeg", "cy": "Cymraeg"}}]},
         "save_as": "language", "do": [{"set": {"language": "results.language"}}]},
        {"id": "thanks", "say": {"en": "Thank you.", "cy": "Diolch."}},
        languages=["en", "cy"],
    )
    out = Chat(f).reply("Cymraeg")
    assert out.of(SetField) == [SetField("lang", "language", "cy")]
    assert said(out) == ["Diolch."]


def test_set_contact_hours_and_refuse_bad_values() -> None:
    f = flow({"id": "s", "do": [{"set": {"contact_start": "'09:30'", "language": "'fr'"}}]})
    out = Engine().start(f, ctx())
    assert out.of(SetField) == [SetField("s", "contact_start", time(9, 30))]
    assert out.of(Problem) == [Problem("s", "cannot set language to 'fr'")]


def test_save_computes_results_and_money_stays_exact() -> None:
    f = flow(
        {"id": "miles", "ask": "How many miles?", "expect": {"type": "number"}, "save_as": "miles",
         "do": [{"save": {"amount": "results.miles * settings.mileage_rate"}}]},
        {"id": "tell", "say": "That is {{ results.amount | money }}."},
    )
    out = Chat(f).reply("17")
    assert out.of(SaveResult)[-1] == SaveResult("miles", "amount", Decimal("7.65"), None)
    assert said(out) == ["That is £7.65."]


def test_notify_is_rendered_in_english_for_staff() -> None:
    f = flow(
        {"id": "q", "ask": {"en": "Score?", "cy": "Sgôr?"}, "expect": {"type": "number"},
         "save_as": "n", "do": [{"notify": "coordinators", "reason": "low_score",
                                 "text": {"en": "{{ participant.name }} gave {{ results.n }}.",
                                          "cy": "Rhoddodd {{ participant.name }} {{ results.n }}."}}]},
        languages=["en", "cy"],
    )
    out = Chat(f, ctx(language="cy")).reply("2")
    assert out.of(Notify) == [Notify("q", "coordinators", "Ann gave 2.", "low_score")]


def test_risky_test_matches_whole_words_only() -> None:
    engine = Engine(Templates(["kill myself", "hurt myself"]))
    f = flow(
        {"id": "note", "ask": "Anything else?", "save_as": "note",
         "next": [{"if": "results.note is risky", "goto": "alert"}, {"goto": "end"}]},
        {"id": "alert", "do": [{"notify": "safeguarding", "text": "Risk: {{ results.note }}"}]},
    )
    worrying = Chat(f, engine=engine).reply("Some days I want to KILL  myself")
    assert [n.who for n in worrying.of(Notify)] == ["safeguarding"]
    assert Chat(f, engine=engine).reply("I killed it at bingo").of(Notify) == []


def test_start_flow_and_end_actions() -> None:
    f = flow({"id": "a", "say": "Bye.", "do": [{"start": "weekly-checkin"}]},
             {"id": "never", "say": "Never said."})
    out = Engine().start(f, ctx())
    assert out.of(StartFlow) == [StartFlow("a", "weekly-checkin")]
    assert said(out) == ["Bye."] and out.session.status == "completed"
    ended = Engine().start(flow({"id": "a", "do": [{"end": True}]}, {"id": "b", "say": "no"}), ctx())
    assert said(ended) == [] and ended.session.status == "completed"


def test_consent_events() -> None:
    f = flow({"id": "q", "ask": "Agree?", "expect": {"type": "yesno"}, "save_as": "ok",
              "next": [{"if": "results.ok", "goto": "yes"}]},
             {"id": "no", "do": [{"consent": "refused"}], "say": "OK, goodbye.", "next": "end"},
             {"id": "yes", "do": [{"consent": "given"}], "say": "Thank you."})
    assert Chat(f).reply("yes").of(RecordConsent) == [RecordConsent("yes", True)]
    assert Chat(f).reply("na").of(RecordConsent) == [RecordConsent("no", False)]


def test_timeout_nudges_once_and_stale_timers_do_nothing() -> None:
    f = flow({"id": "q", "ask": "Score?", "expect": {"type": "number"}, "save_as": "n",
              "timeout": {"after": "24h", "nudge": "Just checking in. Reply with a number."}},
             {"id": "r", "ask": "And?", "save_as": "r"})
    chat = Chat(f)
    assert chat.last.of(Waiting) == [Waiting("q", timedelta(hours=24))]
    engine = chat.engine
    nudged = engine.resume(f, chat.session, TimedOut("q"), chat.context)
    assert said(nudged) == ["Just checking in. Reply with a number."]
    again = engine.resume(f, nudged.session, TimedOut("q"), chat.context)
    assert again.events == ()
    chat.session = nudged.session
    chat.reply("5")
    assert engine.resume(f, chat.session, TimedOut("q"), chat.context).events == ()


def test_coming_back_asks_the_waiting_question_again_after_the_lead_with_its_nudge_afresh() -> None:
    options = [{"value": "low", "label": "Low"}, {"value": "high", "label": "High"}]
    f = flow({"id": "q", "ask": "Score?", "expect": {"type": "choice", "options": options},
              "save_as": "n", "timeout": {"after": "24h", "nudge": "Just checking in."}})
    chat = Chat(f)
    nudged = chat.engine.resume(f, chat.session, TimedOut("q"), chat.context).session
    back = chat.engine.resume(f, nudged, Returned("Now, back to your test."), chat.context)
    [asked] = back.of(SendText)
    assert (asked.text, asked.kind, asked.options) == ("Now, back to your test.\nScore?", "ask",
                                                       ("Low", "High"))
    assert back.of(Waiting) == [Waiting("q", timedelta(hours=24))]
    assert back.session.step == "q" and back.session.results == {} and not back.session.nudged
    chat.session = back.session
    assert chat.reply("2").of(SaveResult)[0].value == "high"  # answered as before


def test_expiry_ends_quietly_keeping_answers() -> None:
    f = flow({"id": "a", "ask": "A?", "save_as": "a"}, {"id": "b", "ask": "B?", "save_as": "b"})
    chat = Chat(f)
    chat.reply("first")
    out = chat.engine.resume(f, chat.session, Expired(), chat.context)
    assert said(out) == [] and out.session.status == "expired"
    assert out.session.results == {"a": "first"}
    assert chat.engine.resume(f, out.session, Reply("late"), chat.context).events == ()


def test_session_state_survives_json() -> None:
    f = flow({"id": "m", "ask": "?", "expect": {"type": "money"}, "save_as": "m"},
             {"id": "d", "ask": "?", "expect": {"type": "date"}, "save_as": "d"},
             {"id": "t", "say": "{{ results.m | money }} on {{ results.d | day }}"})
    chat = Chat(f)
    chat.reply("£3.20")
    state = json.loads(json.dumps(chat.session.state()))
    chat.session = Session.restore("test", 1, chat.session.step, "active", state)
    assert said(chat.reply("3 July")) == ["£3.20 on Friday 3 July"]


def test_a_loop_without_questions_is_stopped() -> None:
    f = flow({"id": "a", "say": "a", "next": "b"}, {"id": "b", "say": "b", "next": "a"})
    out = Engine().start(f, ctx())
    assert out.session.status == "errored"
    assert out.of(Problem) == [Problem("a", "too many steps without a question")]


def test_missing_translation_falls_back_to_english() -> None:
    f = flow({"id": "a", "say": {"en": "Hello.", "cy": ""}}, languages=["en", "cy"])
    assert said(Engine().start(f, ctx(language="cy"))) == ["Hello."]


def test_a_broken_template_is_reported_not_raised() -> None:
    f = flow({"id": "a", "say": "{{ results.x.y() }}"}, {"id": "b", "say": "Still here."})
    out = Engine().start(f, ctx())
    assert said(out) == ["Still here."]
    assert out.of(Problem)[0].step == "a"
