"""Safe regeneration: GUIDs and modification times from the notes and the lock.

Anki's importer (shared/ANKI_FACTS.md) matches notes by GUID only, updates a
note only when its modification time is strictly newer, and never deletes.
:func:`plan` turns the deck's cards and the previous lock into what the next
package must say so that re-importing is always safe:

- a card keeps its GUID while its key stays (answer edits, moves, reordering)
  and when its question was slightly reworded (:mod:`exporter.rematch`);
- a card's time moves forward exactly when its content (fields, tags, deck)
  changed, and then to ``max(now, previous + 1)``, so two builds in the same
  second still update while unchanged notes, and the edits a student made
  to them in Anki, are left alone;
- a card that left the notes becomes a tombstone: same GUID, last content,
  tag ``notedeck::removed``;
- a card whose note type changes (basic ↔ cloze ↔ reversed, see
  :func:`cards.ids.identity_key`) is a new card, and the old one a tombstone:
  Anki cannot change a note's type on import;
- the note type's time moves forward exactly when its templates or CSS change.

Pure: no files are read here; the caller hands in the previous package's
notes so a tombstone can carry the content the student last received.
"""

from __future__ import annotations

import hashlib
import html
import marshal
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from cards import Card, NoteWarning, guid_for, normalise_question
from cards.ids import identity_key, key_family, split_identity
from cards.model import FAMILY_OF_KIND, NoteFamily, note_family
from exporter.lock import Lock, LockEntry, Tombstone, paused_gc
from exporter.package import PackagedNote, cloze_numbers
from exporter.rematch import rematch

REMOVED_TAG = "notedeck::removed"
"""Tag of tombstones; the student finds them in Anki with ``tag:notedeck::removed``."""
MISSING_ANSWER = (
    "<p><em>notedeck: this card was removed from the notes. Its last answer was not "
    "available when this package was built.</em></p>"
)

Recover = Callable[[Sequence[LockEntry]], Mapping[str, PackagedNote]]
"""Given the cards that disappeared, the notes of the previous package by GUID."""


@dataclass(frozen=True)
class Plan:
    """What one build sends to Anki and remembers in the lock."""

    notes: tuple[PackagedNote, ...]
    """One per card, in notes order (``due`` = position)."""
    tombstones: tuple[Tombstone, ...]
    """Cards that left the notes, sorted by key; see :func:`tombstone_note`."""
    note_type_mod: int
    lock: Lock
    rematches: tuple[tuple[str, str], ...] = ()
    """``(old question, new question)`` for every card that kept its history."""
    warnings: tuple[NoteWarning, ...] = ()
    unrecovered: int = 0
    """Tombstones created without their last content (previous package missing)."""
    content: tuple[str, ...] = ()
    """:func:`content_hash` of each of ``notes`` (what tells two packages apart cheaply)."""


def plan(
    cards: Sequence[Card],
    decks: Sequence[str],
    *,
    deck_id: int,
    root_deck: str,
    previous: Lock | None,
    now: int,
    fingerprint: str,
    recover: Recover = lambda gone: {},
    content: Sequence[str] = (),
    fingerprints: Mapping[NoteFamily, str] | None = None,
    times: Mapping[str, tuple[str, int]] | None = None,
    renamed_from: str | None = None,
) -> Plan:
    """Identities and times for ``cards`` (``decks[i]`` is the Anki deck of ``cards[i]``).

    ``content[i]``, when given and not empty, is the :func:`content_hash` of
    ``cards[i]`` in ``decks[i]``, already computed where the notes were parsed.
    ``fingerprint`` is the basic note type's; ``fingerprints`` those of the
    others by family (see :func:`combined_fingerprint`).
    ``times`` (GUID → content hash and time, from the previous package) keeps
    the package's time for a card whose content did not change when the lock
    does not know better (``--reset-lock``, ``--no-lock``). ``renamed_from`` is
    the deck's previous name: a card that differs from the lock only by it is
    unchanged, since an import never moves existing cards to another deck.
    """
    changes = _Changes(times or {}, renamed_from, root_deck)
    with paused_gc():
        result = _plan(cards, decks, deck_id, root_deck, previous, now, recover, content, changes)
        families = {FAMILY_OF_KIND[k] for k in set(map(_KIND, cards))}
        families |= {key_family(t.key) for t in result.tombstones}
        combined = combined_fingerprint(fingerprint, fingerprints, families)
        return with_note_type(result, previous, combined, now)


