"""The lock file: what notedeck remembers about a deck between two builds.

Anki matches notes by GUID and updates one only when its modification time is
strictly newer (shared/ANKI_FACTS.md, facts 1 and 2). A build therefore has to
remember, per card, which GUID it gave the card, a hash of the content it
sent and the time that content last changed; and, per deleted card, the
content it last sent (the tombstone). That memory is ``decks/<stem>.lock.json``,
meant to be committed next to the notes like any lock file.

Format (version 2), valid JSON laid out for ``git diff``: one card per line,
sorted by identity key, fields in a fixed order, a trailing newline::

    {
    "notedeck_lock": 2,
    "deck_id": 1732615200001,
    "deck": "ANNDL",
    "note_type": {"fingerprint": "<sha256 of templates and CSS>", "mod": 1732615200},
    "cards": [
    {"key": "can word embedding overfit?", "guid": "Fq#2m...", "mod": 1732615200,
     "hash": "...", "text": "Can word embedding overfit?"},
    ...
    ],
    "removed": [
    {"key": "...", "guid": "...", "mod": 1732615300, "deck": "ANNDL", "tags": ["ANNDL::LSTM"],
     "source": "notes/a.md:12", "question": "<html>", "context": "", "answer": "<html>"}
    ]
    }

Live cards keep only what identity, rematching and modification times need
(about 150 bytes each, so 50,000 cards stay near 10 MB and load in tens of
milliseconds); the full last content is stored only for tombstones, the few
cards that left the notes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring as _quote
from pathlib import Path
from typing import Any, NamedTuple

from cards.errors import CardsError

LOCK_VERSION = 2
"""Format version written in ``"notedeck_lock"``; bump it on any incompatible change.

Version 2 added ``"deck"``, the deck's name, so that a renamed deck is noticed;
version 1 files (without it) are still read."""
RESET_HINT = "run 'notedeck build --reset-lock' to rebuild it from the notes"

_TOP_KEYS = ("notedeck_lock", "deck_id", "deck", "note_type", "cards", "removed")
_CARD_FIELDS = ("key", "guid", "mod", "hash", "text")
_TOMBSTONE_FIELDS = ("key", "guid", "mod", "deck", "tags", "source", "question", "context", "answer")
_CARD_KEYSET = frozenset(_CARD_FIELDS)
_new_tuple = tuple.__new__  # LockEntry(...) without the generated __new__: 50,000 times per read
_TOMBSTONE_KEYSET = frozenset(_TOMBSTONE_FIELDS)


class LockError(CardsError):
    """The lock file cannot be used as it is (exit code 1, nothing written)."""


class LockEntry(NamedTuple):
    """A card of the last build, as the next build needs to know it."""

    key: str
    """Identity key: pinned id, normalised question, or key + ``#2`` for a repeated question."""
    guid: str
    """The GUID the card has in Anki (kept across rewording, so not always ``guid_for(key)``)."""
    mod: int
    """The time (seconds) the card's content last changed: the note's modification time."""
    hash: str
    """Hash of the content sent to Anki (fields, tags, deck); see :func:`exporter.regen.content_hash`."""
    text: str
    """The question as plain text, for messages and for a tombstone when nothing better is known."""


class Tombstone(NamedTuple):
    """A card that left the notes; it stays in packages, tagged ``notedeck::removed``."""

    key: str
    guid: str
    mod: int
    """Set once, when the card disappeared (newer than its last live time), then stable."""
    deck: str
    tags: tuple[str, ...]
    """The tags the card had while alive (used by ``--tag`` filters, not sent to Anki)."""
    source: str
    question: str
    context: str
    answer: str


class Lock(NamedTuple):
    """Everything a lock file holds."""

    deck_id: int
    note_type_fingerprint: str
    note_type_mod: int
    cards: tuple[LockEntry, ...]
    """Sorted by key."""
    removed: tuple[Tombstone, ...] = ()
    """Sorted by key."""
    deck: str | None = None
    """The deck's name when the lock was written (None: a version 1 lock, which did not say)."""


class LockLocation(NamedTuple):
    """Where a deck's lock file is read from and written to."""

    read: Path
    write: Path
    beside_deck: bool
    """False when the lock does not live next to the deck file (see :func:`locate_lock`)."""


def lock_name(stem: str) -> str:
    """File name of the lock of the deck file ``<stem>.yaml``."""
    return f"{stem}.lock.json"


