"""Recognising risk in what people write: wanting to die, self-harm, abuse, low mood.

``assess`` reads a note and says how worried to be: ``"urgent"`` (tell the safeguarding
lead now), ``"check"`` (worth a gentle check-in from a person: negated or hedged risk,
low mood) or ``"none"``. A miss is far worse than a false alarm, so the phrases are
broad, typos are forgiven and negation only ever softens ``urgent`` to ``check``.

The phrases are data, one YAML file a language in ``bot/answers/risk/``, beside the word
weights of a learnt second opinion (all loaded once, at import); ``docs/safeguarding.md``
explains them. Pure: no I/O after import, no clock, no storage.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import yaml
from rapidfuzz.distance import OSA

__all__ = [
    "LEVELS",
    "Level",
    "PatternError",
    "Risk",
    "assess",
    "compile_phrase",
    "leaning",
    "learn",
    "normalise",
    "shipped_rules",
]

Level = Literal["urgent", "check", "none"]
LEVELS: tuple[Level, ...] = ("none", "check", "urgent")
DATA = Path(__file__).with_name("risk")
WEIGHTS = DATA / "weights.yaml"  # learnt, not phrases: see "a second opinion" below


@dataclass(frozen=True)
class Risk:
    """How worried to be about a note, and the phrases (normalised) that said so."""

    level: Level
    phrases: tuple[str, ...] = ()

    @property
    def urgent(self) -> bool:
        return self.level == "urgent"


# --- normalising --------------------------------------------------------------

_APOSTROPHE = "'‘’‛′`´ʼ"
_CLITIC = re.compile(rf"(?<=\w)[{_APOSTROPHE}]([nr])(?!\w)")  # Welsh "teimlo'n", "i'r"
_APOSTROPHES = re.compile(rf"[{_APOSTROPHE}]")
_BOUNDARY = re.compile(r"[.,!?;:…\n\r\t()\[\]\"“”«»|]+|\s-+\s")  # ends a clause
_OTHER = re.compile(r"[^\w.]+|_")
_REPEATS = re.compile(r"(\w)\1{2,}")  # "soooo" -> "soo"


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in text if not unicodedata.combining(c)))


def _words(text: str) -> str:
    """Folded words, one space apart, with " . " where a clause ends."""
    text = _APOSTROPHES.sub("", _CLITIC.sub(r" \1", _fold(text)))
    text = _BOUNDARY.sub(" . ", text)
    text = _OTHER.sub(" ", _REPEATS.sub(r"\1\1", text))
    tokens: list[str] = []
    for token in text.split():
        if token != "." or (tokens and tokens[-1] != "."):
            tokens.append(token)
    while tokens and tokens[-1] == ".":
        tokens.pop()
    return " ".join(tokens)


# --- the pattern language -------------------------------------------------------
# Words match whole words of the normalised text; "(a|b c)" is a choice, "?" after a
# word or group makes it optional, "{name}" is any entry of a slot, "*" stands for up
# to four other words of the same clause, and "$" for the end of a clause.

_PIECE = re.compile(r"\{[\w ]+\}|[()|?*$]|[^\s(){}|?*$]+")
_GAP = r"(?:[^ .]+ ){0,4}"
_END = r"(?=\. |$)"


class PatternError(ValueError):
    """A phrase in the risk data that cannot be read."""


def _compile(
    source: str, slots: Mapping[str, list[str]], seen: tuple[str, ...] = (),
    known: dict[str, str] | None = None,
) -> str:
    """``source`` as a regular expression; ``known`` keeps the slots already expanded."""
    pieces = _PIECE.findall(source)
    pos = 0
    known = {} if known is None else known

    # Each part comes with whether it can match nothing at all, worked out from its shape.
    def sequence() -> tuple[str, bool]:
        nonlocal pos
        out: list[str] = []
        empty = True
        while pos < len(pieces) and pieces[pos] not in ("|", ")"):
            body, can_be_empty = item()
            out.append(body)
            empty = empty and can_be_empty
        return "".join(out), empty

    def item() -> tuple[str, bool]:
        nonlocal pos
        piece = pieces[pos]
        pos += 1
        if piece == "(":
            alternatives = [sequence()]
            while pos < len(pieces) and pieces[pos] == "|":
                pos += 1
                alternatives.append(sequence())
            if pos >= len(pieces) or pieces[pos] != ")":
                raise PatternError(f"unclosed '(' in {source!r}")
            if any(a != _END and empty for a, empty in alternatives):
                raise PatternError(f"a choice that can be empty in {source!r}: write (...)? instead")
            pos += 1
            body = f"(?:{'|'.join(a for a, _ in alternatives)})"
            empty = any(empty for _, empty in alternatives)  # "(now|$)"
        elif piece.startswith("{"):
            name = piece[1:-1].strip()
            if name not in slots:
                raise PatternError(f"unknown slot {piece} in {source!r}")
            if name in seen:
                raise PatternError(f"slot {piece} refers to itself")
            body, empty = slot_regex(name, slots, (*seen, name), known), False
        elif piece == "*":
            body, empty = _GAP, True
        elif piece == "$":
            return _END, True
        elif piece == ".":
            body, empty = r"\. ", False
        elif piece in ("?", "|", ")"):
            raise PatternError(f"misplaced {piece!r} in {source!r}")
        else:
            body, empty = re.escape(_words(piece)) + " ", False
        if pos < len(pieces) and pieces[pos] == "?":
            pos += 1
            return f"(?:{body})?", True
        return body, empty

    result, empty = sequence()
    if pos != len(pieces):
        raise PatternError(f"unmatched {pieces[pos]!r} in {source!r}")
    if empty:
        raise PatternError(f"{source!r} can match nothing at all")
    return result


def slot_regex(
    name: str, slots: Mapping[str, list[str]], seen: tuple[str, ...],
    known: dict[str, str] | None = None,
) -> str:
    """A slot's entries as one choice; none of them can be empty (``_compile`` refuses that)."""
    if known is not None and name in known:  # a slot that expanded once has no loop in it
        return known[name]
    entries = sorted(slots[name], key=len, reverse=True)
    regex = "(?:" + "|".join(_compile(entry, slots, seen, known) for entry in entries) + ")"
    if known is not None:
        known[name] = regex
    return regex