def _plan(
    cards: Sequence[Card],
    decks: Sequence[str],
    deck_id: int,
    root_deck: str,
    previous: Lock | None,
    now: int,
    recover: Recover,
    content: Sequence[str],
    changes: _Changes,
) -> Plan:
    """The plan, its note type fingerprint and time still to be set by :func:`with_note_type`."""
    keys, warnings = unique_keys(cards)
    known = content if len(content) == len(cards) else [""] * len(cards)
    hashes = [
        h or content_hash(c.question, c.context, c.answer, c.tags, d)
        for c, d, h in zip(cards, decks, known, strict=True)
    ]
    old = previous or Lock(deck_id, "", now, ())
    match = _match(keys, old)
    gone, rematches = _continue_gone(cards, keys, match, [e for e in old.cards if e.key not in match.used])
    entries = _entries(cards, keys, hashes, match.found, deck_id, now, (*old.removed, *gone))
    family_of = FAMILY_OF_KIND  # a table, not a call per card: 50,000 per build
    if changes.active:
        entries = [changes.time_of(e, match.found.get(i), cards[i], decks[i]) for i, e in enumerate(entries)]
    notes = tuple(
        _new_tuple(
            PackagedNote,
            (
                e.guid,
                c.question,
                c.context,
                c.answer,
                f"{c.source}:{c.line}",
                c.tags,
                d,
                e.mod,
                i,
                family_of[c.kind],
            ),
        )
        for i, (c, d, e) in enumerate(zip(cards, decks, entries, strict=True))
    )
    kept = [t for t in old.removed if t.key not in match.used]
    fresh, unrecovered = _bury(gone, recover(gone) if gone else {}, root_deck, now)
    tombstones = tuple(sorted((*kept, *fresh)))
    lock = Lock(deck_id, "", 0, tuple(sorted(entries)), tombstones, root_deck)
    warnings += cardless_warnings(cards)
    return Plan(notes, tombstones, 0, lock, tuple(rematches), tuple(warnings), unrecovered, tuple(hashes))


def cardless_warnings(cards: Sequence[Card]) -> list[NoteWarning]:
    """A warning for each cloze card Anki would make no card of (no ``{{c1::…}}`` it can read).

    The note is still sent (its identity stays, and a deletion added later
    gives it a card), but the student would never see it: say so.
    """
    if "cloze" not in set(map(_KIND, cards)):
        return []
    return [
        NoteWarning(
            c.source,
            c.line,
            "cloze card without a deletion Anki can read, so Anki shows no card for it — "
            "mark the hidden text as {{c1::text}}",
        )
        for c in cards
        if c.kind == "cloze" and not cloze_numbers(c.question)
    ]


def with_note_type(plan: Plan, previous: Lock | None, fingerprint: str, now: int) -> Plan:
    """``plan`` with the note types' fingerprint and time (moved forward when the fingerprint changed)."""
    nt_mod = _note_type_mod(previous, fingerprint, now)
    lock = plan.lock._replace(note_type_fingerprint=fingerprint, note_type_mod=nt_mod)
    return replace(plan, note_type_mod=nt_mod, lock=lock)