def locate_lock(deck_folder: Path, stem: str, out_dir: Path, *, shipped: bool = False) -> LockLocation:
    """Next to the deck file; elsewhere for a shipped deck or a read-only deck folder.

    A deck shipped inside notedeck keeps its lock in the user's data folder,
    which survives upgrades (:mod:`exporter.places`); until the first build
    writes it there, a lock an earlier notedeck left next to the output or
    next to the deck file is read. A student's deck in a read-only folder
    keeps its lock next to the output.
    """
    beside = deck_folder / lock_name(stem)
    fallback = out_dir / lock_name(stem)
    if shipped:
        from exporter.places import data_folder

        home = data_folder() / lock_name(stem)
        read = next((p for p in (home, fallback, beside) if p.exists()), home)
        return LockLocation(read, home, False)
    if _writable(deck_folder) and (not beside.exists() or _writable(beside)):
        return LockLocation(beside, beside, True)
    return LockLocation(fallback if fallback.exists() else beside, fallback, False)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def read_lock(path: Path, *, shown: str, deck_id: int | None = None) -> Lock | None:
    """The lock at ``path`` (None when there is none); ``shown`` names it in errors."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockError(shown, f"cannot read the lock file ({exc.strerror})", RESET_HINT) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LockError(f"{shown}:{line}", "not UTF-8 text", RESET_HINT) from None
    return parse_lock(text, shown=shown, deck_id=deck_id)


def lock_digest(text: str | bytes) -> str:
    """A short digest of a lock file's text, recorded in the package built with it."""
    import hashlib

    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:32]


def file_digest(path: Path) -> str | None:
    """:func:`lock_digest` of the file at ``path`` (None: it cannot be read)."""
    try:
        return lock_digest(path.read_bytes())
    except OSError:
        return None


def write_lock(path: Path, lock: Lock, *, compare: bool = True, text: str | None = None) -> bool:
    """Write ``lock`` atomically; return False when the file already says the same.

    ``compare=False``: the caller knows the file says something else (it read
    the lock from it and the lock changed), so it is not read again. ``text``:
    :func:`dump_lock` of ``lock``, when the caller has it already.
    """
    text = dump_lock(lock) if text is None else text
    try:
        if compare and path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    from exporter.package import _remove_stale_temporaries

    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)  # left by a build killed outright
    # The process id in the name tells a leftover from a build still running.
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp.json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(name, 0o666 & ~_umask())
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- text form ------------------------------------------------------------------------------


def dump_lock(lock: Lock) -> str:
    """The canonical text of ``lock`` (sorted, one card per line, trailing newline)."""
    cards = sorted(lock.cards, key=_by_key)
    removed = sorted(lock.removed, key=_by_key)
    # A lock that knows no deck name is written as version 1, which had none.
    version = LOCK_VERSION if lock.deck is not None else 1
    deck = f'"deck": {_quote(lock.deck)},\n' if lock.deck is not None else ""
    head = (
        "{\n"
        f'"notedeck_lock": {version},\n'
        f'"deck_id": {lock.deck_id},\n'
        f"{deck}"
        f'"note_type": {{"fingerprint": {_quote(lock.note_type_fingerprint)}, '
        f'"mod": {lock.note_type_mod}}},\n'
    )
    return (
        head
        + _section("cards", map(_card_line, cards), ",")
        + _section("removed", map(_tomb_line, removed), "")
        + "}\n"
    )


def _by_key(item: LockEntry | Tombstone) -> str:
    return item.key


def _section(name: str, lines: Iterator[str], tail: str) -> str:
    body = ",\n".join(lines)
    return f'"{name}": [\n{body}\n]{tail}\n' if body else f'"{name}": []{tail}\n'


def _card_line(e: LockEntry) -> str:
    return (
        f'{{"key": {_quote(e.key)}, "guid": {_quote(e.guid)}, "mod": {e.mod}, '
        f'"hash": {_quote(e.hash)}, "text": {_quote(e.text)}}}'
    )


def _tomb_line(t: Tombstone) -> str:
    tags = ", ".join(map(_quote, t.tags))
    return (
        f'{{"key": {_quote(t.key)}, "guid": {_quote(t.guid)}, "mod": {t.mod}, '
        f'"deck": {_quote(t.deck)}, "tags": [{tags}], "source": {_quote(t.source)}, '
        f'"question": {_quote(t.question)}, "context": {_quote(t.context)}, '
        f'"answer": {_quote(t.answer)}}}'
    )


