"""How much a build may run at once: the cores it may use and how it starts processes.

Parsing runs in processes (markdown-it is pure Python) and deflating the
package in threads (zlib lets go of the interpreter lock); both ask here, so
``NOTEDECK_JOBS=N`` caps them together. The output never depends on the
answer: only how fast it comes.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def cores_allowed() -> int:
    """The cores this process may use, or ``NOTEDECK_JOBS`` when set (``1``: one at a time)."""
    wanted = os.environ.get("NOTEDECK_JOBS", "")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, int(wanted)) if wanted.isdigit() else cores


def fork_context() -> Any:
    """Forked workers start at once with everything imported; elsewhere the platform's default."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()
