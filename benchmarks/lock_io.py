#!/usr/bin/env python3
"""Lock file I/O and identity planning for a big deck (issue 5, for issue 6's warm rebuild).

Builds a synthetic lock of N cards (default 50,000, questions shaped like
``shared/bench/synth_notes.py``'s), then prints the median of several runs for:
dumping the lock text, writing it (atomic, unchanged and changed), reading and
validating it, and planning a warm rebuild: one answer edited, 100 questions
reworded at once, or 2,500 (the rewording matcher's index). A script that
prints numbers, never a test.

    python benchmarks/lock_io.py
    python benchmarks/lock_io.py --cards 5000 --reps 7
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cards import Card, normalise_question  # noqa: E402
from exporter.lock import Lock, dump_lock, read_lock, write_lock  # noqa: E402
from exporter.regen import plan  # noqa: E402

DECK = 1_700_000_000_001
NOW = 1_800_000_000


def synthetic_cards(n: int) -> list[Card]:
    cards = []
    for i in range(n):
        question = f"Question {i}: what is the derivative of \\(f_{{{i}}}(x) = x^{{{i % 7 + 2}}}\\) and why?"
        answer = f"<p>Answer {i}. " + "gradient loss weight bias layer epoch " * 7 + "</p>"
        cards.append(
            Card(
                question=question,
                answer=answer,
                key=normalise_question(question),
                tags=(f"Deck::Chapter_{i // 100:03d}",),
                chapter=(f"Chapter {i // 100:03d}",),
                source=f"notes/file{i // 1000:02d}.md",
                line=1 + 12 * (i % 1000),
            )
        )
    return cards


def run_plan(cards: list[Card], previous: Lock | None, now: int) -> Lock:
    return plan(
        cards,
        ["Deck"] * len(cards),
        deck_id=DECK,
        root_deck="Deck",
        previous=previous,
        now=now,
        fingerprint="fp",
    ).lock


def median_seconds(action: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    cards = synthetic_cards(args.cards)
    lock = run_plan(cards, None, NOW)
    edited = [*cards]
    edited[args.cards // 2] = replace(edited[args.cards // 2], answer="<p>edited</p>")

    def reword(count: int) -> list[Card]:
        step = max(1, args.cards // count)
        return [
            replace(c, key=c.key.replace("and why?", "and why exactly?")) if i % step == 0 else c
            for i, c in enumerate(cards)
        ]

    reworded, mass_reworded = reword(100), reword(2500)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deck.lock.json"
        write_lock(path, lock)
        size = path.stat().st_size
        changed = run_plan(edited, lock, NOW + 1)
        rows = [
            ("dump_lock (text only)", median_seconds(lambda: dump_lock(lock), args.reps)),
            (
                "write_lock, unchanged (compare only)",
                median_seconds(lambda: write_lock(path, lock), args.reps),
            ),
            (
                "write_lock, one card changed",
                median_seconds(lambda: (write_lock(path, changed), write_lock(path, lock)), args.reps) / 2,
            ),
            (
                "read_lock (parse + validate)",
                median_seconds(lambda: read_lock(path, shown="lock"), args.reps),
            ),
            ("plan, first build (no lock)", median_seconds(lambda: run_plan(cards, None, NOW), args.reps)),
            ("plan, one answer edited", median_seconds(lambda: run_plan(edited, lock, NOW + 1), args.reps)),
            (
                "plan, 100 questions reworded",
                median_seconds(lambda: run_plan(reworded, lock, NOW + 1), args.reps),
            ),
            (
                "plan, 2,500 questions reworded",
                median_seconds(lambda: run_plan(mass_reworded, lock, NOW + 1), args.reps),
            ),
        ]
    print(f"{args.cards} cards, lock file {size / 1e6:.1f} MB ({size / args.cards:.0f} bytes per card)")
    print(f"median of {args.reps} runs, Python {sys.version.split()[0]}")
    for name, seconds in rows:
        print(f"  {name:<40} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