# --- parsing and validation -------------------------------------------------------------------


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of tuples are made.

    Lock entries and package notes hold no cycles, yet each batch of new objects
    triggers a collection that rescans everything alive: half the time of
    reading a 50,000-card lock went there.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_lock(text: str, *, shown: str, deck_id: int | None = None) -> Lock:
    """Parse and validate a lock file's text; any problem is a :class:`LockError` with a line."""
    with paused_gc():
        return _parse_lock(text, shown, deck_id)


def _parse_lock(text: str, shown: str, deck_id: int | None) -> Lock:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _broken_json(text, shown, exc) from None
    if not isinstance(data, dict):
        raise _error(shown, 1, "not a notedeck lock file (expected a JSON object)")
    version = data.get("notedeck_lock")
    if version is None:
        raise _error(shown, 1, 'not a notedeck lock file (no "notedeck_lock" version)')
    if type(version) is not int or version < 1:
        raise _error(shown, _key_line(text, "notedeck_lock"), '"notedeck_lock" must be a positive integer')
    if version > LOCK_VERSION:
        raise _error(
            shown,
            _key_line(text, "notedeck_lock"),
            f"written by a newer notedeck (lock format {version}; this one reads {LOCK_VERSION})",
        )
    for key in data:
        if key not in _TOP_KEYS:
            raise _error(shown, _key_line(text, key), f'unknown key "{key}"')
    for key in _TOP_KEYS:
        if key not in data and (key != "deck" or version > 1):
            raise _error(shown, 1, f'missing "{key}"')
    deck = data.get("deck")
    if deck is not None and (type(deck) is not str or not deck):
        raise _error(shown, _key_line(text, "deck"), '"deck" must be the deck\'s name')
    found_id = data["deck_id"]
    if type(found_id) is not int or found_id < 1:
        raise _error(shown, _key_line(text, "deck_id"), '"deck_id" must be a positive integer')
    if deck_id is not None and found_id != deck_id:
        raise _error(
            shown,
            _key_line(text, "deck_id"),
            f"written for deck id {found_id}, but the deck file says {deck_id}",
        )
    fingerprint, nt_mod = _note_type(data["note_type"], text, shown)
    cards = _cards(data["cards"], text, shown)
    removed = _tombstones(data["removed"], text, shown)
    _check_unique(cards, removed, text, shown)
    return Lock(found_id, fingerprint, nt_mod, cards, removed, deck)


def _error(shown: str, line: int, what: str) -> LockError:
    return LockError(f"{shown}:{line}", what, RESET_HINT)


def _broken_json(text: str, shown: str, exc: json.JSONDecodeError) -> LockError:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(("<<<<<<<", ">>>>>>>", "|||||||")) or line.rstrip() == "=======":
            return _error(shown, number, "unresolved merge conflict marker")
    return _error(shown, exc.lineno, f"not valid JSON ({exc.msg})")


def _note_type(raw: Any, text: str, shown: str) -> tuple[str, int]:
    if isinstance(raw, dict) and set(raw) == {"fingerprint", "mod"}:
        fingerprint, mod = raw["fingerprint"], raw["mod"]
        if type(fingerprint) is str and type(mod) is int and mod > 0:
            return fingerprint, mod
    what = '"note_type" must be {"fingerprint": "...", "mod": <seconds>}'
    raise _error(shown, _key_line(text, "note_type"), what)


def _cards(raw: Any, text: str, shown: str) -> tuple[LockEntry, ...]:
    if not isinstance(raw, list):
        raise _error(shown, _key_line(text, "cards"), '"cards" must be a list')
    entries = []
    for index, item in enumerate(raw):
        if type(item) is dict and item.keys() == _CARD_KEYSET:
            key, guid, mod, digest, plain = item["key"], item["guid"], item["mod"], item["hash"], item["text"]
            if (
                type(key) is str
                and key
                and type(guid) is str
                and guid
                and type(mod) is int
                and mod > 0
                and type(digest) is str
                and type(plain) is str
            ):
                entries.append(_new_tuple(LockEntry, (key, guid, mod, digest, plain)))
                continue
        what = _entry_problem(item, _CARD_FIELDS, ("key", "guid", "hash", "text"))
        raise _error(shown, _entry_line(text, "cards", index), f"card entry: {what}")
    return tuple(entries)