def combined_fingerprint(
    basic: str, others: Mapping[NoteFamily, str] | None, families: Iterable[NoteFamily]
) -> str:
    """The fingerprint the lock records for the note types a package uses.

    Only ``basic`` when the package has basic notes alone: a deck that never
    used cloze or reversed cards keeps the fingerprint, note type time and
    package bytes earlier notedecks gave it. Otherwise a hash over the
    fingerprints of every family used, so a change to any of their templates
    moves the note types' time forward (ANKI_FACTS 7).
    """
    extra = sorted(set(families) - {"basic"})
    if not extra:
        return basic
    known = others or {}
    text = "\x1e".join((basic, *(f"{family}:{known.get(family, '')}" for family in extra)))
    return hashlib.sha256(text.encode()).hexdigest()


def _continue_gone(
    cards: Sequence[Card], keys: Sequence[str], match: _Match, gone: list[LockEntry]
) -> tuple[list[LockEntry], list[tuple[str, str]]]:
    """Let new cards continue cards that disappeared: same question text first, then a similar key.

    Updates ``match.found``; returns the cards still gone (the new tombstones)
    and ``(old question, new question)`` for each rewording.
    """
    continued: set[int] = set()
    # Generated exercise cards are the same exercise only while their key (the model's
    # code and the layer) is the same: a changed model is a new exercise.
    written = [i for i in match.unmatched if cards[i].kind != "generated"]
    rematches: list[tuple[str, str]] = []
    # A card continues only a card of its own note type: Anki cannot change a note's type.
    for family in sorted({note_family(cards[i].kind) for i in written}):
        mine = [i for i in written if note_family(cards[i].kind) == family]
        theirs = [j for j in range(len(gone)) if key_family(gone[j].key) == family]
        _continue_family(cards, keys, match, gone, mine, theirs, continued, rematches)
    return [e for j, e in enumerate(gone) if j not in continued], rematches


def _continue_family(
    cards: Sequence[Card],
    keys: Sequence[str],
    match: _Match,
    gone: Sequence[LockEntry],
    written: Sequence[int],
    theirs: Sequence[int],
    continued: set[int],
    rematches: list[tuple[str, str]],
) -> None:
    """:func:`_continue_gone` for the cards ``written`` and the gone entries ``theirs`` of one note family."""
    if not written or not theirs:
        return
    for index, j in _same_text(cards, written, [gone[j] for j in theirs]):
        match.found[index] = gone[theirs[j]]
        continued.add(theirs[j])
    waiting = [i for i in written if i not in match.found]
    candidates = [j for j in theirs if j not in continued]
    # Keys without their family mark: a shared suffix would make any two keys look alike.
    wanted = [split_identity(keys[i])[0] for i in waiting]
    for i, j, _ in rematch(wanted, [split_identity(gone[j].key)[0] for j in candidates]):
        index, entry = waiting[i], gone[candidates[j]]
        match.found[index] = entry
        continued.add(candidates[j])
        rematches.append((entry.text, plain_text(cards[index].question)))


def _same_text(
    cards: Sequence[Card], unmatched: Sequence[int], gone: Sequence[LockEntry]
) -> list[tuple[int, int]]:
    """New keys whose question reads exactly like a disappeared card's: an id pinned, renamed or unpinned.

    Returns ``(card index, index in gone)`` pairs; a text shared by several
    cards or entries is left to the similarity match.
    """
    if not unmatched or not gone:
        return []
    texts: dict[str, list[int]] = {}
    for j, entry in enumerate(gone):
        texts.setdefault(normalise_question(entry.text), []).append(j)
    wanted: dict[str, list[int]] = {}
    for index in unmatched:
        wanted.setdefault(normalise_question(plain_text(cards[index].question)), []).append(index)
    return [
        (indexes[0], texts[text][0])
        for text, indexes in wanted.items()
        if len(indexes) == 1 and len(texts.get(text, ())) == 1
    ]


