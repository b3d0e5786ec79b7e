#!/usr/bin/env python3
"""Where a cold build's CPU time goes, stage by stage, beyond the markdown-it parse (issue 17).

Each repetition is a fresh process (nothing cached, as in a cold build) that
runs one notes file through the same steps as ``notedeck build`` does on one
core, timing each with the process's CPU clock:

imports → markdown-it parse → blocks → the document's conventions → the walk
(questions, answers, rendered HTML) → formula and structure warnings → the
generators (Keras exercises) → sanitising and content hashes → the rest of the
build (plan, lock, package), measured as a whole ``build`` minus the above.

Prints the median of each stage and its share. CPU time, not wall time: a
build spreads the middle stages over every core. A script that prints
numbers, never a test.

    python benchmarks/stages.py                  # the 5k synthetic notes
    python benchmarks/stages.py --notes FILE.md --reps 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_NOTES = (
    Path(os.environ.get("NOTEDECK_BENCH_DIR", Path.home() / ".cache" / "notedeck-bench"))
    / "corpora"
    / "plain5k"
    / "notes.md"
)

STAGES = """
import gc, json, sys, time
gc.disable()
clock = time.process_time
marks = [("start", clock())]
import exporter.build, exporter.cache, exporter.cli, exporter.lock, exporter.package, exporter.regen
import cards.generators.keras
from cards import parse as P
from cards.blocks import split_blocks
marks.append(("imports", clock()))
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
tokens = P.markdown_parser().parse(text)
marks.append(("markdown-it parse", clock()))
blocks = split_blocks(tokens)
marks.append(("blocks", clock()))
walker = P._Walker(tokens, "notes.md", "")
marks.append(("conventions (and blocks again)", clock()))
walker.walk()
marks.append(("walk: cards and their HTML", clock()))
walker.late_warnings()
result = P.ParseResult(tuple(walker.cards), tuple(walker.warnings), walker.code_blocks(text))
marks.append(("formula and structure warnings", clock()))
config = exporter.cli.load_configs([__import__("pathlib").Path(path)])[0]
generated = exporter.build.generate_cards(config, result, "notes.md")
marks.append(("generators (Keras exercises)", clock()))
exporter.cache.finish_cards(config, "notes.md", result)
marks.append(("generators again, sanitising, hashes", clock()))
print(json.dumps([(name, t - marks[i][1]) for i, (name, t) in enumerate(marks[1:])]))
"""


def stages(notes: Path) -> list[tuple[str, float]]:
    run = subprocess.run(
        [sys.executable, "-c", STAGES, str(notes)], cwd=ROOT, capture_output=True, text=True, check=True
    )
    measured: list[tuple[str, float]] = json.loads(run.stdout)
    return measured


def whole_build(notes: Path) -> float:
    """CPU seconds (user + system, this process and its children) of a serial cold build."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "notes.md"
        copy.write_bytes(notes.read_bytes())
        env = {**os.environ, "NOTEDECK_JOBS": "1", "NOTEDECK_CACHE_DIR": str(Path(tmp) / "cache")}
        before = os.times()
        subprocess.run(
            [sys.executable, "-m", "exporter", "build", str(copy), "--out", str(Path(tmp) / "out")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            check=True,
        )
        after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--notes", type=Path, default=DEFAULT_NOTES, help="notes file (default: the 5k corpus)"
    )
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if not args.notes.exists():
        sys.exit(f"{args.notes} not found: run benchmarks/run.py once to make the corpora, or pass --notes")
    runs = [stages(args.notes) for _ in range(args.reps)]
    names = [name for name, _ in runs[0]]
    medians = {name: statistics.median(run[i][1] for run in runs) for i, name in enumerate(names)}
    total = statistics.median(whole_build(args.notes) for _ in range(args.reps))
    finish = medians.pop("generators again, sanitising, hashes")  # finish_cards runs the generators
    medians["sanitising and content hashes"] = max(finish - medians["generators (Keras exercises)"], 0.0)
    medians["the rest: cache, plan, lock, package, CLI"] = max(total - sum(medians.values()), 0.0)
    print(f"serial cold build of {args.notes.name}, CPU seconds, median of {args.reps}")
    print(f"{'stage':<44} {'s':>7} {'share':>6}")
    for name, seconds in medians.items():
        print(f"{name:<44} {seconds:>7.3f} {seconds / total:>6.1%}")
    print(f"{'whole build (process start included)':<44} {total:>7.3f}")


if __name__ == "__main__":
    main()
