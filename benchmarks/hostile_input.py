#!/usr/bin/env python3
"""Time and peak memory of ``notedeck build`` on hostile notes (issue 7).

Each case is a notes file built by a fresh ``python -m exporter build`` process,
so the peak RSS is that build's alone. The point is that every case ends, with
memory in proportion to the input and no RecursionError; the numbers show how
far from "bounded" each one is. A script that prints numbers, never a test.

    python benchmarks/hostile_input.py             # every case (the 50 MB one takes minutes)
    python benchmarks/hostile_input.py --quick     # skip the 50 MB file
    python benchmarks/hostile_input.py deep_quote long_line
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def synthetic(size: int) -> str:
    """Ordinary notes: chapters, questions, answers with formulas, lists and code."""
    parts: list[str] = []
    total, i = 0, 0
    while total < size:
        part = (
            (f"# Chapter {i // 100}\n\n" if i % 100 == 0 else "")
            + f"## What is item {i}?\n\nItem {i} is a thing with $x_{{{i}}}^2$ and **bold** words; "
            "it matters because of several reasons that a student writes down at length.\n\n"
            + ("- first point\n- second point\n\n" if i % 5 == 0 else "")
            + ("```python\nmodel.add(Dense(10))\n```\n\n" if i % 20 == 0 else "")
        )
        parts.append(part)
        total += len(part)
        i += 1
    return "".join(parts)


CASES: dict[str, Callable[[], str]] = {
    "deep_quote": lambda: "## Q?\n\n" + ">" * 10_000 + " deep\n",
    "deep_list": lambda: "## Q?\n\n" + "".join("  " * i + "- a\n" for i in range(2_000)),
    "deep_list_inline": lambda: "## Q?\n\n" + "- " * 10_000 + "x\n",
    "nested_emphasis": lambda: "## Q?\n\n" + "*a " * 100_000 + "\n",
    "nested_brackets": lambda: "## Q?\n\n" + "[" * 100_000 + "\n",
    "unclosed_links": lambda: "## Q?\n\n" + "[a](" * 50_000 + "\n",
    "unclosed_dollars": lambda: "## Q?\n\n" + "$a " * 100_000 + "\n",
    "unclosed_fence": lambda: "## Q?\n\n```python\n" + "x = 1\n" * 100_000,
    "html_tags": lambda: "## Q?\n\n" + "<div>" * 100_000 + "\n",
    "long_line": lambda: "## Q?\n\n" + "word " * (MB) + "\n",  # a 5 MB single line
    "file_50mb": lambda: synthetic(50 * MB),
}
SLOW = {"file_50mb"}


def run(name: str, text: str, folder: Path) -> str:
    notes = folder / f"{name}.md"
    notes.write_text(text, encoding="utf-8")
    code = (
        "import resource, runpy, sys\n"
        "sys.argv = ['notedeck', 'build', sys.argv[1], '--out', sys.argv[2]]\n"
        "try:\n    runpy.run_module('exporter', run_name='__main__')\n"
        "finally:\n"
        "    print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(notes), str(folder / "out")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    lines = done.stderr.splitlines()
    rss = next((int(line.split()[1]) / 1024 for line in lines if line.startswith("RSS ")), float("nan"))
    warnings = sum(1 for line in lines if ": " in line and not line.startswith(("RSS", "Error")))
    verdict = (
        "ok" if done.returncode == 0 else f"exit {done.returncode}: {lines[-2] if len(lines) > 1 else ''}"
    )
    if "Traceback" in done.stderr or "RecursionError" in done.stderr:
        verdict = "TRACEBACK"
    return (
        f"{name:18} {len(text.encode()) / MB:8.2f} MB {wall:8.2f} s {rss:8.0f} MB peak  "
        f"{warnings:4d} warnings  {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("cases", nargs="*", help=f"cases to run (default: all): {', '.join(CASES)}")
    parser.add_argument("--quick", action="store_true", help="skip the slow cases (the 50 MB file)")
    args = parser.parse_args()
    names = args.cases or [n for n in CASES if not (args.quick and n in SLOW)]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    print(f"{'case':18} {'input':>11} {'wall':>10} {'peak RSS':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            print(run(name, CASES[name](), Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