def _entries(
    cards: Sequence[Card],
    keys: Sequence[str],
    hashes: Sequence[str],
    found: Mapping[int, LockEntry | Tombstone],
    deck_id: int,
    now: int,
    leaving: Sequence[LockEntry | Tombstone],
) -> list[LockEntry]:
    """The lock entry of each card: kept GUID and time when the content is the same."""
    entries = []
    taken: set[str] | None = None  # GUIDs in use, only computed when a new card needs one
    for index, card in enumerate(cards):
        before = found.get(index)
        digest = hashes[index]
        if type(before) is LockEntry and before.hash == digest:
            entries.append(before if before.key == keys[index] else before._replace(key=keys[index]))
            continue
        text = plain_text(card.question)
        if before is None:
            if taken is None:
                taken = {e.guid for e in found.values()} | {e.guid for e in leaving}
            entries.append(LockEntry(keys[index], fresh_guid(deck_id, keys[index], taken), now, digest, text))
        else:
            entries.append(LockEntry(keys[index], before.guid, max(now, before.mod + 1), digest, text))
    return entries


@dataclass(frozen=True)
class _Changes:
    """What else tells that a card's content did not change, besides the lock's hash."""

    times: Mapping[str, tuple[str, int]]
    renamed_from: str | None
    root_deck: str

    @property
    def active(self) -> bool:
        return bool(self.times) or self.renamed_from is not None

    def time_of(
        self, entry: LockEntry, before: LockEntry | Tombstone | None, card: Card, deck: str
    ) -> LockEntry:
        """``entry`` with the time it had, if only the deck's name or the lock's state changed."""
        if before is not None and entry.mod == before.mod:
            return entry  # unchanged already
        shipped = self.times.get(entry.guid)
        if shipped is not None and shipped[0] == entry.hash and shipped[1] >= (before.mod if before else 0):
            return entry._replace(mod=shipped[1])
        if type(before) is LockEntry and self.renamed_from is not None:
            old_deck = self.renamed_from + deck[len(self.root_deck) :]
            if content_hash(card.question, card.context, card.answer, card.tags, old_deck) == before.hash:
                return entry._replace(mod=before.mod)
        return entry


@dataclass
class _Match:
    found: dict[int, LockEntry | Tombstone]
    """Card index → the lock entry (or tombstone) it continues."""
    unmatched: list[int]
    used: set[str]
    """Lock keys continued by a card with the same key."""


def _match(keys: Sequence[str], old: Lock) -> _Match:
    live = {e.key: e for e in old.cards}
    dead = {t.key: t for t in old.removed}
    found: dict[int, LockEntry | Tombstone] = {}
    unmatched = []
    for index, key in enumerate(keys):
        before: LockEntry | Tombstone | None = live.get(key) or dead.get(key)
        if before is None:
            unmatched.append(index)
        else:
            found[index] = before
    return _Match(found, unmatched, {keys[i] for i in found})


def _bury(
    gone: Sequence[LockEntry], last: Mapping[str, PackagedNote], root_deck: str, now: int
) -> tuple[list[Tombstone], int]:
    """Tombstones for the cards that just disappeared, with their last content when known."""
    result = []
    missing = 0
    for entry in gone:
        note = last.get(entry.guid)
        mod = max(now, entry.mod + 1)
        if (
            note is not None
            and content_hash(note.question, note.context, note.answer, note.tags, note.deck) == entry.hash
        ):
            result.append(
                Tombstone(
                    entry.key,
                    entry.guid,
                    mod,
                    note.deck,
                    note.tags,
                    note.source,
                    note.question,
                    note.context,
                    note.answer,
                )
            )
        else:
            missing += 1
            question = html.escape(entry.text or split_identity(entry.key)[0], quote=False)
            result.append(
                Tombstone(entry.key, entry.guid, mod, root_deck, (), "", question, "", MISSING_ANSWER)
            )
    return result, missing


