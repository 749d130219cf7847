"""``copro flows check``: every problem in flow files, with file, step and field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.engine.definition import (
    END,
    KEYPAD,
    RESERVED_STEP_IDS,
    Flow,
    SpecError,
    StartAction,
    Step,
    Text,
    migrate,
)
from bot.engine.templates import TemplateProblem, Templates
from bot.flowfiles import sms
from bot.flowfiles.problems import Problem, Severity
from bot.flowfiles.reading import read_yaml
from bot.flowfiles.rendering import check_fixed_texts, rendered
from bot.flowfiles.samples import Sample, scopes

__all__ = ["Problem", "Severity", "check_fixed_texts", "check_paths", "check_sources", "sms_lengths"]


def check_sources(
    sources: Iterable[tuple[str, str]], known_flows: Iterable[str] = ()
) -> list[Problem]:
    """Check (file name, source text) pairs together: ids must be unique across them."""
    problems: list[Problem] = []
    flows: list[tuple[str, Flow]] = []
    for name, source in sources:
        flow, found = _parse(name, source)
        problems.extend(found)
        if flow is not None:
            flows.append((name, flow))
    seen: dict[str, str] = {}
    for name, flow in flows:
        if flow.flow in seen:
            problems.append(
                Problem(name, f"flow id {flow.flow!r} is also used by {seen[flow.flow]}", None, "flow")
            )
        seen.setdefault(flow.flow, name)
    ids = set(seen) | set(known_flows)
    templates = Templates()
    for name, flow in flows:
        problems.extend(_semantics(name, flow, ids, templates))
    return problems


def check_paths(paths: Iterable[Path], known_flows: Iterable[str] = ()) -> list[Problem]:
    sources: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            sources.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), f"cannot read the file: {exc}"))
    return problems + check_sources(sources, known_flows)


def sms_lengths(sources: Iterable[tuple[str, str]], fixed: bool = True) -> list[sms.Length]:
    """How every message of these (file name, source) pairs, and the fixed texts, go as
    SMS: see ``bot.flowfiles.sms``. Files that do not parse are left out."""
    lengths: list[sms.Length] = []
    for name, source in sources:
        flow, _ = _parse(name, source)
        if flow is not None:
            lengths += sms.flow_lengths(name, flow)
    return lengths + (list(sms.fixed_lengths()) if fixed else [])


def _parse(name: str, source: str) -> tuple[Flow | None, list[Problem]]:
    try:
        data = read_yaml(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, f"not valid YAML{line}: {problem}")]
    except ValueError as exc:
        return None, [Problem(name, str(exc))]
    try:
        return Flow.model_validate(migrate(data)), []
    except SpecError as exc:
        return None, [Problem(name, str(exc), None, "spec")]
    except ValidationError as exc:
        return None, [_from_pydantic(name, data, error) for error in exc.errors()]


def _from_pydantic(name: str, data: dict[str, Any], error: Any) -> Problem:
    loc = list(error["loc"])
    step = None
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        raw = data.get("steps")
        item = raw[loc[1]] if isinstance(raw, list) and loc[1] < len(raw) else None
        step = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{loc[1] + 1}"
        loc = loc[2:]
    parts = [str(part) for i, part in enumerate(loc) if i == 0 or part != loc[i - 1]]
    field = ".".join(parts) or None  # (a tagged union repeats its tag: do.0.notify.notify)
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        message = "is required"
    elif error["type"] == "extra_forbidden":
        message = "is not a known field (check the spelling)"
    return Problem(name, message, step, field)


def _semantics(name: str, flow: Flow, flow_ids: set[str], templates: Templates) -> Iterator[Problem]:
    ids = [s.id for s in flow.steps]
    for step_id in sorted({i for i in ids if ids.count(i) > 1}):
        yield Problem(name, "two steps have this id", step_id, "id")
    for step_id in sorted(RESERVED_STEP_IDS & set(ids)):
        yield Problem(name, f"{step_id!r} is reserved for the end of the flow: give the step "
                      "another id", step_id, "id")
    known = set(ids)
    samples = list(scopes(flow, templates))
    for step in flow.steps:
        for target, field in _targets(step):
            if target != END and target not in known:
                yield Problem(name, f"goes to unknown step {target!r}", step.id, field)
        for action in step.do:
            if isinstance(action, StartAction) and action.start not in flow_ids:
                yield Problem(name, f"starts unknown flow {action.start!r}", step.id, "do.start")
        yield from _step_texts(name, flow, step, templates, samples)
        yield from _by_phone(name, flow, step)
    for text_field, text in (("title", flow.title),):
        yield from _text(name, flow, None, text_field, text, templates)
    yield from _sms_lengths(name, flow, templates)
    yield from _reachability(name, flow)


def _by_phone(name: str, flow: Flow, step: Step) -> Iterator[Problem]:
    """A question in a flow taken by phone call that a keypad cannot answer must say what the
    call does instead: ``voice: skip`` (which needs ``expect.skip``) or ``voice: record``."""
    if step.ask is None:
        return
    kind = step.answer.type
    if step.voice is None:
        if flow.voice and kind not in KEYPAD:
            yield Problem(name, f"a keypad cannot answer a {kind} question, and this flow is "
                          "taken by phone call (voice: true): add voice: skip or voice: record",
                          step.id, "voice")
    elif step.voice == "skip" and not step.answer.skip:
        yield Problem(name, "voice: skip needs expect.skip: true, or the call cannot move on",
                      step.id, "voice")
    elif step.voice == "record" and kind not in ("text", "media"):
        yield Problem(name, f"voice: record belongs to a text or media question, not {kind}",
                      step.id, "voice")


def _targets(step: Step) -> Iterator[tuple[str, str]]:
    if isinstance(step.next, str):
        yield step.next, "next"
    elif step.next:
        for i, branch in enumerate(step.next):
            yield branch.goto, f"next.{i}.goto"


def _step_texts(
    name: str, flow: Flow, step: Step, templates: Templates, samples: list[Sample]
) -> Iterator[Problem]:
    texts: list[tuple[str, Text | None]] = [
        ("say", step.say),
        ("ask", step.ask),
        ("retry", step.retry),
        ("no_answer", step.no_answer),
        ("timeout.nudge", step.timeout.nudge if step.timeout else None),
    ]
    messages = [(field, text) for field, text in texts if text is not None]  # what is sent
    texts += [(f"expect.options.{i}.label", o.label) for i, o in enumerate(step.answer.options)]
    expressions: list[tuple[str, str]] = []
    for i, branch in enumerate(step.next if isinstance(step.next, list) else []):
        if branch.when is not None:
            expressions.append((f"next.{i}.if", branch.when))
    for i, action in enumerate(step.do):
        for part, template in action.templates():
            if action.for_staff and part == "text" and isinstance(template, str):
                # Staff read English, so one string is enough.
                yield from _template(name, step.id, f"do.{i}.{part}", template, templates)
            else:
                texts.append((f"do.{i}.{part}", template))
            messages.append((f"do.{i}.{part}", template))
        expressions += [(f"do.{i}.{part}", source) for part, source in action.expressions()]
    for field, text in texts:
        if text is not None:
            yield from _text(name, flow, step.id, field, text, templates)
    yield from _promises(name, flow, step)
    for field, expression in expressions:
        try:
            templates.check_expression(expression)
        except TemplateProblem as exc:
            yield Problem(name, f"bad expression {expression!r}: {exc}", step.id, field)
    yield from rendered(name, step.id, messages, expressions, templates, samples)


def _text(
    name: str, flow: Flow, step: str | None, field: str, text: Text, templates: Templates
) -> Iterator[Problem]:
    if isinstance(text, str):
        if len(flow.languages) > 1:
            yield Problem(
                name, f"missing translation: give a text for each of {', '.join(flow.languages)}",
                step, field,
            )
        variants = {"": text}
    else:
        missing = [lang for lang in flow.languages if not text.get(lang)]
        if missing:
            yield Problem(name, f"missing translation for {', '.join(missing)}", step, field)
        for lang in text:
            if lang not in flow.languages:
                yield Problem(
                    name, f"language {lang!r} is not in the flow's languages", step, field, "warning"
                )
        variants = {f".{lang}": source for lang, source in text.items()}
    for suffix, source in variants.items():
        yield from _template(name, step, field + suffix, source, templates)


def _sms_lengths(name: str, flow: Flow, templates: Templates) -> Iterator[Problem]:
    """Warn when a message needs more than two SMS (basic phones show a long text badly);
    once a message and language, with the first set of values that makes it too long."""
    seen: set[tuple[str | None, str, str]] = set()
    for x in sms.too_long(sms.flow_lengths(name, flow, templates)):
        if (x.step, x.field, x.lang) not in seen:
            seen.add((x.step, x.field, x.lang))
            yield Problem(name, sms.warning_text(x), x.step, x.field, "warning")


PROMISES = re.compile(
    r"asked (?:someone|a |the )|contact you|get in touch|let .{0,40}\bknow|gofyn i|cysylltu",
    re.IGNORECASE)


def _promises(name: str, flow: Flow, step: Step) -> Iterator[Problem]:
    """In a flow that notifies, no ``say`` can know whether anyone was told (a notice may
    reach no one, and the step that says it may not be the one that notified): only a
    notify's ``told``, sent when it reached someone, may promise contact."""
    notifies = any(action.type == "notify" for s in flow.steps for action in s.do)
    if step.say is None or not notifies:
        return
    for lang, words in ([("", step.say)] if isinstance(step.say, str) else step.say.items()):
        if PROMISES.search(words):
            yield Problem(
                name, f"the {lang or 'say'} text promises contact, but no one may have been "
                "told: put that in the notify's told (and the honest words in untold)",
                step.id, "say", "warning",
            )


