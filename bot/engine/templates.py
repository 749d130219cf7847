"""Sandboxed Jinja2 for flow messages (templates) and conditions (expressions).

Templates see ``participant``, ``results``, ``settings``, ``flow`` and ``lang``.
Filters: ``money`` (``£12.50``), ``day`` (``Tuesday 1 December``), ``when``
(``Tuesday 1 December at 2pm``: a datetime or its ISO text), ``number``. ``day`` and
``when`` take the word written before them, for Welsh: ``ar {{ x | when('ar') }}``
gives "ar ddydd Mawrth".
Tests: ``risky`` (``results.note is risky``: urgent risk, such as wanting to die or to
hurt oneself, or a configured risk word) and ``worrying`` (worth a gentle check from
a person at least: a negated or hedged risk, low mood). See ``bot.answers.risk``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, format_decimal
from jinja2 import ChainableUndefined, TemplateError, meta, nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.answers.risk import assess
from bot.language import when

LOCALES = {"en": "en_GB", "cy": "cy_GB"}
# What a template may read of the person it is for: one that reads either is rendered for each.
PERSONAL = frozenset({"participant", "results"})
CHANCE = frozenset({"lipsum"})  # Jinja's own, whose text is never the same twice
RENDERED_KEPT = 4096  # texts remembered by what they were rendered from


def _frozen(value: Any) -> Any:
    """``value`` as something hashable that compares equal only to the same value."""
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, str | int | float | Decimal | date | time | None):
        # By its written form too: 1.0 and 1.00, or one instant in two time zones, are equal
        # but do not read the same.
        return (type(value).__name__, repr(value))
    raise TypeError(f"not kept by value: {type(value).__name__}")


class TemplateProblem(ValueError):
    """A template or expression that cannot be compiled or rendered."""


def _locale(ctx: Context) -> str:
    return LOCALES.get(str(ctx.get("lang") or "en"), "en_GB")


@pass_context
def _money(ctx: Context, value: Any) -> str:
    if value is None or value == "":
        return ""
    return str(format_currency(Decimal(str(value)), "GBP", locale=_locale(ctx)))


@pass_context
def _day(ctx: Context, value: Any, after: str = "") -> str:
    if not isinstance(value, date):
        return "" if value is None else str(value)
    return when.day(value, str(ctx.get("lang") or "en"), after)


@pass_context
def _when(ctx: Context, value: Any, after: str = "") -> str:
    found = when.parse(value)
    if found is None:
        return "" if value is None else str(value)
    reader = (ctx.get("participant") or {}).get("timezone")
    return when.spoken(found, str(ctx.get("lang") or "en"), after, reader=reader or None)


@pass_context
def _number(ctx: Context, value: Any) -> str:
    if value is None or value == "":
        return ""
    return str(format_decimal(Decimal(str(value)), locale=_locale(ctx)))


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, refusing an unsafe attribute outright: by default it reads as an empty
    value, and the message goes out with a hole in it (or not at all)."""

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} "
                            "object is unsafe")


class Templates:
    """Compiles and caches the templates and expressions of flows."""

    def __init__(self, risk_words: Iterable[str] = ()) -> None:
        env = _Sandbox(
            undefined=ChainableUndefined, autoescape=False, keep_trailing_newline=False
        )
        env.filters.update(money=_money, day=_day, when=_when, number=_number)
        extra = tuple(risk_words)
        env.tests["risky"] = lambda value: isinstance(value, str) and assess(value, None, extra).urgent
        env.tests["worrying"] = lambda value: (
            isinstance(value, str) and assess(value, None, extra).level != "none"
        )
        self._env = env
        self.render = lru_cache(maxsize=2048)(self._compile_template)
        self._names = lru_cache(maxsize=2048)(self._read_names)
        self._rendered: dict[tuple[Any, ...], str] = {}
        self._expressions: dict[str, Any] = {}

    def _compile_template(self, source: str) -> Any:
        try:
            return self._env.from_string(source)
        except TemplateError as exc:
            raise TemplateProblem(f"template error: {exc}") from exc

    def check_template(self, source: str) -> None:
        self._compile_template(source)

    def check_expression(self, source: str) -> None:
        self._expression(source)

    def text(self, source: str, scope: Mapping[str, Any]) -> str:
        """Render a message template; raises ``TemplateProblem`` if it cannot.

        A template that reads nothing of the person (their ``participant`` details, their
        ``results``) comes out the same for everyone with the same values of what it does
        read: it is rendered once for those, and remembered (a check-in's first question
        for a hundred thousand people is rendered once a language).
        """
        template = self.render(source)
        key = self._same_for(source, scope)
        if key is not None and key in self._rendered:
            return self._rendered[key]
        try:
            rendered = str(template.render(scope)).strip()
        except Exception as exc:  # the sandbox raises several kinds
            raise TemplateProblem(f"template error: {exc}") from exc
        if key is not None:
            if len(self._rendered) >= RENDERED_KEPT:
                del self._rendered[next(iter(self._rendered))]  # the oldest
            self._rendered[key] = rendered
        return rendered

    def reads_person(self, source: str, *, expression: bool = False) -> bool:
        """Whether ``source`` (a template, or an ``expression``) reads anything of the person
        it is for (their details, their answers), or comes out by chance: if not, it comes
        out the same for everyone who reads the same language in the same time zone."""
        try:
            names = self._names(f"{{{{ ({source}) }}}}" if expression else source)
        except TemplateError:
            return True
        return bool(names & (PERSONAL | CHANCE))

    def _same_for(self, source: str, scope: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """What ``source`` renders from, if that is nothing of the person: the names it
        reads, with their values, and the language and time zone its filters read."""
        names = self._names(source)
        if names & PERSONAL or not names <= scope.keys():
            return None  # read from the person, or by chance
        participant = scope.get("participant")
        zone = participant.get("timezone") if isinstance(participant, Mapping) else None
        try:
            key = (source, scope.get("lang"), zone, *(_frozen(scope[name]) for name in sorted(names)))
            hash(key)
        except TypeError:
            return None  # a value that cannot be compared safely
        return key

    def _read_names(self, source: str) -> frozenset[str]:
        """The names ``source`` reads from its scope, and ``lipsum`` if it calls Jinja's
        random text (which is never the same twice)."""
        tree = self._env.parse(source)
        called = {node.name for node in tree.find_all(nodes.Name)} & CHANCE
        return frozenset(meta.find_undeclared_variables(tree)) | called

    def _expression(self, source: str) -> Any:
        compiled = self._expressions.get(source)
        if compiled is None:
            try:
                compiled = self._env.compile_expression(source, undefined_to_none=True)
            except TemplateError as exc:
                raise TemplateProblem(f"expression error: {exc}") from exc
            self._expressions[source] = compiled
        return compiled

    def value(self, source: str, scope: Mapping[str, Any]) -> Any:
        """Evaluate an expression; raises ``TemplateProblem`` if it cannot."""
        expression = self._expression(source)
        try:
            return expression(**scope)
        except Exception as exc:
            raise TemplateProblem(f"expression error: {exc}") from exc