def tombstone_note(tombstone: Tombstone, due: int) -> PackagedNote:
    """The package note of a tombstone: last content, only the ``notedeck::removed`` tag.

    It keeps the note type it had alive (the family in its key): Anki matches
    the GUID and cannot change the type.
    """
    t = tombstone
    family = key_family(t.key)
    return PackagedNote(
        t.guid, t.question, t.context, t.answer, t.source, (REMOVED_TAG,), t.deck, t.mod, due, family
    )


def notes_summary(notes: Sequence[PackagedNote], content: Sequence[str]) -> bytes:
    """A digest of ``notes`` from their content hashes (``content[i]`` belongs to ``notes[i]``).

    Equal digests mean equal notes, as far as the 64-bit content hashes tell,
    at a tenth of the cost of hashing every field of 50,000 notes again.
    """
    rows = [
        (n.guid, fields, n.source, n.mod, n.due, n.family) for n, fields in zip(notes, content, strict=True)
    ]
    return hashlib.sha256(marshal.dumps(rows, 2)).digest()  # version 2: equal rows, equal bytes


def _note_type_mod(previous: Lock | None, fingerprint: str, now: int) -> int:
    if previous is None:
        return now
    if previous.note_type_fingerprint == fingerprint:
        return previous.note_type_mod
    return max(now, previous.note_type_mod + 1)


def unique_keys(cards: Sequence[Card]) -> tuple[list[str], list[NoteWarning]]:
    """Each card's identity key, unique in the deck: a repeat gets `` #2``, `` #3`` … by order.

    The parser already does this inside one notes file; this covers the same
    question in two files of a deck. Returns the keys and a warning for each
    repeat naming where the question first appeared.
    """
    # Basic cards (nearly all) use their key as it is: see cards.ids.identity_key.
    if set(map(_KIND, cards)) <= _BASIC_KINDS:
        idents = list(map(_KEY, cards))
    else:
        idents = [c.key if c.kind in _BASIC_KINDS else identity_key(c.key, c.kind) for c in cards]
    taken = set(idents)
    if len(taken) == len(cards):
        return idents, []
    first: dict[str, Card] = {}
    count: dict[str, int] = {}
    keys = []
    warnings = []
    for card, ident in zip(cards, idents, strict=True):
        if ident not in first:
            first[ident] = card
            count[ident] = 1
            keys.append(ident)
            continue
        n = count[ident]
        key = ident
        while key in taken:
            n += 1
            key = identity_key(f"{card.key} #{n}", card.kind)
        count[ident] = n
        taken.add(key)
        keys.append(key)
        warnings.append(
            NoteWarning(
                card.source,
                card.line,
                f"same question as {first[ident].location} — reword one or pin an id with "
                "<!-- card id: NAME --> (until then the copies keep their identities by order)",
            )
        )
    return keys, warnings


_BASIC_KINDS = frozenset(("basic", "multiple-choice", "generated"))
_KIND = operator.attrgetter("kind")
_KEY = operator.attrgetter("key")


def fresh_guid(deck_id: int, key: str, taken: set[str]) -> str:
    """``guid_for(deck_id, key)``, or a derived one if a kept identity already uses it."""
    guid = guid_for(deck_id, key)
    n = 2
    while guid in taken:
        guid = guid_for(deck_id, f"{key}\x1f{n}")
        n += 1
    taken.add(guid)
    return guid


def content_hash(question: str, context: str, answer: str, tags: Sequence[str], deck: str) -> str:
    """Hash of what a note shows in Anki, minus the ``file:line`` Source.

    The Source line moves whenever something is added above a card; counting
    it would rewrite (and undo the student's Anki edits to) every note below.
    Source is refreshed whenever the note changes for another reason.
    """
    text = "\x1f".join((question, context, answer, "\x1e".join(tags), deck))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_new_tuple = tuple.__new__  # a named tuple without its generated __new__: 50,000 per build
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_text(fragment: str) -> str:
    """A rendered HTML fragment as one line of plain text (for messages and the lock)."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", fragment))).strip()