def _template(
    name: str, step: str | None, field: str, source: str, templates: Templates
) -> Iterator[Problem]:
    try:
        templates.check_template(source)
    except TemplateProblem as exc:
        yield Problem(name, str(exc), step, field)


def _reachability(name: str, flow: Flow) -> Iterator[Problem]:
    # ``end`` is where a flow stops, even when a step has that (reserved) id.
    edges = {step.id: set(_successors(flow, step)) - {END} for step in flow.steps}
    seen: set[str] = set()
    todo = [flow.steps[0].id]
    while todo:
        current = todo.pop()
        if current in seen or current not in edges:
            continue
        seen.add(current)
        todo.extend(edges[current])
    for step in flow.steps:
        if step.id not in seen:
            yield Problem(name, "no step leads here (unreachable)", step.id)
    # A loop made only of steps that never ask would run for ever.
    silent = {s.id for s in flow.steps if s.ask is None}
    for start in sorted(silent & seen):
        if _loops_back(start, edges, silent):
            yield Problem(name, "goes round in a loop without asking anything", start, "next")
            break


def _successors(flow: Flow, step: Step) -> Iterator[str]:
    if any(action.ends_flow for action in step.do):
        return
    falls_through = True
    if isinstance(step.next, str):
        falls_through = False
        yield step.next
    elif step.next:
        for branch in step.next:
            yield branch.goto
            if branch.when is None:
                falls_through = False
                break
    if falls_through:
        yield flow.after(step.id)


def _loops_back(start: str, edges: dict[str, set[str]], silent: set[str]) -> bool:
    todo = [t for t in edges[start] if t in silent]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current == start:
            return True
        if current in seen:
            continue
        seen.add(current)
        todo.extend(t for t in edges.get(current, ()) if t in silent)
    return False
