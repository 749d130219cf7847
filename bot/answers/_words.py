"""Word tables for ``bot.answers``, in English and Welsh.

Every key is in the folded form that ``bot.answers`` compares against: casefolded,
accents and apostrophes removed, words joined by one space ("haven't" -> "havent",
"nac oes", "n a" for "n/a").
"""

from __future__ import annotations

# --- skip -------------------------------------------------------------------

SKIP = frozenset(
    {
        # English
        "skip", "skip it", "skip this", "skip this one", "skip that", "skip question",
        "pass", "pass on this", "next", "next question", "next one",
        "no comment", "no comments", "nothing", "nothing to say", "nothing to add",
        "none", "n a", "not applicable", "no thanks", "no thank you",
        "rather not say", "id rather not say", "prefer not to say", "id prefer not to say",
        "⏭",
        # Welsh
        "dim", "dim byd", "dim sylw", "dim diolch", "neidio", "sgipio", "sgip", "pasio",
        "nesaf", "nesa", "hepgor", "gwell gen i beidio", "well gen i beidio",
    }
)  # fmt: skip
# Said before or after an answer: "skip please", "2 thanks".
POLITE = ("please", "plis", "pls", "plz", "thanks", "thank you", "ta", "cheers", "diolch")
DASHES = frozenset("-‐‑‒–—―_")

# --- yes / no ---------------------------------------------------------------

_NAC = ("oes", "ydw", "ydy", "ydi", "ydyn", "ydych", "ydan", "ydyw")

YES = frozenset(
    {
        "yes", "y", "yeah", "yea", "yeh", "yah", "ya", "ye", "yh", "yep", "yup", "yas",
        "ok", "okay", "okey", "oki", "okie", "k", "kk", "sure", "certainly", "definitely",
        "absolutely", "of course", "aye", "indeed", "correct", "alright", "all right",
        "yes please", "think so", "i think so",
        "👍", "✅", "✔", "✓", "☑", "👌",
        # Welsh
        "ie", "ia", "do", "oes", "ydw", "ydy", "ydi", "ydyn", "ydych", "ydan", "yndw", "yndi",
        "iawn", "wrth gwrs", "siwr",
    }
)  # fmt: skip
NO = frozenset(
    {
        "no", "n", "nope", "nah", "nay", "not really", "not at all", "no thanks",
        "no thank you", "no way", "of course not", "certainly not", "definitely not",
        "absolutely not", "dont think so", "i dont think so", "i think not",
        "👎", "❌", "❎", "✖", "✗", "✘", "🚫",
        # Welsh
        "na", "naddo", "nage", "nac", "nag", "dim", "ddim", "dim diolch",
        *(f"{neg} {word}" for neg in ("nac", "nag") for word in _NAC),
    }
)  # fmt: skip
# Lead with no/yes words but are not an answer ("no idea"); ignored after an answer.
NEUTRAL = frozenset(
    {
        "no idea", "no clue", "no problem", "no problems", "no probs", "no worries",
        "no bother", "not sure", "dim syniad", "dim problem", "dim ots",
    }
)  # fmt: skip
FILLERS = frozenset({"oh", "ah", "um", "erm", "er", "uh", "hm", "well", "so", "wel", "ym"})
CONNECTORS = frozenset({"and", "or", "but", "then", "a", "ac", "neu", "ond"})

# --- numbers ----------------------------------------------------------------

_UNITS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)  # fmt: skip
UNITS = {word: n for n, word in enumerate(_UNITS)} | {"nil": 0, "nought": 0, "naught": 0}
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
TENS = {word: 10 * n for n, word in enumerate(_TENS, 2)} | {"fourty": 40}
# Welsh 0-10, with the soft and aspirate mutations that follow "o", "a", "am".
WELSH_NUMBERS = {
    "dim": 0, "sero": 0, "un": 1, "dau": 2, "ddau": 2, "dwy": 2, "ddwy": 2,
    "tri": 3, "dri": 3, "thri": 3, "tair": 3, "dair": 3, "thair": 3,
    "pedwar": 4, "bedwar": 4, "pedair": 4, "bedair": 4, "pump": 5, "bump": 5, "pum": 5,
    "bum": 5, "chwech": 6, "chwe": 6, "saith": 7, "wyth": 8, "naw": 9, "deg": 10,
    "ddeg": 10, "deng": 10, "ddeng": 10,
}  # fmt: skip

