"""Tests for the forgiving answer parsers in ``bot.answers``."""

from __future__ import annotations

import string
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import (
    ChoiceOption,
    is_no_media,
    is_skip,
    normalise,
    parse_choice,
    parse_choices,
    parse_date,
    parse_media,
    parse_money,
    parse_number,
    parse_yes_no,
)

TODAY = date(2026, 1, 5)  # a Monday

FREQUENCY = (
    ChoiceOption("often", ("Often or always", "Yn aml neu bob amser")),
    ChoiceOption("sometimes", ("Sometimes", "Weithiau"), aliases=("some of the time",)),
    ChoiceOption("rarely", ("Hardly ever", "Prin byth")),
    ChoiceOption("never", ("Never", "Byth")),
    ChoiceOption("unsure", ("Not sure", "Ddim yn siŵr")),
)

_ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WELSH = ("dim", "un", "dau", "tri", "pedwar", "pump", "chwech", "saith", "wyth", "naw", "deg")


def english(n: int) -> str:
    """0-999 in words, written independently of the parser: 121 -> "one hundred and twenty-one"."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else f"-{_ONES[n % 10]}")
    rest = n % 100
    return f"{_ONES[n // 100]} hundred" + (f" and {english(rest)}" if rest else "")


# --- normalise --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Hello,   World!! ", "hello, world"),
        ("¡¿Yes?!", "yes"),
        ("…no…", "no"),
        ("“quoted”", "quoted"),
        ("ＹＥＳ", "yes"),  # full width
        ("don’t", "don't"),  # curly apostrophe
        ("\x00yes\t\n", "yes"),
        ("👍", "👍"),
        ("👍🏽!", "👍"),  # skin tone modifier at the end goes, the emoji stays
        ("ok ✅!", "ok ✅"),
        ("Straße", "strasse"),
        ("", ""),
        ("?!.", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


# --- skip -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "skip", "Skip!", "SKIP please", "pass", "next", "no comment", "No comment.",
        "nothing", "nothing thanks", "none", "n/a", "N/A", "N.A.", "-", "--", "—",
        "no thanks", "No, thank you", "skiiip", "rather not say", "skip please thanks",
        "dim", "Dim byd", "neidio", "sgipio", "dim sylw", "pasio",
    ],
)  # fmt: skip
def test_is_skip(text: str) -> None:
    assert is_skip(text)


@pytest.mark.parametrize(
    "text",
    [
        "na",  # Welsh for no, not n/a
        "no", "yes", "nope", "", "?", ".", "skip to the end", "nothing much happened",
        "next week", "I passed", "7", "the meeting was fine",
    ],
)  # fmt: skip
def test_is_not_skip(text: str) -> None:
    assert not is_skip(text)


# --- yes / no ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "yes", "y", "Y", "yeah", "yep", "yup", "ok", "OK", "okay", "sure", "certainly",
        "of course", "aye", "👍", "👍🏽", "✅", "✔️", "yes please", "YES!!", "  Yes.  ",
        "yesss", "yeahhh", "okayyy", "yes I can", "Yes, I'll be there", "oh yes",
        "yes yes", "yes, no problem", "i think so",
        "ie", "Ie", "do", "oes", "ydw", "ydy", "ydyn", "ydych", "iawn", "ie diolch",
        "Do, diolch", "wrth gwrs",
    ],
)  # fmt: skip
def test_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "no", "n", "N", "nope", "nah", "not really", "no thanks", "👎", "❌", "NO!",
        "noooo", "no sorry", "No, I can't make it", "well no", "of course not",
        "definitely not", "no no",
        "na", "naddo", "nac oes", "Nac ydw", "nac ydy", "nage", "dim", "na diolch",
    ],
)  # fmt: skip
def test_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    [
        "maybe", "", "?", "yes no", "no yes", "yes/no", "y/n", "yes and no", "yes or no",
        "ie na", "not sure", "no idea", "no problem", "I don't know", "perhaps",
        "Do I have to?",  # a question, not Welsh "do"
        "hello", "7", "yessir is not a word", "the answer is yes",
    ],
)  # fmt: skip
def test_yes_no_not_understood(text: str) -> None:
    assert parse_yes_no(text) is None


# --- numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7), ("about 7", 7), ("7/10", 7), ("7 / 10", 7), ("I'd say 7 out of 10", 7),
        ("7 of 10", 7), ("out of 10 I'd give it 8", 8), ("7.0", 7), ("0", 0), ("  42 ", 42),
        ("seven", 7), ("Seven!", 7), ("twenty one", 21), ("twenty-one", 21), ("thirty", 30),
        ("a hundred", 100), ("one hundred and five", 105), ("zero", 0), ("nineteen", 19),
        ("seven (7)", 7), ("7 7", 7), ("7-ish", 7), ("1,250", 1250), ("100%", 100),
        ("dim", 0), ("un", 1), ("dau", 2), ("dwy", 2), ("tri", 3), ("tair", 3),
        ("pedwar", 4), ("pedair", 4), ("pump", 5), ("chwech", 6), ("saith", 7),
        ("wyth", 8), ("naw", 9), ("deg", 10), ("saith allan o ddeg", 7), ("naw o ddeg", 9),
        ("７", 7),  # full-width digit
    ],
)  # fmt: skip
def test_parse_number(text: str, expected: int) -> None:
    result = parse_number(text)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7.5", Decimal("7.5")), ("0.25", Decimal("0.25")), (".5", Decimal("0.5")),
        ("7 and a half", Decimal("7.5")), ("7½", Decimal("7.5")), ("-2.5", Decimal("-2.5")),
    ],
)  # fmt: skip
def test_parse_number_decimal(text: str, expected: Decimal) -> None:
    result = parse_number(text)
    assert result == expected
    assert isinstance(result, Decimal)


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "integer", "expected"),
    [
        ("-2", None, None, False, -2),
        ("-2", "-5", None, False, -2),
        ("-2", "0", None, False, None),
        ("11", None, "10", False, None),
        ("10", None, "10", False, 10),
        ("0", "1", None, False, None),
        ("7.5", None, None, True, None),
        ("7.0", None, None, True, 7),
        ("seven", "0", "10", True, 7),
        ("10.5", "0", "10.5", False, Decimal("10.5")),
        ("10.6", "0", "10.5", False, None),
    ],
)
def test_parse_number_limits(
    text: str, minimum: str | None, maximum: str | None, integer: bool, expected: object
) -> None:
    low = None if minimum is None else Decimal(minimum)
    high = None if maximum is None else Decimal(maximum)
    assert parse_number(text, minimum=low, maximum=high, integer=integer) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lots", "", "a few", "7 or 8", "between 6 and 7", "7, maybe 8", "3-4", "7,5",
        "seven or eight", "7.5.3", "/10", "1" * 40, "none", "?",
    ],
)  # fmt: skip
def test_parse_number_not_understood(text: str) -> None:
    assert parse_number(text) is None


# --- money ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("£12.50", "12.50"), ("12.5", "12.50"), ("12", "12.00"), ("£12", "12.00"),
        ("12 pounds 50", "12.50"), ("12 pounds and 50p", "12.50"), ("50p", "0.50"),
        ("50 pence", "0.50"), ("150p", "1.50"), ("£1,250.00", "1250.00"),
        ("twelve pounds", "12.00"), ("twelve pounds fifty", "12.50"), ("12.50 GBP", "12.50"),
        ("GBP 12.50", "12.50"), ("£12 and 50p", "12.50"), ("£12 50", "12.50"),
        ("12 quid", "12.00"), ("£0.99", "0.99"), ("£12.50p", "12.50"),
        ("£12.50 for 2 taxis on 3/7", "12.50"), ("£12.50 (twelve pounds fifty)", "12.50"),
        ("12.505", "12.51"), ("£7½", "7.50"), ("Taxi - £12.50", "12.50"),
        ("deg punt", "10.00"), ("pum punt", "5.00"), ("50 ceiniog", "0.50"),
    ],
)  # fmt: skip
def test_parse_money(text: str, expected: str) -> None:
    result = parse_money(text)
    assert result == Decimal(expected)
    assert result is not None and result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    [
        "-5", "-£5", "£-5", "12.5555", "£5 or £6", "5 or 6", "lots", "", "12.50p",
        "£3,50", "£5.5.5", "a tenner",
    ],
)  # fmt: skip
def test_parse_money_not_understood(text: str) -> None:
    assert parse_money(text) is None


# --- choices ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # by number, letter or position
        ("2", "sometimes"), ("2.", "sometimes"), ("number 2", "sometimes"),
        ("option 2", "sometimes"), ("#2", "sometimes"), ("2 please", "sometimes"),
        ("2 thank you", "sometimes"),
        ("b", "sometimes"), ("B)", "sometimes"), ("(b)", "sometimes"), ("a", "often"),
        ("e", "unsure"), ("two", "sometimes"), ("the second one", "sometimes"),
        ("2nd", "sometimes"), ("yr ail", "sometimes"), ("2. Sometimes", "sometimes"),
        ("b) sometimes", "sometimes"),
        # by label or alias, in either language
        ("Often or always", "often"), ("OFTEN OR ALWAYS!", "often"), ("sometimes", "sometimes"),
        ("Weithiau", "sometimes"), ("some of the time", "sometimes"), ("prin byth", "rarely"),
        ("byth", "never"), ("ddim yn siwr", "unsure"), ("Ddim yn siŵr", "unsure"),
        # by a label inside the text, the longest winning
        ("I'd say sometimes", "sometimes"), ("I never go", "never"),
        ("I hardly ever go", "rarely"), ("prin byth, a dweud y gwir", "rarely"),
        ("not sure really", "unsure"),
        # by a word of one label only
        ("always", "often"), ("bob amser", "often"), ("hardly", "rarely"),
        # typos
        ("somtimes", "sometimes"), ("hardley ever", "rarely"), ("nevr", "never"),
        ("neverr", "never"), ("alwys", "often"), ("i think somtimes", "sometimes"),
    ],
)  # fmt: skip
def test_parse_choice(text: str, expected: str) -> None:
    assert parse_choice(text, FREQUENCY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "7", "6", "0", "f", "option 9", "", "?", "hmm", "x", "pizza",
        "sometimes or never",  # two options equally
        "not often",  # negates a label
        "3. Sometimes",  # number and label disagree
        "1-2 times",
    ],
)  # fmt: skip
def test_parse_choice_not_understood(text: str) -> None:
    assert parse_choice(text, FREQUENCY) is None


def test_parse_choice_prefers_longest_label() -> None:
    options = [
        ChoiceOption("often", ("Often",)),
        ChoiceOption("not_often", ("Not often",)),
        ChoiceOption("never", ("Never",)),
    ]
    assert parse_choice("not often", options) == "not_often"
    assert parse_choice("I would say not often at all", options) == "not_often"
    assert parse_choice("often", options) == "often"


def test_parse_choice_out_of_range_letter_falls_back_to_labels() -> None:
    options = [ChoiceOption("yes", ("Yes",), aliases=("y",)), ChoiceOption("no", ("No",), ("n",))]
    assert parse_choice("y", options) == "yes"
    assert parse_choice("n", options) == "no"
    assert parse_choice("b", options) == "no"
    assert parse_choice("c", options) is None


def test_parse_choice_with_no_options() -> None:
    assert parse_choice("1", []) is None


# --- dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY), ("Today!", TODAY), ("yesterday", date(2026, 1, 4)),
        ("tomorrow", date(2026, 1, 6)), ("heddiw", TODAY), ("ddoe", date(2026, 1, 4)),
        ("yfory", date(2026, 1, 6)), ("the day before yesterday", date(2026, 1, 3)),
        ("2 days ago", date(2026, 1, 3)), ("a week ago", date(2025, 12, 29)),
        ("I sat on the bus yesterday", date(2026, 1, 4)),
        # numeric, day first
        ("3/7", date(2025, 7, 3)), ("03/07/2026", date(2026, 7, 3)),
        ("3.7.26", date(2026, 7, 3)), ("3-7-2026", date(2026, 7, 3)),
        ("3/12", date(2025, 12, 3)), ("5/1", TODAY), ("6/1", date(2025, 1, 6)),
        ("25/12/25", date(2025, 12, 25)), ("2025-12-25", date(2025, 12, 25)),
        ("29/2", date(2024, 2, 29)), ("14:30 yesterday", date(2026, 1, 4)),
        # month names
        ("3 July", date(2025, 7, 3)), ("3rd July", date(2025, 7, 3)),
        ("July 3rd", date(2025, 7, 3)), ("3 Jul 2026", date(2026, 7, 3)),
        ("3rd of July", date(2025, 7, 3)), ("July the 4th", date(2025, 7, 4)),
        ("Dec 25, 2025", date(2025, 12, 25)), ("twenty first of December", date(2025, 12, 21)),
        ("Mon 3rd July", date(2025, 7, 3)), ("on the 3rd", date(2026, 1, 3)),
        ("31st", date(2025, 12, 31)),
        # Welsh months
        ("3 Ionawr", date(2026, 1, 3)), ("3 Chwefror", date(2025, 2, 3)),
        ("3 Mawrth", date(2025, 3, 3)), ("3 Ebrill", date(2025, 4, 3)),
        ("3 Mai", date(2025, 5, 3)), ("3 Mehefin", date(2025, 6, 3)),
        ("3 Gorffennaf", date(2025, 7, 3)), ("3 Awst", date(2025, 8, 3)),
        ("3 Medi", date(2025, 9, 3)), ("3 Hydref", date(2025, 10, 3)),
        ("3 Tachwedd", date(2025, 11, 3)), ("3 Rhagfyr", date(2025, 12, 3)),
        ("3ydd o Orffennaf", date(2025, 7, 3)), ("3 Gorffennaf 2025", date(2025, 7, 3)),
        # weekdays: the latest on or before today
        ("Monday", TODAY), ("last Monday", TODAY), ("Sunday", date(2026, 1, 4)),
        ("last tuesday", date(2025, 12, 30)), ("Sat", date(2026, 1, 3)),
        ("dydd Llun", TODAY), ("dydd Mawrth", date(2025, 12, 30)),
        ("dydd Mercher", date(2025, 12, 31)), ("dydd Iau", date(2026, 1, 1)),
        ("dydd Gwener", date(2026, 1, 2)), ("dydd Sadwrn", date(2026, 1, 3)),
        ("dydd Sul", date(2026, 1, 4)), ("nos Wener", date(2026, 1, 2)),
    ],
)  # fmt: skip
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31/2", "3/13", "0/5", "32 July", "31 April", "may", "July", "", "soon", "blah",
        "next monday", "3/7 or 4/7", "3/7/026", "7",
    ],
)  # fmt: skip
def test_parse_date_not_understood(text: str) -> None:
    assert parse_date(text, today=TODAY) is None


def test_parse_date_at_the_ends_of_time() -> None:
    assert parse_date("yesterday", today=date.min) is None
    assert parse_date("tomorrow", today=date.max) is None
    assert parse_date("3/7", today=date.min) is None


# --- media ------------------------------------------------------------------


def test_parse_media() -> None:
    assert parse_media("", ["receipt.jpg"]) == ("receipt.jpg",)
    assert parse_media("here you go", ["a.jpg", "https://x/b.png"]) == ("a.jpg", "https://x/b.png")
    assert parse_media("a photo", ["a.jpg", " "]) == ("a.jpg",)
    assert parse_media("here it is", []) is None
    assert parse_media("no receipt", ()) is None


@pytest.mark.parametrize(
    "text",
    [
        "no receipt", "No receipts, sorry", "no", "nope", "haven't got one", "Haven’t got one",
        "don't have one", "lost it", "I've lost it", "I lost the receipt", "I can't find it",
        "I never got one", "skip", "na", "dim", "dim derbynneb", "wedi colli", "does dim",
    ],
)  # fmt: skip
def test_is_no_media(text: str) -> None:
    assert is_no_media(text)


@pytest.mark.parametrize("text", ["here it is", "yes", "receipt attached", "", "sending now"])
def test_is_not_no_media(text: str) -> None:
    assert not is_no_media(text)


# --- properties -------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=-10_000, max_value=10**12))
def test_digits_round_trip(n: int) -> None:
    for text in (str(n), f"about {n}", f"{n}/10", f"{n} out of 10", f"{n:,}"):
        result = parse_number(text)
        assert result == n, text
        assert type(result) is int


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=999))
def test_words_round_trip(n: int) -> None:
    words = english(n)
    assert parse_number(words) == n, words
    assert parse_number(f"{words.capitalize()}!") == n
    assert parse_number(f"{words} out of ten") == n


@pytest.mark.parametrize(("n", "word"), list(enumerate(WELSH)))
def test_welsh_words(n: int, word: str) -> None:
    assert parse_number(word) == n
    assert parse_number(word.capitalize(), minimum=Decimal(0), maximum=Decimal(10)) == n


@settings(max_examples=150, deadline=None)
@given(st.decimals(min_value=0, max_value=10_000, places=2))
def test_money_round_trip(amount: Decimal) -> None:
    for text in (f"£{amount:.2f}", f"{amount:.2f}", f"£{amount:,.2f}", f"{amount:.2f} GBP"):
        assert parse_money(text) == amount, text


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=10_000, places=3))
def test_money_is_quantized(amount: Decimal) -> None:
    result = parse_money(f"£{amount}")
    assert result is not None
    assert result.as_tuple().exponent == -2
    assert abs(result - amount) <= Decimal("0.005")


_WORDS = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=8)
_LABEL = st.lists(_WORDS, min_size=1, max_size=3).map(" ".join)


@st.composite
def choice_options(draw: st.DrawFn) -> list[ChoiceOption]:
    labels = draw(st.lists(_LABEL, min_size=2, max_size=12, unique=True))
    return [ChoiceOption(f"v{i}", (label,)) for i, label in enumerate(labels)]


@settings(max_examples=100, deadline=None)
@given(choice_options(), st.data())
def test_choice_by_index_and_label(options: list[ChoiceOption], data: st.DataObject) -> None:
    i = data.draw(st.integers(min_value=0, max_value=len(options) - 1))
    value = options[i].value
    assert parse_choice(str(i + 1), options) == value
    assert parse_choice(f"{i + 1}.", options) == value
    assert parse_choice(f"option {i + 1}", options) == value
    assert parse_choice(string.ascii_lowercase[i], options) == value
    assert parse_choice(options[i].labels[0], options) == value
    assert parse_choice(f" {options[i].labels[0].upper()}! ", options) == value
    assert parse_choice(str(len(options) + 1), options) is None


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_round_trip(day: date) -> None:
    assert parse_date(f"{day.day}/{day.month}/{day.year}", today=TODAY) == day
    assert parse_date(day.strftime("%d/%m/%Y"), today=TODAY) == day
    assert parse_date(f"{day.day} {day.strftime('%B')} {day.year}", today=TODAY) == day


@settings(max_examples=150, deadline=None)
@given(
    st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(min_value=0, max_value=364),
)
def test_dates_without_year_are_in_the_past_year(today: date, back: int) -> None:
    day = today - timedelta(days=back)
    assert parse_date(f"{day.day}/{day.month}", today=today) == day
    assert parse_date(f"{day.day} {day.strftime('%b')}", today=today) == day


_PIECES = st.sampled_from(
    [
        "7", "-", "/", ".", ",", "£", "p", "½", "out of", "and a half", "hundred", "thousand",
        "and", "a", "yes", "no", "na", "dim", "July", "3rd", "of", "o", "dydd", "Mawrth",
        "next", "ago", "days", "1,000", "2026", "99", "0", "👍", "🏽", "\x00", "\u200d",
        "١٢", "??", "(", "b)", "option", "the", "one", "skip", "pounds", "n/a", "e.g.",
    ]
)  # fmt: skip
_ANY_TEXT = st.one_of(st.text(), st.lists(_PIECES, max_size=12).map(" ".join))
_ANY_TEXT |= st.lists(_PIECES, max_size=12).map("".join)


@settings(max_examples=300, deadline=None)
@given(_ANY_TEXT)
def test_no_parser_raises(text: str) -> None:
    assert isinstance(normalise(text), str)
    assert isinstance(is_skip(text), bool)
    assert parse_yes_no(text) in (True, False, None)
    number = parse_number(text)
    assert number is None or type(number) in (int, Decimal)
    assert parse_number(text, minimum=Decimal(0), maximum=Decimal(10), integer=True) in (
        None, *range(11),
    )  # fmt: skip
    money = parse_money(text)
    assert money is None or (money >= 0 and money.as_tuple().exponent == -2)
    assert parse_choice(text, FREQUENCY) in (None, *(o.value for o in FREQUENCY))
    for today in (TODAY, date.min, date.max):
        day = parse_date(text, today=today)
        assert day is None or isinstance(day, date)
    assert parse_media(text, []) is None
    assert isinstance(is_no_media(text), bool)


@settings(max_examples=100, deadline=None)
@given(choice_options(), st.data())
def test_several_choices_by_number_in_any_common_form(
    options: list[ChoiceOption], data: st.DataObject
) -> None:
    picked = data.draw(st.lists(st.integers(min_value=0, max_value=len(options) - 1),
                                min_size=1, max_size=len(options), unique=True))
    expected = [options[i].value for i in sorted(picked)]
    numbers = [str(i + 1) for i in picked]
    for joined in (" and ".join(numbers), ", ".join(numbers), " ".join(numbers), ",".join(numbers)):
        assert parse_choices(joined, options) == expected, joined


@pytest.mark.parametrize(("text", "chosen"), [
    ("1 and 3", ["often", "rarely"]),
    ("b, c", ["sometimes", "rarely"]),
    ("never", ["never"]),
    ("byth a weithiau", None),  # "a" is a letter here, not Welsh for "and"
    ("byth ac weithiau", ["sometimes", "never"]),
    ("often or always and never", ["often", "never"]),
    ("1 and 9", None),
    ("", None),
])
def test_several_choices_by_words_too(text: str, chosen: list[str] | None) -> None:
    assert parse_choices(text, FREQUENCY) == chosen
