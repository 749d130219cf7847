"""How each message goes as SMS: characters, encoding and parts, in every language.

Every message of a flow and every fixed text of ``bot.language.texts`` is rendered twice:
with everyday values (a short name, a short group name) and with long ones and an
accented name ("Angharad Siân …"), because one "â" or "ŵ" anywhere in a text sends the
whole of it as UCS-2, 70 characters a part instead of 160. ``copro flows check --sms``
prints the table; ``copro flows check`` warns about any message above two parts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from bot.engine.definition import LANGUAGES, Flow, Step, Text, text_for
from bot.engine.templates import TemplateProblem, Templates
from bot.flowfiles.samples import COORDINATOR, EXTRA, FIXED_SCOPE, GROUP, LONG_NAME, PARTICIPANT, scopes
from bot.language import gsm
from bot.language import texts as fixed_texts
from bot.language.render import numbered

MAX_PARTS = 2  # more than this reads badly on a basic phone, and costs more
# A text with the crisis numbers may be longer: they are never cut.
CRISIS_NUMBER = "116 123"
# Fixed texts that may be longer, and why: nothing in them can be cut.
LONG_ALLOWED = {
    "CLAIM_REJECTED": "it carries the coordinator's reason in full",
    "MEETING_REMINDER": "it carries the meeting's what, when and where",
    "POLL_RESULTS": "it carries every answer's count",
}
# Notices to staff carry a person's own words, and staff mostly read them on Telegram.
STAFF_TEXTS = ("ALERT", "NOTICE_", "CLAIM_FOR_", "CLAIM_ASK_", "CLAIM_DECIDED", "MEETING_SUMMARY",
               "DESK_", "MESSAGE_RISK_", "ROBOT_", "PRIVATE_ONLY")
EVERYDAY = "everyday values"
ACCENT = "a name with an accent"
LONG = "long values"
# The long samples' values, and what they become in the other two sets.
MEETING = EXTRA["meeting"]
_EVERYDAY = {GROUP: "Riverside Voices", COORDINATOR: "Jo on 07700 900123",
             MEETING["title"]: "Planning meeting", MEETING["where"]: "the library",
             MEETING["online_link"]: "https://meet.example.org/plan"}
_SWAPS = {EVERYDAY: {LONG_NAME: "Sam Jones", **_EVERYDAY}, ACCENT: {LONG_NAME: "Siân", **_EVERYDAY}}


@dataclass(frozen=True)
class Length:
    """One message in one language, rendered with one set of values."""

    file: str
    step: str | None
    field: str
    lang: str
    values: str  # EVERYDAY, ACCENT or LONG
    chars: int
    encoding: str  # "GSM-7" or "UCS-2"
    parts: int
    not_gsm: str  # the characters that make it UCS-2, each once
    crisis: bool = False  # it gives the crisis numbers

    @property
    def where(self) -> str:
        return f"step {self.step!r}: {self.field}" if self.step else self.field


def measure(file: str, step: str | None, field: str, lang: str, values: str, body: str) -> Length:
    sms = gsm.plain(body)
    odd = "".join(dict.fromkeys(ch for ch in sms if not gsm.is_gsm(ch)))
    return Length(file, step, field, lang, values, len(sms), gsm.encoding(sms),
                  gsm.segments(sms), odd, CRISIS_NUMBER in sms)


def _swap(value: Any, swaps: Mapping[str, str]) -> Any:
    """``value`` (a scope) with each long sample value replaced, wherever it appears."""
    if isinstance(value, str):
        for old, new in swaps.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, Mapping):
        return {key: _swap(item, swaps) for key, item in value.items()}
    if isinstance(value, list):
        return [_swap(item, swaps) for item in value]
    return value


def _value_sets(long_scope: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return [(EVERYDAY, _swap(long_scope, _SWAPS[EVERYDAY])),
            (ACCENT, _swap(long_scope, _SWAPS[ACCENT])), (LONG, long_scope)]


def _messages(step: Step) -> Iterator[tuple[str, Text]]:
    """What a participant is sent at ``step`` (not the notices to staff)."""
    for field in ("say", "ask", "retry", "no_answer"):
        text = getattr(step, field)
        if text is not None:
            yield field, text
    if step.timeout and step.timeout.nudge is not None:
        yield "timeout.nudge", step.timeout.nudge
    for i, action in enumerate(step.do):
        for part, template in action.templates():
            if not (action.for_staff and part == "text"):  # a notify's told and untold are
                yield f"do.{i}.{part}", template        # the participant's


def flow_lengths(file: str, flow: Flow, templates: Templates | None = None) -> Iterator[Length]:
    """Each message of ``flow`` in each of its languages, with everyday and long values.
    A template that fails to render is left out (the checker reports it as an error)."""
    templates = templates or Templates()
    given = {label.split(",")[0]: scope for label, scope in scopes(flow, templates)
             if label.endswith("every answer given")}
    for step in flow.steps:
        for field, text in _messages(step):
            for lang in flow.languages:
                long_scope = given[lang]
                for values, scope in _value_sets(long_scope):
                    try:
                        body = templates.text(text_for(text, lang), scope)
                    except TemplateProblem:
                        continue
                    if field in ("ask", "retry", "timeout.nudge") and step.answer.options:
                        body = numbered(body, [text_for(o.label, lang) for o in step.answer.options])
                    yield measure(file, step.id, field, lang, values, body)


def fixed_lengths(module: ModuleType = fixed_texts, file: str = "bot/language/texts.py",
                  templates: Templates | None = None) -> Iterator[Length]:
    """Each fixed text (the host's and the features' own messages), likewise."""
    templates = templates or Templates()
    for key, value in vars(module).items():
        if not (key.isupper() and isinstance(value, dict) and set(value) <= set(LANGUAGES)):
            continue
        for lang, source in value.items():
            if not isinstance(source, str):
                continue
            long_scope = {**FIXED_SCOPE, "participant": {**PARTICIPANT, "language": lang},
                          "lang": lang}
            for values, scope in _value_sets(long_scope):
                try:
                    body = templates.text(source, scope)
                except TemplateProblem:
                    continue
                yield measure(file, None, key, lang, values, body)


def too_long(lengths: Iterator[Length] | list[Length]) -> Iterator[Length]:
    """The messages to warn about: above two parts with everyday values and a name with an
    accent (what most people get). Texts with the crisis numbers, fixed texts that must
    be long, and notices to staff are left aside."""
    for x in lengths:
        if x.values == LONG or x.parts <= MAX_PARTS or x.crisis:
            continue
        if x.step is None and (x.field in LONG_ALLOWED or x.field.startswith(STAFF_TEXTS)):
            continue
        yield x


def warning_text(x: Length) -> str:
    why = f" (UCS-2 because of {x.not_gsm})" if x.not_gsm else ""
    return (f"the {x.lang} text is {x.chars} characters with {x.values}, {x.parts} SMS in "
            f"{x.encoding}{why}: keep it to {MAX_PARTS} for basic phones")


def table(lengths: list[Length]) -> list[str]:
    """The report ``copro flows check --sms`` prints: a line a message and language with
    its parts under each set of values, then a summary a language and set."""
    lines: list[str] = []
    rows: dict[tuple[str, str | None, str, str], dict[str, Length]] = {}
    for length in lengths:
        rows.setdefault((length.file, length.step, length.field, length.lang), {})[length.values] = length
    for (file, _, _, lang), sets in rows.items():
        cells = []
        for values in (EVERYDAY, ACCENT, LONG):
            if values in sets:
                x = sets[values]
                cells.append(f"{values} {x.chars} chars, {x.parts} part(s) {x.encoding}")
        worst = max(sets.values(), key=lambda x: x.parts)
        why = f" (UCS-2 because of {worst.not_gsm})" if worst.not_gsm else ""
        flag = f"  ** more than {MAX_PARTS} parts" if worst.parts > MAX_PARTS else ""
        lines.append(f"{file}: {worst.where} [{lang}]: {'; '.join(cells)}{why}{flag}")
    for lang in LANGUAGES:
        for values in (EVERYDAY, ACCENT, LONG):
            mine = [x for x in lengths if x.lang == lang and x.values == values]
            if mine:
                ucs2 = sum(x.encoding == "UCS-2" for x in mine)
                lines.append(
                    f"{lang}, {values}: {len(mine)} messages, {sum(x.parts for x in mine)} "
                    f"parts, {ucs2} in UCS-2 ({round(100 * ucs2 / len(mine))}%), "
                    f"{sum(x.parts > MAX_PARTS for x in mine)} above {MAX_PARTS} parts")
    return lines
