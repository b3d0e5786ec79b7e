"""The lock file is a cache, not the only memory: recovering it from the previous package.

Every package notedeck writes already holds, for every card, its identity
(GUID), its content and its modification time; that is what Anki received. So
when the lock file is missing (a fresh clone where it was never committed) or
older than the package in the output folder (an old lock restored from git),
the build rebuilds the lock from the package and rematches as usual: reworded
questions keep their notes, and unchanged cards keep their times, so Anki
leaves them (and the student's own edits to them) alone.

Identity keys are not in a package. A package note gets the key of the card
whose natural GUID (``guid_for(deck id, key)``) it carries, which covers pinned
ids, repeated questions and exercise cards; otherwise the key the note's
question would have. A card whose key cannot be recovered that way is found by
its question text or by the similarity rematch (:mod:`exporter.regen`).

:func:`look_back` is what a build knows about the last build: the lock file,
the previous package, or both, and what to tell the student about them (a
recovery, an old lock, a renamed deck).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cards import guid_for, normalise_question
from cards.ids import identity_key
from exporter.config import ConfigError, DeckConfig
from exporter.lock import Lock, LockEntry, Tombstone
from exporter.package import PackageContents, PackagedNote
from exporter.places import display_path
from exporter.regen import REMOVED_TAG, content_hash, plain_text

if TYPE_CHECKING:
    from exporter.build import LockMode


def lock_from_package(
    contents: PackageContents, *, deck_id: int, keys: Sequence[str], base: Lock | None
) -> Lock:
    """The lock ``base`` brought up to date with the package (``base`` None: from the package alone).

    ``keys`` are the identity keys of the cards being built. For a card both
    know, the newer of the two wins, so an older package never takes a card's
    time back.
    """
    natural = {guid_for(deck_id, key): key for key in keys}
    known: dict[str, LockEntry | Tombstone] = {}
    if base is not None:
        known = {e.guid: e for e in base.cards} | {t.guid: t for t in base.removed}
    chosen: dict[str, LockEntry | Tombstone] = {}
    for note in contents.notes:
        before = known.get(note.guid)
        if before is not None and before.mod >= note.mod:
            chosen[note.guid] = before
            continue
        text = plain_text(note.question)
        if before is not None and normalise_question(_text(before)) == normalise_question(text):
            key = before.key  # the same question: the lock's key (a pinned id, a repeat's number)
        else:  # reworded since the lock was written; the key carries its note family (cards.ids)
            plain = _CLOZE.sub(r"\1", text)  # a cloze's key is its text with the deletions filled in
            key = natural.get(note.guid) or identity_key(normalise_question(plain) or note.guid, note.family)
        chosen[note.guid] = _item(note, key)
    for guid, item in known.items():
        chosen.setdefault(guid, item)
    cards, removed = _unique(chosen.values(), deck_id)
    root = contents.decks.get(deck_id)
    if base is not None and base.note_type_mod >= contents.note_type_mod:
        fingerprint, nt_mod = base.note_type_fingerprint, base.note_type_mod
    else:
        fingerprint, nt_mod = contents.note_type_fingerprint, contents.note_type_mod
    deck = base.deck if base is not None and base.deck is not None else root
    return Lock(deck_id, fingerprint, nt_mod, cards, removed, deck)


def lock_is_behind(lock: Lock, contents: PackageContents) -> bool:
    """True if the package has what the lock does not know: a newer time for one of its cards,
    or a live card it has never seen. (A tombstone it does not know was pruned.)"""
    known = {e.guid: e.mod for e in lock.cards} | {t.guid: t.mod for t in lock.removed}
    for note in contents.notes:
        mod = known.get(note.guid)
        if (mod is None and note.tags != (REMOVED_TAG,)) or (mod is not None and note.mod > mod):
            return True
    return False


def package_times(contents: PackageContents) -> dict[str, tuple[str, int]]:
    """GUID → (content hash, modification time) of the package's live notes."""
    return {n.guid: (_hash(n), n.mod) for n in contents.notes if n.tags != (REMOVED_TAG,)}


def root_deck(contents: PackageContents, deck_id: int) -> str | None:
    """The name the package gave the deck with id ``deck_id`` (None: not a package of that deck)."""
    return contents.decks.get(deck_id)


_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::[^{}]*)?\}\}", re.DOTALL)


def _text(item: LockEntry | Tombstone) -> str:
    return item.text if isinstance(item, LockEntry) else plain_text(item.question)


def _hash(note: PackagedNote) -> str:
    return content_hash(note.question, note.context, note.answer, note.tags, note.deck)


def _item(note: PackagedNote, key: str) -> LockEntry | Tombstone:
    if note.tags == (REMOVED_TAG,):
        q, c, a = note.question, note.context, note.answer
        return Tombstone(key, note.guid, note.mod, note.deck, (), note.source, q, c, a)
    return LockEntry(key, note.guid, note.mod, _hash(note), plain_text(note.question))