def _tombstones(raw: Any, text: str, shown: str) -> tuple[Tombstone, ...]:
    if not isinstance(raw, list):
        raise _error(shown, _key_line(text, "removed"), '"removed" must be a list')
    kinds = tuple(f for f in _TOMBSTONE_FIELDS if f not in ("mod", "tags"))
    result = []
    for index, item in enumerate(raw):
        what = _entry_problem(item, _TOMBSTONE_FIELDS, kinds)
        if what is None:
            tags = item["tags"]
            if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
                values = {**item, "tags": tuple(tags)}
                result.append(Tombstone(*(values[f] for f in _TOMBSTONE_FIELDS)))
                continue
            what = '"tags" must be a list of strings'
        raise _error(shown, _entry_line(text, "removed", index), f"removed entry: {what}")
    return tuple(result)


def _entry_problem(item: Any, fields: Sequence[str], strings: Sequence[str]) -> str | None:
    """Say what is wrong with one entry (the slow path, only run on bad entries)."""
    if not isinstance(item, dict):
        return "expected an object"
    for field in fields:
        if field not in item:
            return f'missing "{field}"'
    for field in item:
        if field not in fields:
            return f'unknown field "{field}"'
    mod = item["mod"]
    if type(mod) is not int or mod < 1:
        return '"mod" must be a positive integer (seconds)'
    for field in strings:
        if type(item[field]) is not str:
            return f'"{field}" must be a string'
        if field in ("key", "guid") and not item[field]:
            return f'"{field}" is empty'
    return None


def _check_unique(cards: Sequence[LockEntry], removed: Sequence[Tombstone], text: str, shown: str) -> None:
    total = len(cards) + len(removed)
    all_keys = {c.key for c in cards} | {t.key for t in removed}
    all_guids = {c.guid for c in cards} | {t.guid for t in removed}
    if len(all_keys) == len(all_guids) == total:
        return
    keys: dict[str, tuple[str, int]] = {}
    guids: dict[str, tuple[str, int]] = {}
    sections: tuple[tuple[str, Sequence[LockEntry | Tombstone]], ...] = (
        ("cards", cards),
        ("removed", removed),
    )
    for section, items in sections:
        for index, item in enumerate(items):
            for seen, value, label in ((keys, item.key, "key"), (guids, item.guid, "GUID")):
                if value in seen:
                    first = _entry_line(text, *seen[value])
                    raise _error(
                        shown,
                        _entry_line(text, section, index),
                        f"{label} {value!r} appears twice (also on line {first})",
                    )
                seen[value] = (section, index)


def _key_line(text: str, key: str) -> int:
    """Line of the top-level ``"key":`` (1 when it cannot be found)."""
    needle = f'"{key}":'
    for number, line in enumerate(text.split("\n"), start=1):
        if line.lstrip().startswith(needle):
            return number
    return 1


def _entry_line(text: str, section: str, index: int) -> int:
    """Line of entry ``index`` of ``section`` in the canonical layout (one entry per line).

    A file re-indented by hand still loads; its error lines are then only the
    section's line.
    """
    lines = text.split("\n")
    start = _key_line(text, section)
    seen = -1
    for number in range(start, len(lines)):
        stripped = lines[number].lstrip()
        if stripped.startswith("]"):
            break
        if stripped.startswith("{"):
            seen += 1
            if seen == index:
                return number + 1
    return start


# --- one build of a deck at a time ----------------------------------------------------------

WAIT_SECONDS: float = 600
"""How long a build waits for another build of the same deck before giving up."""


@contextlib.contextmanager
def exclusive(lock_path: Path, *, waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold the right to read, change and write the lock file at ``lock_path``.

    Two builds of one deck at once (an editor's build-on-save and a manual
    build) would otherwise both read the old lock, and the one that writes last
    would drop what the other added. The file lock (filelock; an OS lock,
    released even when a build is killed) lives in the user's cache folder, so
    nothing new appears next to the notes. ``waiting`` is called once if another
    build holds it.
    """
    from filelock import FileLock, Timeout

    guard = FileLock(str(_guard_path(lock_path)))
    try:
        guard.acquire(timeout=0)
    except Timeout:
        waiting()
        try:
            guard.acquire(timeout=WAIT_SECONDS)
        except Timeout:
            raise LockError(
                str(lock_path),
                f"another build of this deck did not finish within {WAIT_SECONDS:g} s",
                "let it finish or stop it, then build again",
            ) from None
    try:
        yield
    finally:
        guard.release()


def _guard_path(lock_path: Path) -> Path:
    """The file that filelock locks for ``lock_path`` (one per lock file, by its full path)."""
    import hashlib

    from exporter.places import build_locks_folder

    name = hashlib.sha256(str(lock_path.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    folder = build_locks_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable cache folder: the system's temporary folder is shared by all users
        folder = Path(tempfile.gettempdir())
    return folder / f"notedeck-{name}.lock"
