"""Tests for ``bot.answers.risk``: the labelled notes, then each kind of phrase."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.answers import risk as risk_module
from bot.answers.risk import LEVELS, PatternError, Risk, assess, compile_phrase, normalise, read_phrases

CASES_FILE = Path(__file__).with_name("risk_cases.yaml")
MIN_URGENT_RECALL = 0.98


def _cases() -> list[tuple[str, str, str, str]]:
    groups: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return [(t, g["lang"], g["level"], g["kind"]) for g in groups for t in g["texts"]]


CASES = _cases()


def test_the_labelled_set_is_big_and_balanced() -> None:
    assert len(CASES) >= 400
    assert {lang for _, lang, _, _ in CASES} == {"en", "cy"}
    kinds = [kind for *_, kind in CASES]
    for kind in ("risk", "ordinary"):
        assert 0.25 <= kinds.count(kind) / len(CASES) <= 0.45, kind
    assert 0.25 <= (kinds.count("hedged") + kinds.count("idiom")) / len(CASES) <= 0.45
    assert len({t for t, *_ in CASES}) == len(CASES), "a note is listed twice"


def test_urgent_notes_are_found(capsys: pytest.CaptureFixture[str]) -> None:
    urgent = [(t, lang) for t, lang, level, _ in CASES if level == "urgent"]
    read = {(t, lang): assess(t, lang).level for t, lang in urgent}
    missed = sorted(t for (t, _), level in read.items() if level == "none")
    softened = sorted(t for (t, _), level in read.items() if level == "check")
    recall = sum(level == "urgent" for level in read.values()) / len(urgent)
    false_alarms = [
        (t, assess(t, lang))
        for t, lang, level, _ in CASES
        if level == "none" and assess(t, lang).level != "none"
    ]
    with capsys.disabled():
        print(f"\nurgent recall {recall:.3f} ({len(urgent)} notes); read as check: {softened}")
        print(f"false alarms on {sum(lv == 'none' for _, _, lv, _ in CASES)} calm notes: {false_alarms}")
    assert not missed, f"urgent notes read as nothing: {missed}"
    assert recall >= MIN_URGENT_RECALL, f"urgent recall {recall:.3f}; read as check: {softened}"


@pytest.mark.parametrize(
    ("text", "lang", "level", "kind"), CASES, ids=[f"{c[1]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_labelled_note(text: str, lang: str, level: str, kind: str) -> None:
    got = assess(text, lang)
    if level == "urgent":
        assert got.level != "none", f"{text!r} missed"
    elif level == "check":
        assert got.level != "none", f"{text!r}: hedged risk read as nothing"
    elif kind == "idiom":
        assert got.level == "none", f"{text!r}: idiom read as {got}"
    else:  # an everyday note may earn a check (cheap), never an alert
        assert got.level != "urgent", f"{text!r}: ordinary note read as {got}"


# --- each kind of phrase --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to be here any more",
        "I feel like ending it all",
        "nobody would miss me",
        "I'm such a burden on my family",
        "There's no way out",
        "I've been self-harming",
        "He hits me",
        "This is goodbye. Thank you all",
        "I've been giving away my things",
    ],
)
def test_urgent_classes(text: str) -> None:
    assert assess(text, "en").level == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "dw i eisiau marw",
        "dw i ddim eisiau bod yma",
        "does dim pwynt",
        "dw i'n faich ar bawb",
        "fyddai neb yn gweld fy eisiau",
        "dw i eisiau lladd fy hun",
        "dw i wedi bod yn brifo fy hun",
        "hunanladdiad",
    ],
)
def test_welsh(text: str) -> None:
    assert assess(text, "cy").level == "urgent"
    assert assess(text).level == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "dont want to be here anymore",
        "wanna die",
        "kil myself",
        "im suicidel",
        "i dont want to b here",
        "I don’t want to live",  # curly apostrophe
        "I DON'T WANT TO LIVE",
        "I'm ok.I want to die",  # no space after the full stop
        "want to diiiie",
        "kms",
        "feeling sucidal",  # a letter missing
        "been cuttin myself",
        "I want to end it all!!!",
    ],
)
def test_texting_and_typos(text: str) -> None:
    assert assess(text).level == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "my knees are killing me",
        "this weather is killing me",
        "I could kill for a cup of tea",
        "I'm dying to see you",
        "dead tired",
        "I nearly died laughing",
        "the battery died",
        "kill the lights",
        "There's no point going to the shop, it's shut",
        "I'm hopeless at remembering names",
        "I had trapped wind",
        "I want to dye my hair",
        "Went to the coffee morning, it was lovely",
    ],
)
def test_idioms_are_nothing(text: str) -> None:
    assert assess(text) == Risk("none")


@pytest.mark.parametrize(
    "text",
    [
        "I would never kill myself",
        "I'm not suicidal",
        "not suicidal but really low",
        "I'd never hurt myself",
        "I don't want to die",
        "Fyddwn i byth yn lladd fy hun",
        "dw i ddim eisiau marw",
    ],
)
def test_negation_is_a_check_never_nothing(text: str) -> None:
    assert assess(text).level == "check"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal but I want to die",  # what follows "but" stands
        "I can't stop thinking about killing myself",  # "can't stop" is no denial
        "No. I want to die",
        "I'm not going to lie, I want to end it all",
        "Dim ond eisiau marw",  # "dim ond": only
    ],
)
def test_negation_does_not_hide_risk(text: str) -> None:
    assert assess(text).level == "urgent"


@pytest.mark.parametrize(
    "text",
    ["I've been feeling really low", "I can't cope", "really lonely this week", "Dw i'n teimlo'n isel"],
)
def test_low_mood_is_a_check(text: str) -> None:
    assert assess(text).level == "check"


def test_accidents_are_a_check() -> None:
    assert assess("I fell in the garden and hurt myself").level == "check"
    assert assess("I hurt myself on purpose").level == "urgent"


def test_phrases_name_what_matched() -> None:
    risk = assess("I'm fine. Honestly I want to die")
    assert risk.urgent and risk.phrases == ("want to die",)
    assert assess("Had a nice week at the allotment") == Risk("none", ())


def test_extra_phrases_are_urgent_whole_words_any_case() -> None:
    words = ("blue mood", "can't go on")
    assert assess("Feeling a BLUE  MOOD today", extra_phrases=words) == Risk("urgent", ("blue mood",))
    assert assess("I can’t go on with the quiz", extra_phrases=words).urgent
    assert assess("true blue moods", extra_phrases=words).level == "none"
    assert assess("I'm in a blue mood", extra_phrases=()).level == "none"


def test_the_old_risk_words_are_all_still_risk() -> None:
    source = CASES_FILE.with_name("risk_words_before.yaml").read_text(encoding="utf-8")
    before: list[str] = yaml.safe_load(source)
    needs_someone = {"hit me": "he hit me", "hits me": "my son hits me"}  # "it hit me" is an idiom
    for word in before:
        assert assess(needs_someone.get(word, word)).level != "none", word
        assert assess(word, extra_phrases=before).urgent, word


def test_lang_never_narrows_urgent_phrases() -> None:
    assert assess("I want to die", "cy").urgent
    assert assess("dw i eisiau marw", "en").urgent
    # gentler words: the note's language and English, which Welsh speakers write too
    assert assess("I feel so lonely", "cy").level == "check"
    assert assess("Dw i'n teimlo'n isel", "cy").level == "check"
    assert read_phrases("Dw i'n teimlo'n isel", "en")[0].level == "none"
    assert assess("Dw i'n teimlo'n isel", "fr").level == "check"  # unknown: every language
    assert assess("Dw i'n teimlo'n isel").level == "check"


@pytest.mark.parametrize("text", ["", "   ", "👍", "...", "a" * 5000, "die " * 500])
def test_odd_input_does_not_raise(text: str) -> None:
    assert assess(text).level in LEVELS


def test_normalise() -> None:
    assert normalise("I’m   NOT ok!!I can't") == "im not ok . i cant"
    assert normalise("Dw i'n teimlo'n isel") == "dwi n teimlo n isel"
    assert normalise("no-one") == "nobody"
    assert normalise("my lovely garden") == "my lovely garden"  # not a typo of "lonely"


def test_pattern_language() -> None:
    slots = {"self": ["myself", "meself"]}
    pattern = compile_phrase("(hurt|harm) {self} (again)? $", slots)
    assert pattern.search(" i hurt meself again . ")
    assert pattern.search(" harm myself ")
    assert not pattern.search(" hurt myself badly ")
    gap = compile_phrase("want * die")
    assert gap.search(" want to just die ") and not gap.search(" want to . die ")
    assert compile_phrase("end it (now|$)").search(" end it . ")
    for broken in ("(a|b", "a)", "{nope}", "? a", "(ways|methods?) to die", "(a)?"):
        with pytest.raises(PatternError):
            compile_phrase(broken, slots)
    # Whether a phrase can match nothing is worked out from its shape, slots and ends included.
    looped = {"ways": ["{means} to"], "means": ["{ways}"], "maybe": ["(pills)?"], **slots}
    for broken in ("$", "* $", "(x)? $", "(x|$)", "* (now|$)", "(x|$)?", "a (b|(c)?)", "{ways}",
                   "{maybe}"):
        with pytest.raises(PatternError):
            compile_phrase(broken, looped)
    shared: dict[str, str] = {}  # a slot expanded once is the same in every phrase after
    assert compile_phrase("{self} *", slots, shared).pattern == compile_phrase("{self} *", slots).pattern
    assert compile_phrase("hurt {self} $", slots, shared).search(" hurt myself . ")


def _shouted(text: str) -> str:
    return text.upper()


def _curly(text: str) -> str:
    return text.replace("'", "’")


def _no_apostrophes(text: str) -> str:
    return text.replace("'", "").replace("’", "")


def _squashed(text: str) -> str:  # no space after punctuation, a greeting before
    return "Hi." + text.replace(", ", ",") + "!!"


def _spaced(text: str) -> str:
    return "  " + "   ".join(text.split()) + " \n"


@pytest.mark.parametrize("change", [_shouted, _curly, _no_apostrophes, _squashed, _spaced])
def test_how_a_note_is_typed_does_not_hide_risk(change: Any) -> None:
    for text, lang, level, _ in CASES:
        if level != "none":
            before, after = assess(text, lang).level, assess(change(text), lang).level
            assert after != "none", f"{change(text)!r} read as nothing"
            if before == "urgent":
                assert after == "urgent", f"{change(text)!r} read as {after}"


def test_the_learnt_weights_are_those_of_the_labelled_set() -> None:
    from bot.answers.risk import WEIGHTS, learn

    stored = yaml.safe_load(WEIGHTS.read_text(encoding="utf-8"))
    prior, weights = learn((text, level != "none") for text, _, level, _ in CASES)
    assert (stored["prior"], stored["weights"]) == (prior, weights), (
        "run: .venv/bin/python bench/risk.py --train"
    )


@pytest.mark.parametrize(
    "text",
    [  # no phrase says these; their words lean towards risk
        "I keep wishing I'd fade out like a candle",
        "I feel like everyone would be fine if I just went",
        "I think I should just go away and stop being a bother",
        "There is nothing for me to stay for",
    ],
)
def test_the_second_opinion_is_a_check(text: str) -> None:
    assert read_phrases(text)[0].level == "none"
    assert assess(text).level == "check"


def test_the_second_opinion_never_overrules_an_idiom_or_makes_urgent() -> None:
    for text, lang, _, kind in CASES:
        phrases, _, idiom = read_phrases(text, lang)
        got = assess(text, lang)
        if phrases.level == "none":
            assert got.level != "urgent", text
            if idiom or kind == "idiom":
                assert got.level == "none", text


RULES = risk_module.shipped_rules()


def _every_note() -> list[tuple[str, str | None]]:
    """Every labelled note (and the held-out ones), each phrase's own words, and notes that
    hold a phrase amid other words: what the screens must never miss a phrase in."""
    heldout = yaml.safe_load(Path(__file__).parents[2].joinpath("bench", "risk_heldout.yaml")
                             .read_text(encoding="utf-8"))
    notes: list[tuple[str, str | None]] = [(t, lang) for t, lang, _, _ in CASES]
    notes += [(t, g["lang"]) for g in heldout for t in g["texts"]]
    sources = [p.source for p in (*RULES.urgent, *RULES.check, *(p for p, _ in RULES.softeners))]
    plain = [" ".join(w for w in s.replace("(", " ").replace(")", " ").replace("|", " ").split()
                      if not w.startswith("{") and not w.endswith("}") and w not in {"?", "*", "$"})
             for s in sources]
    notes += [(f"well {words} and that is all", lang) for words in plain for lang in (None, "en", "cy")]
    return notes


def test_a_note_is_read_the_same_with_the_screens_as_phrase_by_phrase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``any_phrase`` and ``any_softener`` only save looking for each phrase in a note that
    holds none: every note is read exactly as it is read looking for each one by one."""
    notes = _every_note()
    screened = [read_phrases(t, lang) for t, lang in notes]
    one_at_a_time = replace(RULES, any_phrase=None, any_softener=None)
    monkeypatch.setattr(risk_module, "shipped_rules", lambda: one_at_a_time)
    one_by_one = [read_phrases(t, lang) for t, lang in notes]
    assert screened == one_by_one
    # The screens let phrases through, and softeners.
    assert sum(r.level != "none" for r, _, _ in screened) >= len(notes) // 2
    assert sum(idiom for _, _, idiom in screened) >= 100


def test_the_screens_match_exactly_where_some_phrase_does() -> None:
    assert RULES.any_phrase is not None and RULES.any_softener is not None
    for text, _ in _every_note():
        words = " " + normalise(text) + " "
        phrase = any(p.pattern.search(words) for p in (*RULES.urgent, *RULES.check))
        softener = any(p.pattern.search(words) for p, _ in RULES.softeners)
        assert (RULES.any_phrase.search(words) is not None) == phrase, text
        assert (RULES.any_softener.search(words) is not None) == softener, text