_WORD_START = r"(?<![^ ])"


def compile_phrase(
    source: str, slots: Mapping[str, list[str]] | None = None, known: dict[str, str] | None = None
) -> re.Pattern[str]:
    """One phrase of the risk data as a regular expression over ``normalise``'s text."""
    return re.compile(_WORD_START + _compile(source, slots or {}, (), known))


# --- the data -------------------------------------------------------------------


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern[str]
    source: str
    language: str


@dataclass(frozen=True)
class _Rules:
    urgent: tuple[_Phrase, ...]
    check: tuple[_Phrase, ...]
    softeners: tuple[tuple[_Phrase, Level], ...]  # idioms and accidents, and what they read as
    negations: frozenset[str]
    not_negations: tuple[re.Pattern[str], ...]  # "can't stop", "not sure": not a denial
    joiners: frozenset[str]  # start a new claim, out of reach of a denial before them
    spellings: dict[str, str]
    spelling: re.Pattern[str] | None
    vocabulary: frozenset[str]  # every word of every phrase
    typo_targets: dict[str, tuple[str, ...]]  # first letter -> words a typo may stand for
    languages: frozenset[str]
    # Every phrase (and every softener) as one pattern, to tell at a glance whether any of
    # them is in a note at all: most notes ("7", "a good week") hold none, and then the
    # phrases need not be looked for one by one. None: look for each one by one.
    any_phrase: re.Pattern[str] | None = None
    any_softener: re.Pattern[str] | None = None


def _any_of(phrases: Iterable[_Phrase]) -> re.Pattern[str] | None:
    """One pattern that matches where any of ``phrases`` does (each begins ``_WORD_START``)."""
    phrases = list(phrases)
    if not all(p.pattern.pattern.startswith(_WORD_START) for p in phrases):
        return None
    bodies = [p.pattern.pattern.removeprefix(_WORD_START) for p in phrases]
    return re.compile(_WORD_START + "(?:" + "|".join(bodies) + ")") if bodies else None


