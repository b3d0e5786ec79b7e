#!/usr/bin/env python3
"""Check ``notedeck preview`` on the default deck and the shared real-notes corpus (issue 15).

For each file: write its page, open it in Debian's Chromium at 390 px, and
report the cards, the formulas rendered as MathML, the formulas flagged, cards
still showing raw TeX (``\\(`` or ``\\[``) without a flag, the page's width,
console errors and requests other than the page itself. A script that prints
a table and exits 1 if any page fails those checks, never a test (the corpus
lives outside the repository, in ``../shared/corpus``).

    python benchmarks/preview_corpus.py
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import CHROMIUM_ARGS, PHONE, chromium_path  # noqa: E402


def main() -> None:
    executable = chromium_path()
    if executable is None:
        sys.exit("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    corpus = sorted((ROOT.parent / "shared" / "corpus" / "notes").glob("*.md"))
    files = [ROOT / "decks" / "anndl.yaml", *corpus]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        header = f"{'file':44} {'cards':>5} {'math':>5} {'flagged':>7} {'raw TeX':>7} {'width':>5}"
        print(f"{header} errors requests")
        for path in files:
            out = Path(tmp) / f"{path.stem}.html"
            run = subprocess.run(
                [sys.executable, "-m", "exporter", "preview", str(path), "--out", str(out)],
                capture_output=True,
                text=True,
                cwd=tmp,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            if run.returncode:
                print(f"{path.name[:44]:44} FAILED: {run.stderr.strip()}")
                failed += 1
                continue
            page = browser.new_context(viewport=PHONE).new_page()
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)  # noqa: B023
            page.on("pageerror", lambda e: errors.append(str(e)))  # noqa: B023
            page.on("request", lambda r: requests.append(r.url))  # noqa: B023
            page.goto(out.as_uri())
            page.wait_for_load_state("networkidle")
            unflagged = page.locator("article.nd-card:not(:has(.nd-flags))").all_text_contents()
            raw = sum(1 for text in unflagged if re.search(r"\\\(|\\\[", text))
            width = page.evaluate("document.documentElement.scrollWidth")
            other = [u for u in requests if not u.startswith("data:") and u != out.as_uri()]
            cards, maths = page.locator("article.nd-card").count(), page.locator("math").count()
            flagged = page.locator(".nd-flags li").count()
            bad = raw or width > PHONE["width"] or errors or other
            failed += bool(bad)
            print(
                f"{path.name[:44]:44} {cards:5} {maths:5} {flagged:7} {raw:7} {width:5} {len(errors):6} "
                f"{len(other):8}{'  FAIL' if bad else ''}"
            )
            page.context.close()
        browser.close()
    print(f"{len(files) - failed} of {len(files)} pages pass")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
