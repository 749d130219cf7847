"""How well copro recognises risk in notes: the labelled set in tests/answers/risk_cases.yaml
read by ``bot.answers.risk.assess``, beside the old list of exact risk words.

    .venv/bin/python bench/risk.py
    .venv/bin/python bench/risk.py --misses     # also list every note read wrongly

Per language: urgent recall (urgent notes read as urgent), risk recall (urgent or hedged
notes read as at least check), and false alarms (ordinary and idiom notes read as more
than nothing). "before" is ``risk_pattern(RISK_WORDS)``, where any match is urgent.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.answers.risk import assess
from bot.core.config import RISK_WORDS
from bot.engine.templates import risk_pattern

CASES = Path(__file__).resolve().parent.parent / "tests" / "answers" / "risk_cases.yaml"
RANK = {"none": 0, "check": 1, "urgent": 2}

Reader = Callable[[str, str], str]


def load() -> list[tuple[str, str, str, str]]:
    groups: list[dict[str, Any]] = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    return [(t, g["lang"], g["level"], g["kind"]) for g in groups for t in g["texts"]]


def old_reader() -> Reader:
    pattern = risk_pattern(RISK_WORDS)
    return lambda text, lang: "urgent" if pattern and pattern.search(text) else "none"


def new_reader(text: str, lang: str) -> str:
    return assess(text, lang).level


def share(hits: int, total: int) -> str:
    return f"{hits / total:6.1%} ({hits}/{total})" if total else "     -"


def report(name: str, read: Reader, cases: list[tuple[str, str, str, str]], misses: bool) -> None:
    print(f"\n{name}")
    heads = (
        ("urgent recall", 20),
        ("risk recall", 20),
        ("false alarms, ordinary", 26),
        ("false alarms, idiom", 23),
    )
    print(" " * 6 + "".join(f"{head:>{width}}" for head, width in heads))
    for lang in ("en", "cy", "all"):
        rows = [c for c in cases if lang in ("all", c[1])]
        got = [(c, read(c[0], c[1])) for c in rows]
        urgent = [g for c, g in got if c[2] == "urgent"]
        risky = [g for c, g in got if c[2] != "none"]
        ordinary = [g for c, g in got if c[3] == "ordinary"]
        idiom = [g for c, g in got if c[3] == "idiom"]
        print(
            f"{lang:6}{share(urgent.count('urgent'), len(urgent)):>20}"
            f"{share(sum(g != 'none' for g in risky), len(risky)):>20}"
            f"{share(sum(g != 'none' for g in ordinary), len(ordinary)):>26}"
            f"{share(sum(g != 'none' for g in idiom), len(idiom)):>23}"
        )
        if misses and lang == "all":
            for (text, lg, level, _), g in got:
                if g != level:
                    print(f"    {lg} expected {level:6} read {g:6} {text}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list every note read wrongly")
    args = parser.parse_args()
    cases = load()
    print(
        f"{len(cases)} labelled notes: "
        + ", ".join(f"{k} {sum(c[3] == k for c in cases)}" for k in ("risk", "hedged", "idiom", "ordinary"))
    )
    report("before: risk_pattern(RISK_WORDS), any match urgent", old_reader(), cases, args.misses)
    report("now: bot.answers.risk.assess", new_reader, cases, args.misses)
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for text, lang, _, _ in cases:
            assess(text, lang)
    per_note = (time.perf_counter() - start) / (rounds * len(cases))
    print(f"\nassess: {per_note * 1e6:.0f} µs a note")


if __name__ == "__main__":
    main()
