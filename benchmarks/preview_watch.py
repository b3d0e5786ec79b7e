#!/usr/bin/env python3
"""How fast ``notedeck preview --watch`` shows a saved edit (issue 15's 1-second goal).

Copies the default deck to a temporary folder, starts the watch server on it,
opens the page in Debian's Chromium at phone width, then appends a new
question to the notes N times and measures from just before each save until
the new question is on the screen. Also times one page build on its own.
A script that prints numbers, never a test.

    python benchmarks/preview_watch.py
    python benchmarks/preview_watch.py --reps 10
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_ARGS, PHONE, chromium_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copytree(ROOT / "decks" / "notes", folder / "decks" / "notes")
        shutil.copy(ROOT / "decks" / "anndl.yaml", folder / "decks" / "anndl.yaml")
        notes = folder / "decks" / "notes" / "anndl-exam-notes.md"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "exporter", "preview"],
            cwd=folder,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        print(f"notedeck preview (default deck, one process, cold cache): {seconds:.2f} s")
        server = subprocess.Popen(
            [sys.executable, "-m", "exporter", "preview", "--watch"],
            cwd=folder,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            url = re.search(r"http://\S+/", server.stdout.readline())  # type: ignore[union-attr]
            assert url
            rebuilt: list[float] = []  # when the server said it had rebuilt the page

            def listen() -> None:
                for line in server.stdout:  # type: ignore[union-attr]
                    if "page rebuilt" in line:
                        rebuilt.append(time.time())

            threading.Thread(target=listen, daemon=True).start()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                page = browser.new_context(viewport=PHONE).new_page()
                page.goto(url.group(0))
                times, ready, built = [], [], []
                for i in range(args.reps):
                    time.sleep(0.5)
                    question = f"What is edit number {i} of the benchmark?"
                    saved = time.time()
                    start = time.perf_counter()
                    with notes.open("a", encoding="utf-8") as handle:
                        handle.write(f"\n# Bench {i}\n\n## {question}\n\nAn answer.\n")
                    page.locator(f"text={question}").first.wait_for(timeout=10_000)
                    times.append(time.perf_counter() - start)
                    # When the reloaded page had its new cards in the DOM, by the browser's own clock.
                    loaded = page.evaluate(
                        "performance.timeOrigin + performance.getEntriesByType('navigation')[0]"
                        ".domContentLoadedEventEnd"
                    )
                    ready.append(loaded / 1000 - saved)
                    built.append(rebuilt[-1] - saved)
                browser.close()
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=20)
    for label, values in (
        ("save -> server has rebuilt the page", built),
        ("save -> new page loaded (browser clock)", ready),
        ("save -> Playwright finds the new question", times),
    ):
        print(
            f"{label}, {args.reps} edits: median {statistics.median(values):.3f} s, "
            f"min {min(values):.3f} s, max {max(values):.3f} s  (goal: within 1 s)"
        )


if __name__ == "__main__":
    main()
