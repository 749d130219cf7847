"""Templates and expressions tried once with sample values, as ``copro flows check`` does.

A template that compiles can still fail when it is rendered: an unsafe attribute, a
``range`` too big for the sandbox, a filter given a value it cannot take. At run time
that is a message the participant never gets; here it is an error with file, step and
field. The fixed texts of ``bot.language.texts`` are tried the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from types import ModuleType

from bot.engine.definition import LANGUAGES, Text
from bot.engine.templates import TemplateProblem, Templates
from bot.flowfiles import sms
from bot.flowfiles.problems import Problem
from bot.flowfiles.samples import FIXED_SCOPE, Sample
from bot.language import texts as fixed_texts

# The longest message an SMS provider takes (Twilio: 1600 characters); Telegram takes more.
MAX_MESSAGE = 1600
FIXED_TEXTS_FILE = "bot/language/texts.py"


def rendered(
    name: str, step: str, messages: Iterable[tuple[str, Text]],
    expressions: Iterable[tuple[str, str]], templates: Templates, samples: list[Sample],
) -> Iterator[Problem]:
    """Render each message of a step (every language) and work out each expression with
    ``samples`` (see ``bot.flowfiles.samples.scopes``); one problem per field that fails."""
    for field, text in messages:
        variants = {"": text} if isinstance(text, str) else {f".{lang}": s for lang, s in text.items()}
        for suffix, source in variants.items():
            try:
                templates.check_template(source)
            except TemplateProblem:
                continue  # reported as a template error
            yield from _first_failure(name, step, field + suffix, source, samples, templates)
    given = [(label, scope) for label, scope in samples if label.endswith("every answer given")]
    for field, source in expressions:
        try:
            templates.check_expression(source)
        except TemplateProblem:
            continue  # reported as a bad expression
        for label, scope in given:
            try:
                templates.value(source, scope)
            except TemplateProblem as exc:
                yield Problem(name, f"fails with sample values ({label}): {exc}", step, field)
                break


def _first_failure(
    name: str, step: str | None, field: str, source: str, samples: list[Sample],
    templates: Templates,
) -> Iterator[Problem]:
    for label, scope in samples:
        try:
            body = templates.text(source, scope)
        except TemplateProblem as exc:
            yield Problem(name, f"fails with sample values ({label}): {exc}", step, field)
            return
        if len(body) > MAX_MESSAGE:
            yield Problem(
                name, f"comes out {len(body)} characters with sample values ({label}): "
                f"a message can be at most {MAX_MESSAGE}", step, field,
            )
            return


def check_fixed_texts(module: ModuleType = fixed_texts, file: str = FIXED_TEXTS_FILE) -> list[Problem]:
    """Every text of ``module`` (a map of language to template) compiled and rendered in
    each language with the variables the host and the features give it."""
    templates = Templates()
    problems: list[Problem] = []
    for key, value in vars(module).items():
        if not (key.isupper() and isinstance(value, dict) and set(value) <= set(LANGUAGES)):
            continue
        for lang, source in value.items():
            if not isinstance(source, str):
                continue
            field = f"{key}.{lang}"
            try:
                templates.check_template(source)
            except TemplateProblem as exc:
                problems.append(Problem(file, str(exc), None, field))
                continue
            sample = [(lang, {**FIXED_SCOPE, "participant": {**FIXED_SCOPE["participant"],
                                                             "language": lang}, "lang": lang})]
            problems.extend(_first_failure(file, None, field, source, sample, templates))
    seen: set[tuple[str, str]] = set()
    for x in sms.too_long(sms.fixed_lengths(module, file, templates)):
        if (x.field, x.lang) not in seen:
            seen.add((x.field, x.lang))
            problems.append(Problem(file, sms.warning_text(x), None, f"{x.field}.{x.lang}", "warning"))
    return problems
