#!/usr/bin/env python3
"""Time of the Keras exercise generator (issue 4): the seed notes, a large corpus, drills.

Prints the median of several runs for the generator on the seed deck's notes
(after parsing, which the build caches), on the 5,000-section synthetic corpus
(``shared/bench/synth_notes.py``; every 20th section has a small Keras block),
and for drawing and carding a drill of 100 networks. A script that prints
numbers, never a test.

    python benchmarks/keras_bench.py
    python benchmarks/keras_bench.py --reps 9
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

from cards.generators import run_generators  # noqa: E402
from cards.generators.keras.check import _text_lines  # noqa: E402
from cards.generators.keras.drill import drill_cards  # noqa: E402
from cards.parse import parse_document  # noqa: E402


def median_ms(action: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        _text_lines.cache_clear()  # as in a fresh build process
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    seed = (ROOT / "decks" / "notes" / "anndl-exam-notes.md").read_text(encoding="utf-8")
    corpora = {"seed notes": seed}
    if SYNTH.is_file():
        folder = Path(tempfile.mkdtemp(prefix="keras-bench-"))
        subprocess.run([sys.executable, str(SYNTH), "synth", "plain", "5000", str(folder)], check=True)
        corpora["synthetic 5,000 sections"] = (folder / "notes.md").read_text(encoding="utf-8")
    for name, text in corpora.items():
        result = parse_document(text, source="notes.md", deck="D")
        out = run_generators(result, source="notes.md", deck="D")
        ms = median_ms(lambda r=result: run_generators(r, source="notes.md", deck="D"), args.reps)  # type: ignore[misc]
        print(
            f"generator on {name}: {ms:.1f} ms ({len(result.code_blocks)} code blocks, "
            f"{len(out.cards)} cards, {len(out.warnings)} warnings)"
        )
    ms = median_ms(lambda: drill_cards(100, 1, deck="notedeck drill"), args.reps)
    print(f"drill of 100 networks: {ms:.1f} ms ({len(drill_cards(100, 1, deck='notedeck drill'))} cards)")


if __name__ == "__main__":
    main()