def _flatten(value: Any) -> list[str]:
    """A phrase list, or a mapping of headings to phrase lists, as one list."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return [p for part in value.values() for p in _flatten(part)]
    return [str(p) for p in value]


def _load(folder: Path) -> _Rules:
    files = sorted(f for f in folder.glob("*.yaml") if f.name != WEIGHTS.name)
    if not files:
        raise FileNotFoundError(f"no risk phrases in {folder}")
    data = [(f.stem, yaml.safe_load(f.read_text(encoding="utf-8")) or {}) for f in files]

    def words(key: str) -> frozenset[str]:
        return frozenset(_words(w) for _, d in data for w in _flatten(d.get(key)))

    slots = {k: _flatten(v) for _, d in data for k, v in (d.get("slots") or {}).items()}
    known: dict[str, str] = {}
    found: dict[str, list[_Phrase]] = {key: [] for key in ("urgent", "check", "idioms", "accidents")}
    for language, d in data:
        for key, phrases in found.items():
            phrases.extend(_Phrase(compile_phrase(s, slots, known), s, language)
                           for s in _flatten(d.get(key)))
    spellings = {_words(k): _words(str(v)) for _, d in data for k, v in (d.get("spellings") or {}).items()}
    sources = [e for es in slots.values() for e in es] + [p.source for ps in found.values() for p in ps]
    plain = (_PIECE.sub(lambda m: m.group() if m.group()[0] not in "{()|?*$" else " ", s) for s in sources)
    vocabulary = frozenset(w for s in (*plain, *spellings.values()) for w in _words(s).split())
    targets: dict[str, list[str]] = {}
    for word in sorted(vocabulary - words("exact")):
        if len(word) >= 5 and word.isalpha():
            targets.setdefault(word[0], []).append(word)
    keys = sorted(spellings, key=len, reverse=True)
    softeners: tuple[tuple[_Phrase, Level], ...] = (
        *((p, "none") for p in found["idioms"]), *((p, "check") for p in found["accidents"]))
    return _Rules(
        urgent=tuple(found["urgent"]),
        check=tuple(found["check"]),
        softeners=softeners,
        negations=words("negations"),
        not_negations=tuple(
            compile_phrase(s, slots, known) for _, d in data for s in _flatten(d.get("not_negations"))
        ),
        joiners=words("joiners"),
        spellings=spellings,
        spelling=re.compile(r"(?<![^ ])(?:" + "|".join(map(re.escape, keys)) + r")(?![^ ])")
        if keys
        else None,
        vocabulary=vocabulary | words("not_typos"),
        typo_targets={k: tuple(v) for k, v in targets.items()},
        languages=frozenset(language for language, _ in data),
        any_phrase=_any_of((*found["urgent"], *found["check"])),
        any_softener=_any_of(p for p, _ in softeners),
    )


@cache
def shipped_rules() -> _Rules:
    """The shipped phrases, read on first use (``copro run`` reads them as it starts)."""
    return _load(DATA)


# --- reading a note ---------------------------------------------------------------


_ENDINGS = ("s", "d", "es", "y", "ed", "er", "ly")


@lru_cache(maxsize=4096)
def _correct(token: str) -> str:
    """A word as the phrase word it is a typo of, or as it is."""
    rules = shipped_rules()
    if token in rules.vocabulary or not token.isalpha():
        return token
    if token.endswith("in") and token + "g" in rules.vocabulary:  # "cuttin"
        return token + "g"
    single = re.sub(r"(\w)\1", r"\1", token)
    if single in rules.vocabulary:  # "diie" from "diiiie"
        return single
    if len(token) < 5 or any(token.endswith(e) and token[: -len(e)] in rules.vocabulary for e in _ENDINGS):
        return token  # short, or "lights", "battery": a word of its own
    limit = 1 if len(token) < 9 else 2
    best, best_distance = token, limit + 1
    for word in rules.typo_targets.get(token[0], ()):
        if abs(len(word) - len(token)) <= limit:
            distance = OSA.distance(token, word, score_cutoff=limit)
            if distance < best_distance:
                best, best_distance = word, distance
    return best


def normalise(text: str) -> str:
    """The note as the phrases see it: folded words, texting spellings and typos corrected."""
    rules = shipped_rules()
    words = _words(text)
    if rules.spelling is not None:
        words = rules.spelling.sub(lambda m: rules.spellings[m.group()], words)
    return " ".join(_correct(token) for token in words.split())


def _negated(text: str, start: int) -> bool:
    """Whether the clause before ``start`` denies what follows ("I would never ...")."""
    rules = shipped_rules()
    clause_start = text.rfind(" . ", 0, start)
    clause_start = 0 if clause_start < 0 else clause_start + 3
    words = text[clause_start:start].split()
    for i in range(len(words) - 1, -1, -1):  # "not X but Y", "not eating because Y": Y stands
        if words[i] in rules.joiners:
            words = words[i + 1 :]
            break
    words = words[-5:]
    if not any(word in rules.negations for word in words):
        return False
    tail = " ".join(words) + " "
    spared = [m.span() for p in rules.not_negations for m in p.finditer(tail)]
    offset = 0
    for word in words:
        if word in rules.negations and not any(a <= offset < b for a, b in spared):
            return True
        offset += len(word) + 1
    return False


# --- a second opinion -------------------------------------------------------------
# Weights for words and word pairs, learnt from the labelled notes (naive Bayes log
# odds; ``bench/risk.py --train`` writes them): a note that no phrase flags and no idiom
# explains, but whose words lean towards risk, is read as a check. Never as urgent.

_MIN_COUNT = 2  # a word seen once teaches nothing
_MIN_WEIGHT = 0.5


def _features(words: str) -> set[str]:
    tokens = words.split()
    return {t for t in tokens if t != "."} | {f"{a} {b}" for a, b in pairwise(tokens) if "." not in (a, b)}


def learn(notes: Iterable[tuple[str, bool]]) -> tuple[float, dict[str, float]]:
    """The prior and the feature weights learnt from ``(text, is risk)`` pairs."""
    counts: dict[bool, dict[str, int]] = {True: {}, False: {}}
    totals = {True: 0, False: 0}
    for text, risky in notes:
        totals[risky] += 1
        for feature in _features(normalise(text)):
            counts[risky][feature] = counts[risky].get(feature, 0) + 1
    weights: dict[str, float] = {}
    for feature in sorted(set(counts[True]) | set(counts[False])):
        yes, no = counts[True].get(feature, 0), counts[False].get(feature, 0)
        if yes + no >= _MIN_COUNT:
            weight = math.log((yes + 0.5) / (totals[True] + 1)) - math.log((no + 0.5) / (totals[False] + 1))
            if abs(weight) >= _MIN_WEIGHT:
                weights[feature] = round(weight, 3)
    prior = round(math.log((totals[True] + 1) / (totals[False] + 1)), 3)
    return prior, weights


def _load_weights(path: Path) -> tuple[float, float, dict[str, float]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    weights = {str(k): float(v) for k, v in (data.get("weights") or {}).items()}
    return float(data.get("prior", 0.0)), float(data.get("threshold", math.inf)), weights


_PRIOR, _THRESHOLD, _WEIGHTS = _load_weights(WEIGHTS)


def leaning(words: str, prior: float = _PRIOR, weights: Mapping[str, float] = _WEIGHTS) -> float:
    """How far a normalised note's words lean towards risk (log odds)."""
    return prior + sum(weights.get(feature, 0.0) for feature in _features(words))


