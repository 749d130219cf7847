"""Forgiving parsers for participants' answers, in English and Welsh.

Pure functions: no I/O and no clock (``parse_date`` is told today's date). Each parser
returns ``None`` when it does not understand the answer, so that the flow engine can ask
again; they never raise on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from rapidfuzz import fuzz

from bot.answers import _words as w

__all__ = [
    "ChoiceOption",
    "is_no_media",
    "is_skip",
    "normalise",
    "parse_choice",
    "parse_choices",
    "parse_date",
    "parse_media",
    "parse_money",
    "parse_number",
    "parse_yes_no",
]


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a choice question."""

    value: str  # the stored value, e.g. "often"
    labels: tuple[str, ...]  # the label in every language
    aliases: tuple[str, ...] = ()  # extra accepted words


# --- text helpers -----------------------------------------------------------

_APOSTROPHES = str.maketrans({c: "'" for c in "‘’‛′`´ʼ"})
_FRACTIONS = {"½": "5", "¼": "25", "¾": "75"}
_TOKEN = re.compile(r"[^\W_]+|[^\w\s]")
_MAX_DIGITS = 30  # longer digit runs are not an answer (and would be slow to convert)


def _edge_junk(char: str) -> bool:
    """Punctuation, spaces, controls and emoji modifiers; not emoji themselves."""
    return unicodedata.category(char)[0] in "PZC" or unicodedata.category(char) in ("Sk", "Mn")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    return " ".join(text.split())


def normalise(text: str) -> str:
    """NFKC, casefold, straight apostrophes, single spaces, no punctuation at either end."""
    text = _clean(text)
    start, end = 0, len(text)
    while start < end and _edge_junk(text[start]):
        start += 1
    while end > start and _edge_junk(text[end - 1]):
        end -= 1
    return text[start:end]


def _fold(text: str) -> str:
    """``normalise`` without accents or apostrophes, for comparing words."""
    text = unicodedata.normalize("NFKD", normalise(text))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn").replace("'", "")
    return unicodedata.normalize("NFC", text)


def _tokens(text: str) -> list[str]:
    """Words and emoji of ``text``, folded; other punctuation dropped."""
    return [
        t for t in _TOKEN.findall(_fold(text)) if t[0].isalnum() or unicodedata.category(t) == "So"
    ]


def _key(text: str) -> str:
    return " ".join(_tokens(text))


def _squeeze(text: str) -> str:
    """Collapse repeated letters: "yesss" -> "yes", "noooo" -> "no"."""
    return re.sub(r"(.)\1+", r"\1", text)


def _with_squeezed(phrases: Iterable[str]) -> frozenset[str]:
    return frozenset(phrases) | {_squeeze(p) for p in phrases}


def _prep(text: str) -> str:
    """``_clean`` for numbers: ASCII digits, "7½" -> "7.5", a real minus sign -> "-"."""
    for char, digits in _FRACTIONS.items():
        text = re.sub(rf"(\d)\s*{char}", rf"\1.{digits}", text).replace(char, f"0.{digits}")
    text = re.sub(r"\d", lambda m: str(unicodedata.decimal(m[0], 0)), _clean(text))
    return text.replace("−", "-").replace("﹣", "-")


# --- skip -------------------------------------------------------------------

_SKIP = _with_squeezed(w.SKIP)
_POLITE = re.compile(rf"^(?:(?:{'|'.join(w.POLITE)}) )+|(?: (?:{'|'.join(w.POLITE)}))+$")


def is_skip(text: str) -> bool:
    """Whether the whole message asks to skip the question ("skip", "no comment", "dim byd")."""
    stripped = text.strip()
    if stripped and all(c in w.DASHES for c in stripped):
        return True
    key = _key(text)
    return any(k in _SKIP or _squeeze(k) in _SKIP for k in (key, _POLITE.sub("", key)))


# --- yes / no ---------------------------------------------------------------

_YES_NO: dict[str, bool | None] = {
    k: answer
    for words, answer in ((w.NEUTRAL, None), (w.NO, False), (w.YES, True))
    for k in _with_squeezed(words)
}


