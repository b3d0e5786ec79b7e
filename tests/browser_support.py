"""Playwright driving Debian's Chromium, for the preview's browser tests.

Playwright's own browser download cannot reach CI machines, so the tests use
the system's ``chromium`` (``.ci/run`` installs it with apt-get when missing);
without it they skip and say so. The flags keep Chromium off the network it
would otherwise try to reach at every start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PHONE = {"width": 390, "height": 844}
"""An iPhone-sized viewport in CSS pixels: the width students study at."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "preview-screenshots"
"""Where the screenshot tests leave their pictures for a reviewer (never committed: build/ is ignored)."""


def chromium_path() -> str | None:
    """``$NOTEDECK_CHROMIUM``, else ``chromium`` on the PATH, else None."""
    wanted = os.environ.get("NOTEDECK_CHROMIUM")
    if wanted:
        return wanted if Path(wanted).is_file() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")