def _second_opinion(words: str) -> Risk:
    if leaning(words) <= _THRESHOLD:
        return Risk("none")
    telling = [f for f in _features(words) if _WEIGHTS.get(f, 0.0) > 0 and max(map(len, f.split())) > 3]
    return Risk("check", tuple(sorted(telling, key=lambda f: (-_WEIGHTS[f], f))[:3]))  # "if i" says little


@lru_cache(maxsize=64)
def _extra(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """A deployment's own risk words as one pattern: whole words, any case."""
    unique = {_APOSTROPHES.sub("'", p).strip() for p in phrases}
    parts = sorted((p for p in unique if p), key=len, reverse=True)
    if not parts:
        return None
    body = "|".join(r"\s+".join(map(re.escape, p.split())) for p in parts)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def assess(text: str, lang: str | None = None, extra_phrases: Iterable[str] = ()) -> Risk:
    """How worried to be about ``text``.

    Urgent phrases of every language are always looked for (people switch language
    mid-sentence); the gentler ``check`` phrases are those of ``lang`` and English,
    which Welsh speakers write too (all of them when ``lang`` is ``None`` or unknown).
    ``extra_phrases`` are a deployment's own risk words: whole words, any case, always
    urgent.
    """
    risk, words, idiom = read_phrases(text, lang, extra_phrases)
    if risk.level == "none" and not idiom:
        return _second_opinion(words)
    return risk


def read_phrases(
    text: str, lang: str | None = None, extra_phrases: Iterable[str] = ()
) -> tuple[Risk, str, bool]:
    """``assess`` by the phrases alone; also the normalised note and whether an idiom matched."""
    if not isinstance(text, str) or not text.strip():
        return Risk("none"), "", False
    rules = shipped_rules()
    words = " " + normalise(text) + " "
    softened = [(m.span(), level) for p, level in rules.softeners for m in p.pattern.finditer(words)
                ] if rules.any_softener is None or rules.any_softener.search(words) else []
    found: dict[str, Level] = {}

    def note(phrase: str, level: Level) -> None:
        found[phrase] = max(level, found.get(phrase, "none"), key=LEVELS.index)

    listed = rules.any_phrase is None or rules.any_phrase.search(words) is not None
    for levels, phrases in (("urgent", rules.urgent), ("check", rules.check)) if listed else ():
        for phrase in phrases:
            if levels == "check" and lang in rules.languages and phrase.language not in (lang, "en"):
                continue
            for m in phrase.pattern.finditer(words):
                level: Level = "urgent" if levels == "urgent" else "check"
                for (a, b), soft in softened:  # an idiom that holds the phrase's end
                    if a < m.end() <= b:
                        level = min(level, soft, key=LEVELS.index)
                if level == "urgent" and _negated(words, m.start()):
                    level = "check"
                if level != "none":
                    note(m.group().strip(), level)
    extra = _extra(tuple(extra_phrases))
    if extra is not None:
        for source in (unicodedata.normalize("NFKC", text), words):
            for m in extra.finditer(_APOSTROPHES.sub("'", source)):
                note(" ".join(m.group().casefold().split()), "urgent")
    if not found:
        return Risk("none"), words, bool(softened)
    level = max(found.values(), key=LEVELS.index)
    top = [p for p, lv in found.items() if lv == level]
    return (
        Risk(level, tuple(p for p in top if not any(p != q and p in q for q in top))),
        words,
        bool(softened),
    )
