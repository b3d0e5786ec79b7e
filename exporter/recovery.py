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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cards import guid_for, normalise_question
from exporter.lock import Lock, LockEntry, Tombstone
from exporter.package import PackageContents, PackagedNote
from exporter.regen import REMOVED_TAG, content_hash, plain_text


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
        else:  # reworded since the lock was written
            key = natural.get(note.guid) or normalise_question(text) or note.guid
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