def _lead(tokens: list[str]) -> tuple[bool | None, int] | None:
    """The yes/no phrase that ``tokens`` starts with, and how many tokens it takes."""
    for size in range(min(4, len(tokens)), 0, -1):
        phrase = " ".join(tokens[:size])
        for candidate in (phrase, _squeeze(phrase)):
            if candidate in _YES_NO:
                return _YES_NO[candidate], size
    return None


def parse_yes_no(text: str) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` when unclear ("maybe", "yes no")."""
    tokens = _tokens(text)
    while len(tokens) > 1 and _squeeze(tokens[0]) in w.FILLERS:
        tokens.pop(0)
    lead = _lead(tokens)
    if lead is None or lead[0] is None:
        return None
    answer, size = lead
    rest = tokens[size:]
    if rest and "?" in _clean(text):
        return None  # "do I have to?" is a question, not Welsh "do" (yes)
    while rest and rest[0] in w.CONNECTORS:
        rest.pop(0)
    then = _lead(rest)
    if then is not None and then[0] is not None and then[0] != answer:
        return None
    return answer


# --- numbers ----------------------------------------------------------------

_DIGITS = re.compile(
    r"(?<![\w.,])(-?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?![\d]|[.,]\d)"
)
_WORD = re.compile(r"[^\W\d_]+")
_HALF = re.compile(r"\s+(?:and a half|and half|a hanner)\b")
_OUT_OF = re.compile(r"(?:/|\bout of|\boutta|\ballan o)\s*$")
_OF = re.compile(r"\s*(?:of|o)\s*")
_JOIN = re.compile(r"[\s-]*")
_LOOK_BACK = 12  # characters before a number that can say what it is ("out of", "£")


@dataclass(frozen=True)
class _Mention:
    """A number written in the text, in digits or words."""

    value: Decimal
    start: int
    end: int
    places: int = 0  # decimal places as written


def _word_mentions(text: str) -> list[_Mention]:
    words = [(m[0], m.start(), m.end()) for m in _WORD.finditer(text)]
    found: list[_Mention] = []
    i = 0
    while i < len(words):
        parsed = _word_number(words, i, text)
        if parsed is None:
            i += 1
            continue
        value, j = parsed
        found.append(_Mention(Decimal(value), words[i][1], words[j - 1][2]))
        i = j
    return found


def _word_number(words: list[tuple[str, int, int]], i: int, text: str) -> tuple[int, int] | None:
    """The number that number words start at ``words[i]`` ("seven", "twenty-one", "a hundred
    and five", "saith"), and the index after them."""

    def word(k: int) -> str:  # the k-th word, if only spaces or a hyphen lead to it
        if k >= len(words) or (k > i and not _JOIN.fullmatch(text, words[k - 1][2], words[k][1])):
            return ""
        return words[k][0]

    def below_hundred(k: int) -> tuple[int, int] | None:
        if word(k) in w.UNITS:
            return w.UNITS[word(k)], k + 1
        if word(k) not in w.TENS:
            return None
        unit = w.UNITS.get(word(k + 1), 0)
        return (w.TENS[word(k)] + unit, k + 2) if 0 < unit < 10 else (w.TENS[word(k)], k + 1)

    if word(i) in w.WELSH_NUMBERS:
        return w.WELSH_NUMBERS[word(i)], i + 1
    if word(i) == "hundred":
        value, k = 100, i + 1
    elif word(i) == "a" and word(i + 1) == "hundred":
        value, k = 100, i + 2
    elif (small := below_hundred(i)) is None:
        return None
    elif word(small[1]) == "hundred" and small[0] > 0:
        value, k = small[0] * 100, small[1] + 1
    else:
        return small
    rest = below_hundred(k + 1) if word(k) == "and" else below_hundred(k)
    return (value + rest[0], rest[1]) if rest else (value, k)


def _mentions(text: str) -> list[_Mention] | None:
    """Every number in prepared ``text`` in order, or ``None`` if one is absurdly long."""
    found = _word_mentions(text)
    for match in _DIGITS.finditer(text):
        digits = match[2].replace(",", "")
        if len(digits) > _MAX_DIGITS:
            return None
        places = len(digits.partition(".")[2])
        found.append(_Mention(Decimal(match[1] + digits), match.start(), match.end(), places))
    found.sort(key=lambda m: m.start)
    for n, m in enumerate(found):
        if half := _HALF.match(text, m.end):  # "7 and a half"
            value = m.value + (Decimal("0.5") if m.value >= 0 else Decimal("-0.5"))
            found[n] = _Mention(value, m.start, half.end(), max(m.places, 1))
    return found


def _whole(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value.normalize()


def parse_number(
    text: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    integer: bool = False,
) -> int | Decimal | None:
    """One number in digits or words: "7", "about seven", "7/10", "saith", "7.5"."""
    text = _prep(text)
    found = _mentions(text)
    if not found:
        return None
    values = {
        m.value
        for n, m in enumerate(found)
        if not _OUT_OF.search(text, max(0, m.start - _LOOK_BACK), m.start)
        and not (n and _OF.fullmatch(text, found[n - 1].end, m.start))
    }
    if len(values) != 1:
        return None
    value = values.pop()
    if integer and value != value.to_integral_value():
        return None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return None
    return _whole(value)


# --- money ------------------------------------------------------------------

_POUNDS_BEFORE = re.compile(r"(?:£|\bgbp)\s*$")
_POUNDS_AFTER = re.compile(rf"\s*(?:£|{w.POUNDS}\b)")
_PENCE_AFTER = re.compile(rf"\s*{w.PENCE}\b")
_MINUS_BEFORE = re.compile(r"-(?:£|gbp)\s*$")  # "-£5" ("-5" and "£-5" have a negative value)
_AND = r"\s*(?:and|a|&|,)?\s*"
_PENNY = Decimal("0.01")
_MAX_MONEY = Decimal(1_000_000)  # a larger amount is not a claim anyone means to make


def parse_money(text: str) -> Decimal | None:
    """An amount in pounds, to the penny: "£12.50", "12 pounds 50", "50p", "twelve pounds"."""
    text = _prep(text)
    found = _mentions(text)
    if not found:
        return None
    amounts: list[tuple[Decimal, bool]] = []  # (amount, says it is money)
    i = 0
    while i < len(found):
        m = found[i]
        before = (text, max(0, m.start - _LOOK_BACK), m.start)
        if m.value < 0 or _MINUS_BEFORE.search(*before) or m.places > 3:
            return None
        pound_sign = bool(_POUNDS_BEFORE.search(*before))
        pounds = _POUNDS_AFTER.match(text, m.end)
        if _PENCE_AFTER.match(text, m.end) and not pound_sign:
            if m.places:
                return None  # "12.50p" could mean either
            amounts.append((m.value / 100, True))
            i += 1
            continue
        value = m.value
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is not None and m.places == 0 and nxt.places == 0 and 0 <= nxt.value < 100:
            gap = text[m.end : nxt.start]
            pence = _PENCE_AFTER.match(text, nxt.end)
            if (
                (pounds and re.fullmatch(rf"\s*(?:£|{w.POUNDS}){_AND}", gap))
                or (pound_sign and pence and re.fullmatch(_AND, gap))
                or (pound_sign and gap.isspace() and nxt.end - nxt.start == 2)
            ):
                value += nxt.value / 100
                i += 1
        amounts.append((value, pound_sign or bool(pounds)))
        i += 1
    marked = {a for a, money in amounts if money}
    values = marked or {a for a, _ in amounts}
    if len(values) != 1:
        return None
    amount = values.pop()
    if abs(amount) >= _MAX_MONEY:
        return None
    return amount.quantize(_PENNY, rounding=ROUND_HALF_UP)


# --- choices ----------------------------------------------------------------

_INDEX_BEFORE = frozenset(
    {"option", "number", "no", "num", "nr", "choice", "answer", "the", "rhif", "opsiwn",
     "dewis", "ateb", "yr", "y"}
)  # fmt: skip
_NEGATORS = frozenset(
    {"not", "dont", "didnt", "doesnt", "isnt", "wasnt", "arent", "ddim", "nid", "heb"}
)
_NOT = [[word] for word in _NEGATORS]
_STOPWORDS = frozenset({"a", "an", "the", "or", "and", "of", "to", "it", "is", "i", "neu", "ac"})
_INDEX_PREFIX = re.compile(
    r"^(?:option|number|no|rhif|opsiwn)?\s*[#(]?(\d{1,2}|[a-z])(?:\s*[.):]\s*|\s+-\s+)"
)
_FUZZY_CUTOFF = 80.0
_FUZZY_MARGIN = 5.0  # two options closer than this are a tie
_PART = 0.95  # matching part of the text, not all of it, is weaker evidence
_Keys = list[list[tuple[str, ...]]]  # per option, the words of each label and alias


def _index(tokens: list[str], count: int) -> int | None:
    """0-based option index from "2", "b", "option 2", "the second one", "two"; -1 if too big."""
    tokens = _POLITE.sub("", " ".join(tokens)).split()
    while len(tokens) > 1 and tokens[0] in _INDEX_BEFORE:
        tokens.pop(0)
    if len(tokens) == 2 and tokens[1] == "one" and tokens[0] not in w.UNITS:
        tokens.pop()
    word = " ".join(tokens)
    number: int | None = None
    if m := re.fullmatch(r"(\d{1,3})([a-z]*)", word):
        if m[2] and m[2] not in w.ORDINAL_SUFFIXES:
            return None
        number = int(m[1])
    elif re.fullmatch(r"[a-z]", word):
        number = ord(word) - ord("a") + 1
        if number > count:
            return None  # not a letter index after all ("y", "n")
    else:
        number = w.ORDINALS.get(word, w.UNITS.get(word, w.WELSH_NUMBERS.get(word)))
    if not number:
        return None  # "0" or "dim" is not a position
    return number - 1 if number <= count else -1


def _contains(tokens: list[str], keys: _Keys) -> set[int]:
    """Options with a label in ``tokens`` as whole words; a label inside a longer one that
    matched ("byth" in "prin byth") does not count, and a negated one ("not often") is unclear.
    """
    spans = [
        (option, start, start + len(label), label[0] in _NEGATORS)
        for option, labels in enumerate(keys)
        for label in labels
        for start in range(len(tokens) - len(label) + 1)
        if tuple(tokens[start : start + len(label)]) == label
    ]
    found, negated = set(), False
    for option, start, end, negative in spans:
        if any(s <= start and end <= e and e - s > end - start for _, s, e, _ in spans):
            continue
        found.add(option)
        negated = negated or (not negative and tokens[start - 1 : start] in _NOT)
    return set(range(len(keys))) if negated else found


def _within(tokens: list[str], keys: _Keys) -> set[int]:
    """Options with a label that holds every word of ``tokens`` ("always" -> "Often or always")."""
    words = {t for t in tokens if t not in _STOPWORDS}
    if not words:
        return set()
    return {i for i, labels in enumerate(keys) if any(words <= set(label) for label in labels)}


def _likeness(tokens: list[str], label: tuple[str, ...]) -> float:
    """How like ``label`` the text is (0-100): as a whole, in a run of its words, or word by
    word; the last two count for a little less."""
    text, wanted = " ".join(tokens), " ".join(label)
    score = fuzz.ratio(text, wanted)
    if len(wanted) < 4:
        return float(score)
    for start in range(len(tokens) - len(label) + 1):
        if tokens[start - 1 : start] not in _NOT:
            window = " ".join(tokens[start : start + len(label)])
            score = max(score, _PART * fuzz.ratio(window, wanted))
    words = [t for t in tokens if t not in _STOPWORDS]
    if words and len(words) <= len(label) and min(map(len, words)) >= 4:
        each = min(max(fuzz.ratio(word, part) for part in label) for word in words)
        score = max(score, _PART * each)
    return float(score)


def _fuzzy(tokens: list[str], keys: _Keys) -> set[int]:
    """Options whose label is most like the text, if it is like enough (typos)."""
    if len(" ".join(tokens)) < 3:
        return set()
    scores = [max(_likeness(tokens, label) for label in labels) for labels in keys]
    best = max(scores)
    if best < _FUZZY_CUTOFF:
        return set()
    return {i for i, score in enumerate(scores) if score > best - _FUZZY_MARGIN}


def _by_label(tokens: list[str], keys: _Keys) -> int | None:
    """The option that ``tokens`` names by a label; ``None`` if none or several do."""
    for step in (_contains, _within, _fuzzy):
        found = step(tokens, keys)
        if found:
            return found.pop() if len(found) == 1 else None
    return None


def parse_choice(text: str, options: Sequence[ChoiceOption]) -> str | None:
    """The value of the option chosen by number, letter, label or alias (or a near miss)."""
    tokens = _tokens(text)
    if not tokens or not options:
        return None
    keys = [
        [key for key in (tuple(_tokens(label)) for label in (*o.labels, *o.aliases)) if key]
        for o in options
    ]
    exact = {i for i, labels in enumerate(keys) if tuple(tokens) in labels}
    if exact:
        return options[exact.pop()].value if len(exact) == 1 else None
    index = _index(tokens, len(options))
    if index is not None:
        return options[index].value if index >= 0 else None
    if prefix := _INDEX_PREFIX.match(_fold(text)):  # "2. Sometimes", "b) never"
        index = _index([prefix[1]], len(options))
        if index is not None and index >= 0:
            named = _by_label(_tokens(_fold(text)[prefix.end() :]), keys)
            return options[index].value if named in (None, index) else None
    found = _by_label(tokens, keys)
    return None if found is None else options[found].value


_CHOICE_SEPARATORS = re.compile(r"\s*(?:[,;&+/]|\band\b|\bac\b|\bor\b|\bneu\b)\s*")


def parse_choices(text: str, options: Sequence[ChoiceOption]) -> list[str] | None:
    """The values of several options ("1 and 3", "1,3", "b c", "tea, coffee"), in option
    order; one option on its own is a list of one. None unless every part names an option."""
    if not options:
        return None
    parts = [p for p in _CHOICE_SEPARATORS.split(_fold(text)) if p.strip()]
    if len(parts) == 1:
        words = parts[0].split()
        if len(words) > 1 and all(_index([w], len(options)) not in (None, -1) for w in words):
            parts = words  # "1 3", "b c"
    chosen = [parse_choice(part, options) for part in parts]
    if parts and all(chosen):
        order = [o.value for o in options]
        return sorted({c for c in chosen if c}, key=order.index)
    single = parse_choice(text, options)
    return [single] if single is not None else None


# --- dates ------------------------------------------------------------------

_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,4})([/.-])(\d{1,2})(?:\2(\d{1,4}))?(?!\d|[/.-]\d)")
_DATE_TOKEN = re.compile(r"\d+[^\W\d_]*|[^\W\d_]+")
_DAY = re.compile(r"(\d{1,2})([a-z]*)")
_AGO = re.compile(r"\b(\w+) (day|week)s? ago\b")


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift(today: date, days: int) -> date | None:
    try:
        return today + timedelta(days=days)
    except OverflowError:
        return None


def _recent(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """The date; without a year, the latest such date on or before ``today``."""
    if year is not None:
        return _make(year + 2000 if year < 100 else year, month, day)
    for back in range(9):  # 29 February comes round within 8 years
        found = _make(today.year - back, month, day)
        if found is not None and found <= today:
            return found
    return None


def _recent_day(today: date, day: int) -> date | None:
    """The latest date on or before ``today`` that is the ``day``th of its month."""
    year, month = today.year, today.month
    for _ in range(13):
        found = _make(year, month, day)
        if found is not None and found <= today:
            return found
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _day_at(tokens: list[str], i: int, *, ordinal: bool = False) -> tuple[int, int] | None:
    """A day of the month ending at ``tokens[i]`` ("3", "3rd", "third", "twenty first"),
    and the index it starts at."""
    if not 0 <= i < len(tokens):
        return None
    if m := _DAY.fullmatch(tokens[i]):
        suffix_ok = m[2] in w.ORDINAL_SUFFIXES or (not m[2] and not ordinal)
        return (int(m[1]), i) if suffix_ok and 1 <= int(m[1]) <= 31 else None
    if ordinal:
        return None
    if i > 0 and (pair := f"{tokens[i - 1]} {tokens[i]}") in w.ORDINALS:
        return w.ORDINALS[pair], i - 1
    return (w.ORDINALS[tokens[i]], i) if tokens[i] in w.ORDINALS else None


def _month_dates(tokens: list[str], today: date, used: set[int]) -> set[date | None]:
    """Dates like "3 July", "3rd of July 2026", "July 3rd", "3ydd o Orffennaf"."""
    found: set[date | None] = set()
    for i, token in enumerate(tokens):
        if token not in w.MONTHS or (i and tokens[i - 1] in w.WELSH_DAY):
            continue
        year_at, four_digits_only = i + 1, False
        day = _day_at(tokens, i - 2 if tokens[i - 1 : i] in (["of"], ["o"]) else i - 1)
        if day is None:
            right = i + 2 if tokens[i + 1 : i + 2] in (["the"], ["y"]) else i + 1
            day = _day_at(tokens, right)
            day = None if day is None else (day[0], i)
            year_at, four_digits_only = right + 1, True
        if day is None:
            continue
        year = None
        digits = tokens[year_at] if year_at < len(tokens) else ""
        if len(digits) == 4 or (len(digits) == 2 and not four_digits_only):
            year = int(digits) if digits.isdigit() else None
        used.update(range(day[1], year_at + (year is not None)))
        found.add(_recent(today, w.MONTHS[token], day[0], year))
    return found


def _relative(tokens: list[str], today: date) -> set[date | None]:
    """Dates like "today", "yesterday", "ddoe", "3 days ago", "a week ago"."""
    found: set[date | None] = set()
    text = f" {' '.join(tokens)} "
    for phrase in sorted(w.RELATIVE_DAYS, key=len, reverse=True):
        if f" {phrase} " in text:
            found.add(_shift(today, w.RELATIVE_DAYS[phrase]))
            text = text.replace(f" {phrase} ", " . ")
    for m in _AGO.finditer(text):
        count = 1 if m[1] == "a" else parse_number(m[1], minimum=Decimal(0), maximum=Decimal(999))
        if isinstance(count, int):
            found.add(_shift(today, -count * (7 if m[2] == "week" else 1)))
    return found


def parse_date(text: str, *, today: date) -> date | None:
    """A day: "yesterday", "3/7", "3rd July", "last Monday", "ddoe", "dydd Llun".

    Day before month (UK). Without a year, the latest such date on or before ``today``;
    a weekday is the latest such day on or before ``today``.
    """
    key = _prep(_fold(text))
    explicit: set[date | None] = set()
    for m in _NUMERIC_DATE.finditer(key):
        first, second, third = m[1], int(m[3]), m[4]
        if len(first) == 4 and third and len(third) <= 2:
            explicit.add(_make(int(first), second, int(third)))  # 2026-07-03
        elif len(first) <= 2 and (third is None or len(third) in (2, 4)):
            explicit.add(_recent(today, second, int(first), None if third is None else int(third)))
    tokens = _DATE_TOKEN.findall(_NUMERIC_DATE.sub(" ", key))
    used: set[int] = set()
    explicit |= _month_dates(tokens, today, used)
    nearby = _relative(tokens, today)
    weekdays: set[date | None] = set()
    for i, token in enumerate(tokens):
        if i in used:
            continue
        if (day := _day_at(tokens, i, ordinal=True)) is not None:
            nearby.add(_recent_day(today, day[0]))  # "the 3rd"
        elif token in w.WEEKDAYS and tokens[i - 1 : i] != ["next"]:
            weekdays.add(_shift(today, -((today.weekday() - w.WEEKDAYS[token]) % 7)))
    for tier in (explicit, nearby, weekdays):
        dates = {d for d in tier if d is not None}
        if dates:
            return dates.pop() if len(dates) == 1 else None
    return None


# --- media ------------------------------------------------------------------

_NO_MEDIA = re.compile(rf"\b(?:{'|'.join(w.NO_MEDIA)})\b")


def parse_media(text: str, media: Sequence[str]) -> tuple[str, ...] | None:
    """The media references that came with the message, or ``None`` if there are none.

    ``text`` is not needed: a photo of a receipt answers the question whatever its caption.
    """
    found = tuple(ref for ref in media if ref.strip())
    return found or None


def is_no_media(text: str) -> bool:
    """Whether the message says there is nothing to send ("no receipt", "lost it", "no")."""
    return is_skip(text) or parse_yes_no(text) is False or bool(_NO_MEDIA.search(_key(text)))
