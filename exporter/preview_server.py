"""``notedeck preview --watch``: the preview page, served live while the student edits.

A small HTTP server on 127.0.0.1 serves the latest page (``/``) and its build
number (``/version?after=N``, answered as soon as there is a newer build: a long
poll, so the open page reloads without waiting for a timer); a watcher
(watchfiles) rebuilds the page on every save of a notes file, a deck file or an
image next to them. A
build that fails shows its error on the page instead of stopping the server:
the student fixes the notes, saves, and the cards come back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from exporter.config import DeckConfig

WATCHED_SUFFIXES = frozenset(
    {".md", ".markdown", ".yaml", ".yml", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
)
"""Files whose save triggers a rebuild; the parse cache and editors' swap files are ignored."""


LONG_POLL = 20.0
"""Seconds a page's ``/version?after=N`` waits for a new build before answering the same N."""


class LivePreview:
    """The current page and its build number, rebuilt on demand; safe to read from server threads."""

    def __init__(
        self,
        load: Callable[[], Sequence[DeckConfig]],
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        self._load = load
        self._tags = (tuple(include), tuple(exclude))
        self._lock = threading.Condition()
        self.version = 0
        self.page = b""
        self.configs: tuple[DeckConfig, ...] = ()
        self.error = ""

    def rebuild(self) -> str:
        """Build the page again from the notes; return the error shown, or ``""``."""
        from exporter.preview import deck_preview, page_html

        version = self.version + 1  # only the watcher's thread builds
        try:
            configs = tuple(self._load())
            page = page_html([deck_preview(c, *self._tags) for c in configs], live=True, version=version)
            error = ""
        except Exception as exc:  # bad notes or deck file: shown on the page, the server goes on
            error = _message(exc)
            page = page_html([], live=True, version=version, error=error)
            configs = self.configs
        with self._lock:
            self.page, self.configs, self.error = page.encode("utf-8"), configs, error
            self.version = version
            self._lock.notify_all()
        return error

    def wait_after(self, version: int, timeout: float) -> int:
        """The build number once it is not ``version`` any more, or after ``timeout`` seconds."""
        with self._lock:
            self._lock.wait_for(lambda: self.version != version, timeout)
            return self.version

    def snapshot(self) -> tuple[int, bytes]:
        """``(version, page)`` as one consistent pair."""
        with self._lock:
            return self.version, self.page


def serve(live: LivePreview, port: int = 0) -> ThreadingHTTPServer:
    """A server for ``live`` on ``127.0.0.1:port`` (``0``: a free port); not started yet."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if path == "/":
                self._send(200, "text/html; charset=utf-8", live.snapshot()[1])
            elif path == "/version":
                after = query.removeprefix("after=")
                version = live.wait_after(int(after), LONG_POLL) if after.isdigit() else live.snapshot()[0]
                self._send(200, "text/plain", str(version).encode())
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per poll would drown the terminal

    return _QuietServer(("127.0.0.1", port), Handler)


class _QuietServer(ThreadingHTTPServer):
    """A threading server that shrugs off clients that hang up (a closed tab, a reload)."""

    daemon_threads = True  # an open page must not keep Ctrl-C waiting

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):  # broken pipe, reset: not worth a traceback
            return
        super().handle_error(request, client_address)


def watched_folders(configs: Iterable[DeckConfig]) -> set[Path]:
    """The folders holding the decks' files and notes (watched without recursing)."""
    from exporter.build import notes_files

    folders = set()
    for config in configs:
        folders.add(config.path.resolve().parent)
        # A glob that matches nothing yet: the deck's folder is watched anyway.
        with contextlib.suppress(Exception):
            folders.update(path.resolve().parent for path in notes_files(config))
    return folders


def wants(change: Any, path: str) -> bool:
    """watchfiles filter: a notes, deck or image file, not a hidden or temporary one."""
    name = Path(path)
    return (
        name.suffix.lower() in WATCHED_SUFFIXES
        and not name.name.startswith(".")
        and ".notedeck-cache" not in name.parts
    )


def watch(
    live: LivePreview,
    initial: Iterable[Path],
    stop: threading.Event,
    on_build: Callable[[str, float], None],
) -> None:
    """Rebuild ``live`` on every relevant save until ``stop`` is set (or Ctrl-C).

    The set of folders is computed again after each build: a deck file that
    lists a notes file in a new folder gets that folder watched.
    """
    import watchfiles

    folders = set(initial) or watched_folders(live.configs)
    while not stop.is_set():
        for _changes in watchfiles.watch(
            *sorted(folders),
            watch_filter=wants,
            stop_event=stop,
            recursive=False,
            debounce=400,
            step=30,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            started = time.perf_counter()
            error = live.rebuild()
            on_build(error, time.perf_counter() - started)
            now = watched_folders(live.configs) or folders
            if now != folders:
                folders = now
                break
        else:
            return


def _message(exc: BaseException) -> str:
    import click

    from cards.errors import CardsError

    if isinstance(exc, click.ClickException):
        return exc.format_message()
    if isinstance(exc, CardsError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or 'notes'}: {exc.strerror or exc} — check the path and permissions"
    return f"internal error: {type(exc).__name__}: {exc} — please report it with the notes that caused it"
