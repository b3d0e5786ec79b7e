"""Identities of cards of every kind: the plan alone, no files, no engine.

Basic, multiple-choice and generated cards keep exactly the identities (and
the note type fingerprint) every earlier notedeck gave them; cloze and
reversed cards carry their note type in their identity.
"""

from __future__ import annotations

from cards import Card, guid_for
from cards.ids import identity_key, key_family, split_identity
from cards.model import CardKind, note_family
from exporter.regen import Plan, combined_fingerprint, plan, tombstone_note, unique_keys

DECK = 42
T = 1_800_000_000
FINGERPRINTS = {"basic": "b", "cloze": "c", "reversed": "r"}


def card(question: str, kind: CardKind = "basic", key: str = "", line: int = 1) -> Card:
    return Card(question, "A.", key or question.casefold(), kind=kind, source="n.md", line=line)


def run(cards: list[Card], previous: Plan | None = None, now: int = T, **kw: object) -> Plan:
    return plan(
        cards,
        ["D"] * len(cards),
        deck_id=DECK,
        root_deck="D",
        previous=previous.lock if previous else None,
        now=now,
        fingerprint=str(kw.pop("fingerprint", "b")),
        fingerprints=kw.pop("fingerprints", FINGERPRINTS),  # type: ignore[arg-type]
    )


def test_basic_kinds_keep_the_guid_of_their_key() -> None:
    cards = [card("Q1?"), card("Q2?", "multiple-choice"), card("Q3?", "generated", key="model:x")]
    result = run(cards)
    assert [n.guid for n in result.notes] == [guid_for(DECK, c.key) for c in cards]
    assert [e.key for e in sorted(result.lock.cards, key=lambda e: e.text)] == ["q1?", "q2?", "model:x"]
    assert {n.family for n in result.notes} == {"basic"}


def test_cloze_and_reversed_identities_carry_their_note_type() -> None:
    for kind in ("cloze", "reversed"):
        ident = identity_key("k", kind)
        assert ident != "k" and key_family(ident) == kind and split_identity(ident) == ("k", kind)
        (note,) = run([card("{{c1::x}} y", kind, key="k")]).notes
        assert note.guid == guid_for(DECK, ident) != guid_for(DECK, "k")
        assert note.family == note_family(kind) == kind
    for kind in ("basic", "multiple-choice", "generated"):
        assert identity_key("k", kind) == "k" and key_family("k") == "basic"


def test_same_key_in_two_note_types_is_two_cards_without_a_repeat_warning() -> None:
    cards = [card("{{c1::Paris}} is big", "cloze", key="paris"), card("Paris?", key="paris")]
    keys, warnings = unique_keys(cards)
    assert keys == ["paris\x1ecloze", "paris"] and warnings == []


def test_a_repeated_cloze_key_is_numbered_and_stays_a_cloze() -> None:
    cards = [card("{{c1::a}} b", "cloze", key="k"), card("{{c1::a}} b", "cloze", key="k", line=9)]
    keys, warnings = unique_keys(cards)
    assert keys == ["k\x1ecloze", "k #2\x1ecloze"]
    assert [key_family(k) for k in keys] == ["cloze", "cloze"]
    assert len(warnings) == 1 and warnings[0].line == 9


def test_tombstone_keeps_its_note_type() -> None:
    first = run([card("{{c1::a}} b", "cloze", key="k"), card("Q?")])
    later = run([card("Q?")], previous=first, now=T + 10)
    (tomb,) = later.tombstones
    assert tomb.guid == first.notes[0].guid
    assert tombstone_note(tomb, 5).family == "cloze"


def test_cloze_without_a_deletion_is_sent_with_a_warning() -> None:
    result = run([card("No deletion here", "cloze", line=4), card("{{c1::One}} here", "cloze", line=6)])
    assert len(result.notes) == 2
    assert [(w.line, "{{c1::text}}" in w.message) for w in result.warnings] == [(4, True)]


def test_a_deck_of_basic_cards_keeps_its_note_type_fingerprint() -> None:
    basic = run([card("Q?")])
    assert basic.lock.note_type_fingerprint == "b"  # what earlier notedecks wrote: no upgrade churn
    mixed = run([card("Q?"), card("{{c1::a}}", "cloze")], previous=basic, now=T + 5)
    assert mixed.lock.note_type_fingerprint == combined_fingerprint("b", FINGERPRINTS, ["basic", "cloze"])
    assert mixed.note_type_mod == T + 5  # the new note type's templates reach Anki
    same = run([card("Q?"), card("{{c1::a}}", "cloze")], previous=mixed, now=T + 9)
    assert same.note_type_mod == T + 5
    restyled = {**FINGERPRINTS, "cloze": "c2"}
    changed = run([card("Q?"), card("{{c1::a}}", "cloze")], previous=same, now=T + 20, fingerprints=restyled)
    assert changed.note_type_mod == T + 20
    # A reversed style change does not concern a deck without reversed cards.
    other = {**FINGERPRINTS, "reversed": "r2"}
    cards = [card("Q?"), card("{{c1::a}}", "cloze")]
    assert run(cards, previous=same, now=T + 30, fingerprints=other) == same


def test_removed_cloze_cards_keep_their_note_type_in_the_fingerprint() -> None:
    first = run([card("Q?"), card("{{c1::a}}", "cloze")])
    later = run([card("Q?")], previous=first, now=T + 5)
    assert later.lock.note_type_fingerprint == first.lock.note_type_fingerprint
    assert later.note_type_mod == first.note_type_mod