_ORDINAL_UNITS = (
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
    "seventeenth", "eighteenth", "nineteenth",
)  # fmt: skip
ORDINALS = {word: n for n, word in enumerate(_ORDINAL_UNITS, 1)} | {
    "twentieth": 20,
    "thirtieth": 30,
    **{f"twenty {word}": 20 + n for n, word in enumerate(_ORDINAL_UNITS[:9], 1)},
    "thirty first": 31,
    # Welsh 1-10
    "cyntaf": 1, "gyntaf": 1, "ail": 2, "trydydd": 3, "trydedd": 3, "pedwerydd": 4,
    "pedwaredd": 4, "pumed": 5, "chweched": 6, "seithfed": 7, "wythfed": 8, "nawfed": 9,
    "degfed": 10,
}  # fmt: skip
# "3rd", "1af" (Welsh 1st), "3ydd", "5ed", "7fed", "11eg", "21ain".
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th", "af", "il", "ydd", "ed", "fed", "eg", "ain"})

# --- money ------------------------------------------------------------------

POUNDS = r"(?:pounds?|quid|gbp|punt|bunt|phunt|punnoedd|bunnoedd|phunnoedd)"
PENCE = r"(?:p|pence|pennies|penny|ceiniog|geiniog|cheiniog|ceiniogau)"

# --- dates ------------------------------------------------------------------

_MONTH_NAMES = (
    ("january", "jan", "ionawr", "ion"),
    ("february", "feb", "chwefror", "chwef"),
    ("march", "mar", "mawrth", "fawrth", "maw"),
    ("april", "apr", "ebrill", "ebr"),
    ("may", "mai", "fai"),
    ("june", "jun", "mehefin", "fehefin", "meh"),
    ("july", "jul", "gorffennaf", "orffennaf", "gorff", "gorffenaf"),
    ("august", "aug", "awst"),
    ("september", "sep", "sept", "medi", "fedi"),
    ("october", "oct", "hydref", "hyd"),
    ("november", "nov", "tachwedd", "dachwedd", "tach"),
    ("december", "dec", "rhagfyr", "ragfyr", "rhag"),
)
MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES, 1) for name in names}

_DAY_NAMES = (
    ("monday", "mon", "llun", "lun"),
    ("tuesday", "tue", "tues", "mawrth", "fawrth"),
    ("wednesday", "wed", "weds", "mercher", "fercher"),
    ("thursday", "thu", "thur", "thurs", "iau"),
    ("friday", "fri", "gwener", "wener"),
    ("saturday", "sat", "sadwrn"),
    ("sunday", "sun", "sul"),
)
WEEKDAYS = {name: n for n, names in enumerate(_DAY_NAMES) for name in names}
WELSH_DAY = frozenset({"dydd", "nos"})  # "dydd Llun" (Monday), "nos Fawrth" (Tuesday night)

RELATIVE_DAYS = {
    "today": 0, "this morning": 0, "this afternoon": 0, "this evening": 0, "tonight": 0,
    "yesterday": -1, "last night": -1, "the day before yesterday": -2, "tomorrow": 1,
    "heddiw": 0, "heno": 0, "ddoe": -1, "doe": -1, "neithiwr": -1, "echdoe": -2,
    "yfory": 1, "fory": 1,
}  # fmt: skip

# --- media ------------------------------------------------------------------

# Searched for as whole words in the folded text.
NO_MEDIA = (
    r"(?:no|dim|not got a|havent got a|dont have a) (?:receipts?|tickets?|photos?|pictures?"
    r"|pics?|proof|derbynn?eb|derbynebau|tocyn|llun)",
    r"(?:i |ive )?(?:lost|lose|misplaced|threw away|binned) (?:it|them|the|my|one)",
    r"(?:havent|have not|dont|do not|didnt|did not|never) (?:got|have|get|had|keep|kept)"
    r" (?:it|one|them|any|a)",
    r"not got (?:it|one|them|any)",
    r"(?:cant|cannot|can not) find (?:it|one|them)",
    r"(?:wedi )?(?:colli|golli|collais)",
    r"(?:does|dos) (?:gen i |gyda fi )?(?:ddim|dim)",
)
