"""How well copro recognises risk in notes: the labelled set in tests/answers/risk_cases.yaml
read by ``bot.answers.risk.assess``, beside the old list of exact risk words.

    .venv/bin/python bench/risk.py
    .venv/bin/python bench/risk.py --misses     # also list every note read wrongly
    .venv/bin/python bench/risk.py --train      # relearn bot/answers/risk/weights.yaml

Per language: urgent recall (urgent notes read as urgent), risk recall (urgent or hedged
notes read as at least check), and false alarms (ordinary and idiom notes read as more
than nothing). "before" is the list of words copro matched before
(tests/answers/risk_words_before.yaml), where any match is urgent.
Then the second opinion (the learnt word weights) alone, cross-validated: trained on
four fifths of the notes, measured on the rest. Last, the same figures on the held-out
notes of bench/risk_heldout.yaml, which no phrase or weight was learnt from.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.answers.risk import WEIGHTS, assess, leaning, learn, normalise, read_phrases

CASES = Path(__file__).resolve().parent.parent / "tests" / "answers" / "risk_cases.yaml"
BEFORE = CASES.with_name("risk_words_before.yaml")
HELD_OUT = Path(__file__).resolve().parent / "risk_heldout.yaml"
THRESHOLD = 4.0  # log odds above which the words alone make a check
FOLDS = 5

Reader = Callable[[str, str], str]


def load(path: Path = CASES) -> list[tuple[str, str, str, str]]:
    groups: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(t, g["lang"], g["level"], g["kind"]) for g in groups for t in g["texts"]]


def old_reader() -> Reader:
    """How copro read notes before: any of a list of words, matched whole, was urgent."""
    words: list[str] = yaml.safe_load(BEFORE.read_text(encoding="utf-8"))
    body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
    return lambda text, lang: "urgent" if pattern.search(text) else "none"


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


def train(cases: list[tuple[str, str, str, str]]) -> None:
    prior, weights = learn((text, level != "none") for text, _, level, _ in cases)
    header = (
        "# Word and word-pair weights for bot.answers.risk's second opinion, learnt from\n"
        "# tests/answers/risk_cases.yaml by `.venv/bin/python bench/risk.py --train`.\n"
        "# Do not edit: add notes to the labelled set and train again.\n"
    )
    body = yaml.safe_dump(
        {"threshold": THRESHOLD, "prior": prior, "weights": weights},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    WEIGHTS.write_text(header + body, encoding="utf-8")
    print(f"wrote {len(weights)} weights to {WEIGHTS}")


def cross_validate(cases: list[tuple[str, str, str, str]]) -> None:
    risky = calm = caught = raised = raised_alone = 0
    for fold in range(FOLDS):
        test = cases[fold::FOLDS]
        prior, weights = learn(
            (t, lv != "none") for i, (t, _, lv, _) in enumerate(cases) if i % FOLDS != fold
        )
        for text, lang, level, _ in test:
            leans = leaning(normalise(text), prior, weights) > THRESHOLD
            if level == "none":
                calm += 1
                raised += leans
                risk, _, idiom = read_phrases(text, lang)
                raised_alone += leans and risk.level == "none" and not idiom
            else:
                risky += 1
                caught += leans
    print(f"\nsecond opinion alone, {FOLDS}-fold cross-validated (log odds over {THRESHOLD}):")
    print(f"  risk notes it flags          {share(caught, risky)}")
    print(f"  calm notes it flags          {share(raised, calm)}")
    print(f"  ... that no phrase or idiom already explains (new false alarms) {share(raised_alone, calm)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", action="store_true", help="list every note read wrongly")
    parser.add_argument(
        "--train", action="store_true", help=f"relearn {WEIGHTS.name} from the labelled notes"
    )
    args = parser.parse_args()
    cases = load()
    if args.train:
        train(cases)
        return
    print(
        f"{len(cases)} labelled notes: "
        + ", ".join(f"{k} {sum(c[3] == k for c in cases)}" for k in ("risk", "hedged", "idiom", "ordinary"))
    )
    report("before: the words listed before, any match urgent", old_reader(), cases, args.misses)
    report("now: bot.answers.risk.assess", new_reader, cases, args.misses)
    cross_validate(cases)
    held_out = load(HELD_OUT)
    report(f"held out: {len(held_out)} notes in {HELD_OUT.name}, not trained on",
           new_reader, held_out, args.misses)
    start = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        for text, lang, _, _ in cases:
            assess(text, lang)
    per_note = (time.perf_counter() - start) / (rounds * len(cases))
    print(f"\nassess: {per_note * 1e6:.0f} µs a note")


if __name__ == "__main__":
    main()
