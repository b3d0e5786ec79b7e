#!/usr/bin/env python3
"""Parse time of the 2.1 MB synthetic corpus (issue 2), split into its stages.

Generates the corpus with ``shared/bench/synth_notes.py synth plain 5000`` (cached
in a temporary folder unless ``--notes`` is given), then prints the median of
several runs for: markdown-it alone, and the whole ``parse_document``.
A script that prints numbers, never a test.

    python benchmarks/parse_bench.py
    python benchmarks/parse_bench.py --notes path/to/notes.md --reps 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH = ROOT.parent / "shared" / "bench" / "synth_notes.py"
sys.path.insert(0, str(ROOT))

from cards.parse import parse_document  # noqa: E402
from cards.questions import clean  # noqa: E402
from cards.render import markdown_parser  # noqa: E402


def cold_parse(text: str, source: str) -> object:
    """One parse as a fresh build sees it (no text cached from a previous run)."""
    clean.cache_clear()
    return parse_document(text, source=source, deck="Synth")


def corpus(notes: Path | None) -> Path:
    """The notes to parse: the given file, or the synthetic 5000-card corpus."""
    if notes is not None:
        return notes
    out = Path(tempfile.gettempdir()) / "notedeck-parse-bench"
    target = out / "notes.md"
    if not target.exists():
        subprocess.run([sys.executable, str(SYNTH), "synth", "plain", "5000", str(out)], check=True)
    return target


def median_seconds(func: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notes", type=Path, help="notes file (default: the synthetic 2.1 MB corpus)")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    path = corpus(args.notes)
    text = path.read_text(encoding="utf-8")
    md = markdown_parser()
    parse_document(text, source=str(path))  # warm up imports and caches
    tokens_only = median_seconds(lambda: md.parse(text), args.reps)
    full = median_seconds(lambda: cold_parse(text, str(path)), args.reps)
    result = parse_document(text, source=str(path), deck="Synth")
    print(f"notes: {path} ({len(text.encode()) / 1e6:.2f} MB, {text.count(chr(10))} lines)")
    counts = (len(result.cards), len(result.warnings), len(result.code_blocks))
    print("cards: {}, warnings: {}, code blocks: {}".format(*counts))
    print(f"markdown-it parse:  {tokens_only:.3f} s (median of {args.reps})")
    print(f"parse_document:     {full:.3f} s (median of {args.reps})")
    print(f"notedeck's own share: {full - tokens_only:.3f} s")


if __name__ == "__main__":
    main()