def _unique(
    items: Iterable[LockEntry | Tombstone], deck_id: int
) -> tuple[tuple[LockEntry, ...], tuple[Tombstone, ...]]:
    """Live entries and tombstones, sorted, with every key unique.

    Of two items with one key, the one whose GUID that key made keeps it; the
    other gets its GUID appended, a key no card has, so it is found only by its
    question text or by similarity, never taken for another card.
    """
    taken: set[str] = set()
    cards: list[LockEntry] = []
    removed: list[Tombstone] = []
    for item in sorted(items, key=lambda i: (i.key, guid_for(deck_id, i.key) != i.guid, i.guid)):
        if item.key in taken:
            item = item._replace(key=f"{item.key} [{item.guid}]")
        taken.add(item.key)
        if isinstance(item, LockEntry):
            cards.append(item)
        else:
            removed.append(item)
    return tuple(cards), tuple(removed)


# --- what a build knows about the last one ---------------------------------------------------


@dataclass
class Past:
    """What a build knows about the deck's last build: from the lock file, the previous package, or both."""

    lock: Lock | None
    """The lock to plan with (as read, or recovered from the package)."""
    package: PackageContents | None = None
    """The previous package, when it was read."""
    times: dict[str, tuple[str, int]] | None = None
    """The package's content hashes and times, when no lock says better."""
    renamed_from: str | None = None
    notices: list[str] = field(default_factory=list)
    """What the student is told on stderr about it."""
    messages: list[str] = field(default_factory=list)
    """What the student is told with the build's summary (a first build is no news)."""


def look_back(
    config: DeckConfig,
    mode: LockMode,
    read: Lock | None,
    lock_path: Path,
    package_path: Path,
    explicit: bool,
    keys: Callable[[], Sequence[str]],
    on_disk: str | None = None,
) -> Past:
    """The lock to plan with, recovered from the previous package when the lock file is missing or
    older than it (``explicit``: the package was given with ``--from``, which must be this deck's;
    ``on_disk``: :func:`exporter.lock.lock_digest` of the lock file ``read`` came from)."""
    from exporter.package import package_lock_digest

    past = Past(read)
    pkg_shown, lock_shown = display_path(package_path), display_path(lock_path)
    loaded: list[PackageContents | None] = []

    def package() -> PackageContents | None:
        if not loaded:
            loaded.append(_previous_package(config, package_path, explicit, past.notices))
        past.package = loaded[0]
        return loaded[0]

    if mode == "use" and read is None:
        contents = package()
        if contents is not None:
            past.lock = lock_from_package(contents, deck_id=config.id, keys=keys(), base=None)
            past.notices.append(
                f"no lock file at {lock_shown}: identities, times and contents of "
                f"{len(contents.notes)} notes recovered from {pkg_shown}"
            )
        else:
            past.messages.append(
                f"note: no lock file at {lock_shown} and no previous package at {pkg_shown}: a first "
                "build? If this deck was built before, questions reworded since cannot be recognised "
                "(they become new notes in Anki); pass --from OLD.apkg to recover them"
            )
    elif mode == "use" and read is not None:
        # The package's comment names the lock it was built with: when that is this lock file,
        # the package need not be opened. Otherwise it is read and compared card by card.
        maybe = explicit or package_lock_digest(package_path, config.id) != on_disk
        contents = package() if maybe or read.deck is None else None
        if contents is not None and (explicit or lock_is_behind(read, contents)):
            past.lock = lock_from_package(contents, deck_id=config.id, keys=keys(), base=read)
            if past.lock != read:
                past.notices.append(
                    f"the lock file {lock_shown} is older than {pkg_shown}: identities and times "
                    "brought up to date from the package"
                )
    else:  # --reset-lock, --no-lock: the package still tells which notes did not change
        contents = package()
        if contents is not None:
            past.times = package_times(contents)
    known = past.lock.deck if past.lock is not None else None
    if known is None and past.package is not None:  # a version 1 lock, or none: the package's name
        known = root_deck(past.package, config.id)
    if known is not None and known != config.name:
        past.renamed_from = known
        past.notices.append(_rename_notice(config, known))
    return past


def _previous_package(
    config: DeckConfig, path: Path, explicit: bool, notices: list[str]
) -> PackageContents | None:
    """The previous package's contents if it is one of this deck's (``explicit``: else an error)."""
    from exporter.package import read_package

    if not explicit and not path.exists():
        return None
    contents = read_package(path)
    problem = ""
    if contents is None:
        problem = "not a package notedeck wrote (or unreadable)"
    elif root_deck(contents, config.id) is None:
        problem = f"not a package of this deck (no deck with id {config.id})"
    if not problem:
        return contents
    if explicit:
        raise ConfigError(f"--from {path}", problem, f"pass a package built from {display_path(config.path)}")
    notices.append(f"note: {display_path(path)}: {problem}; not used")
    return None


def _rename_notice(config: DeckConfig, old: str) -> str:
    """What a deck rename does in Anki, and how to keep one deck (ANKI_FACTS 9)."""
    text = (
        f"deck renamed from '{old}' to '{config.name}' ({display_path(config.path)}): Anki matches decks "
        f"by name, so the cards you already have stay in '{old}' and only new cards go to "
        f"'{config.name}'. To keep one deck, rename '{old}' to '{config.name}' in Anki before importing "
        "(Browse, right-click the deck, Rename)."
    )
    if config.tag_root is None:
        text += (
            f" Chapter tags follow the name ('{old}::…' becomes '{config.name}::…', rewriting every "
            f"note); to keep them, add 'tag_root: {old}' to {display_path(config.path)}."
        )
    return text
