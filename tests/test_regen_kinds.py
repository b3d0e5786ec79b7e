"""Regeneration of cloze and reversed cards through the real Anki engine.

The same promises as for basic cards (tests/test_regeneration.py): edits
update the note in place and keep its review history; plus what note types
add: a new deletion is a new card of the same note, and a card that changes
note type is a new note while the old one becomes a tombstone (Anki cannot
change a note's type on import, shared/ANKI_FACTS.md 8).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cards.model import CardKind
from exporter.build import LockMode
from exporter.package import CLOZE_TYPE_ID, NOTE_TYPE_ID, REVERSED_TYPE_ID
from exporter.regen import REMOVED_TAG
from tests.kinds_support import KindsDesk, card, kinds_desk
from tests.regen_support import import_counts

MITO = "The {{c1::mitochondrion}} is the {{c2::powerhouse}} of the cell."
OTHER = card("What is a ribosome?", "<p>A protein factory.</p>", line=20)
QUESTION = {"cloze": "The {{c1::mitochondrion}} makes energy.", "basic": "What does the mitochondrion make?"}
TYPE_ID = {"basic": NOTE_TYPE_ID, "cloze": CLOZE_TYPE_ID, "reversed": REVERSED_TYPE_ID}


@pytest.fixture
def kd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KindsDesk]:
    with kinds_desk(tmp_path, monkeypatch) as ready:
        yield ready


def mito(text: str = MITO, extra: str = "") -> object:
    return card(text, extra, "cloze", key="mitochondrion")


def test_edited_cloze_sentence_updates_the_note_and_keeps_its_history(kd: KindsDesk) -> None:
    kd.rebuild([mito(), OTHER])
    note = kd.note("mitochondrion")
    first = min(note.cards(), key=lambda c: c.ord)
    kd.review(first.id)
    edited = MITO.replace("of the cell", "of every eukaryotic cell")
    new, updated, duplicate = import_counts(kd.rebuild([mito(edited), OTHER]))
    assert (new, updated, duplicate) == (0, 1, 1)
    again = kd.note("mitochondrion")
    assert again.id == note.id and again["Text"] == edited
    assert first.id in kd.reviewed  # and kd.check() found its review state unchanged


def test_edited_extra_updates_the_note_in_place(kd: KindsDesk) -> None:
    kd.rebuild([mito(extra="<p>old</p>")])
    note = kd.note("mitochondrion")
    new, updated, _ = import_counts(kd.rebuild([mito(extra="<p>new</p>")]))
    assert (new, updated) == (0, 1)
    assert kd.note("mitochondrion").id == note.id and kd.note("mitochondrion")["Extra"] == "<p>new</p>"


def test_added_c3_keeps_the_note_and_adds_a_card(kd: KindsDesk) -> None:
    kd.rebuild([mito(), OTHER])
    note = kd.note("mitochondrion")
    reviewed = {c.id for c in note.cards()}
    for each in reviewed:
        kd.review(each)
    more = MITO.replace("cell.", "cell; it makes {{c3::ATP}}.")
    new, updated, _ = import_counts(kd.rebuild([mito(more), OTHER]))
    assert (new, updated) == (0, 1)
    again = kd.note("mitochondrion")
    assert again.id == note.id
    assert sorted(c.ord for c in again.cards()) == [0, 1, 2]
    assert reviewed < {c.id for c in again.cards()}  # the reviewed two kept (and their history: check())


def test_edited_reversed_card_keeps_both_cards_and_their_history(kd: KindsDesk) -> None:
    kd.rebuild([card("<p>Hund</p>", "<p>dog</p>", "reversed", key="hund")])
    note = kd.note("Hund")
    reviewed = sorted(c.id for c in note.cards())
    for each in reviewed:
        kd.review(each)
    edited = card("<p>Hund</p>", "<p>the dog</p>", "reversed", key="hund")
    new, updated, _ = import_counts(kd.rebuild([edited]))
    assert (new, updated) == (0, 1)
    again = kd.note("Hund")
    assert again.id == note.id and again["Back"] == "<p>the dog</p>"
    assert sorted(c.id for c in again.cards()) == reviewed  # kd.check(): with their history


@pytest.mark.parametrize(
    ("before", "after", "reworded"),
    [
        ("basic", "cloze", False),
        ("basic", "reversed", False),
        ("multiple-choice", "cloze", False),
        ("cloze", "basic", False),
        ("reversed", "cloze", False),
        ("basic", "reversed", True),  # a reworded question does not carry the old note over either
    ],
)
def test_a_card_that_changes_note_type_is_a_new_note_and_the_old_one_a_tombstone(
    kd: KindsDesk, before: CardKind, after: CardKind, reworded: bool
) -> None:
    # Basic and reversed cards with the same text and key: only the note type tells them apart.
    question = QUESTION.get(before, QUESTION["basic"])
    kd.rebuild([card(question, "<p>yes</p>", before, key=question.casefold() if reworded else "mito"), OTHER])
    old = kd.note("mitochondrion")
    assert old.mid == TYPE_ID[{"multiple-choice": "basic"}.get(before, before)]
    kd.review(min(old.cards(), key=lambda c: c.ord).id)
    question = QUESTION.get(after, QUESTION["basic"])
    changed = question.replace("mitochondrion make", "mitochondrion mainly make") if reworded else question
    # A reworded question keeps its note within a type (tests/test_regeneration.py), never across.
    key = changed.casefold() if reworded else "mito"
    log = kd.rebuild([card(changed, "<p>yes</p>", after, key=key), OTHER])
    new, updated, _ = import_counts(log)
    assert (new, updated) == (1, 1)  # the new note, and the old one retagged as a tombstone
    notes = kd.notes()
    assert notes[old.guid].tags == [REMOVED_TAG]
    assert notes[old.guid].mid == old.mid  # the tombstone keeps its note type: no conflict
    (fresh,) = [n for n in notes.values() if n.guid not in (old.guid, kd.note("ribosome").guid)]
    assert fresh.mid == TYPE_ID[after] and fresh.fields[0] == changed
    assert [t.guid for t in kd.lock().removed] == [old.guid]


def test_a_card_turned_back_to_its_first_type_gets_its_old_note_back(kd: KindsDesk) -> None:
    kd.rebuild([card("Mitochondrion?", "<p>yes</p>", key="mito")])
    old = kd.note("Mitochondrion")
    kd.review(old.cards()[0].id)
    kd.rebuild([card("The {{c1::Mitochondrion}}?", "", "cloze", key="mito")])
    cloze = kd.note("{{c1::Mitochondrion}}")
    new, updated, _ = import_counts(kd.rebuild([card("Mitochondrion?", "<p>yes</p>", key="mito")]))
    assert (new, updated) == (0, 2)  # the old note comes back, the cloze note is now the tombstone
    notes = kd.notes()
    assert REMOVED_TAG not in notes[old.guid].tags and notes[old.guid].mid == NOTE_TYPE_ID
    assert notes[cloze.guid].tags == [REMOVED_TAG] and notes[cloze.guid].mid == CLOZE_TYPE_ID


def test_removed_cloze_stays_a_cloze_tombstone_with_its_cards(kd: KindsDesk) -> None:
    kd.rebuild([mito(), OTHER])
    note = kd.note("mitochondrion")
    kd.review(note.cards()[0].id)
    new, updated, _ = import_counts(kd.rebuild([OTHER]))
    assert (new, updated) == (0, 1)
    gone = kd.note("mitochondrion")
    assert gone.id == note.id and gone.mid == CLOZE_TYPE_ID and gone.tags == [REMOVED_TAG]
    assert len(gone.cards()) == 2
    # A later build still sends it as a cloze note: nothing conflicts, nothing changes.
    new, updated, duplicate = import_counts(kd.rebuild([OTHER], tick=5))
    assert (new, updated, duplicate) == (0, 0, 2)


def test_removed_deletion_leaves_its_card_to_anki_s_empty_cards_tool(kd: KindsDesk) -> None:
    kd.rebuild([mito()])
    note = kd.note("mitochondrion")
    second = max(note.cards(), key=lambda c: c.ord)
    kd.review(second.id)
    fewer = MITO.replace("{{c2::powerhouse}}", "powerhouse")
    new, updated, _ = import_counts(kd.rebuild_unchecked([mito(fewer)]))
    assert (new, updated) == (0, 1)
    assert kd.note("mitochondrion")["Text"] == fewer
    # Import never deletes a card: the c2 card stays, with its reviews, and Anki lists it as empty.
    assert len(kd.note("mitochondrion").cards()) == 2
    assert kd.col.get_card(second.id).reps == kd.reviewed[second.id][3]
    (empty,) = kd.col.get_empty_cards().notes
    assert (empty.note_id, list(empty.card_ids)) == (note.id, [second.id])


def test_emptied_reversed_back_leaves_its_card_to_anki_s_empty_cards_tool(kd: KindsDesk) -> None:
    kd.rebuild([card("<p>Hund</p>", "<p>dog</p>", "reversed", key="hund")])
    note = kd.note("Hund")
    backward = max(note.cards(), key=lambda c: c.ord)
    new, updated, _ = import_counts(kd.rebuild_unchecked([card("<p>Hund</p>", "", "reversed", key="hund")]))
    assert (new, updated) == (0, 1)
    (empty,) = kd.col.get_empty_cards().notes
    assert (empty.note_id, list(empty.card_ids)) == (note.id, [backward.id])


def test_cloze_tombstone_without_the_previous_package_keeps_its_deletions(kd: KindsDesk) -> None:
    kd.rebuild([mito("The {{c1::<b>mitochondrion</b>}} is the {{c2::powerhouse}} of the cell."), OTHER])
    note = kd.note("mitochondrion")
    kd.apkg.unlink()  # the tombstone's last content cannot be recovered
    new, updated, _ = import_counts(kd.rebuild([OTHER]))  # kd.check(): both cards still render
    assert (new, updated) == (0, 1)
    gone = kd.note("mitochondrion")
    assert gone.id == note.id and gone.tags == [REMOVED_TAG]
    assert gone["Text"] == "The {{c1::mitochondrion}} is the {{c2::powerhouse}} of the cell."
    assert "was removed from the notes" in gone["Extra"]


@pytest.mark.parametrize("lock", ["reset", "off"])
def test_cloze_and_reversed_identities_come_from_their_keys_without_the_lock(
    kd: KindsDesk, lock: LockMode
) -> None:
    cards = [mito(), card("<p>Hund</p>", "<p>dog</p>", "reversed", key="hund"), OTHER]
    kd.rebuild(cards)
    before = set(kd.notes())
    log = kd.rebuild_unchecked(cards, tick=5, lock=lock)
    assert log["new"] == log["conflicting"] == 0
    assert set(kd.notes()) == before
