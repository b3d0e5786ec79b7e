"""Notes are written to the collection in bulk: the same rows genanki writes, read right by Anki."""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import genanki

from exporter.package import (
    CLOZE_TYPE_ID,
    NOTE_TYPE_ID,
    REVERSED_TYPE_ID,
    PackagedNote,
    _note_type,
    _write_collection,
    deck_id_for,
    read_apkg,
    write_apkg,
)
from tests.anki_engine import collection, import_package
from tests.test_package import ROOT, build

NOTES = [
    PackagedNote("g1", "Q1?", "", "A1", "n.md:1", ("D::One",), "D::One", 1_700_000_000, 0),
    PackagedNote("g2", "Q2?", "<p>ctx</p>", "A2", "n.md:5", (), "D", 1_700_000_005, 1),
    PackagedNote("g3", "Q3?", "", "A3", "n.md:9", ("D::One", "exam"), "D::One", 1_700_000_009, 2),
    PackagedNote("g4", "Q4?", "", "A4", "m.md:2", ("D::Two",), "D::Two", 1_700_000_000, 3),
]


KINDS = [
    *NOTES[:2],
    PackagedNote("c1", "A {{c2::b}} {{c1::c::hint}}", "", "x", "n.md:12", (), "D", 1_700_000_012, 2, "cloze"),
    PackagedNote("r1", "Hund", "<p>de</p>", "dog", "n.md:14", (), "D::One", 1_700_000_014, 3, "reversed"),
    PackagedNote("r2", "Katze", "", "", "n.md:16", (), "D", 1_700_000_016, 4, "reversed"),
    *NOTES[2:],
]
"""Every note type; the second reversed note has no back, so no back-to-front card."""


def genanki_rows(db: Path, deck_id: int, deck_name: str, notes: list[PackagedNote]) -> None:
    """The collection as genanki writes it note by note, each note with its own time."""
    decks = {deck_name: genanki.Deck(deck_id, deck_name)}
    decks[deck_name].add_model(_note_type())
    for family in sorted({n.family for n in notes} - {"basic"}):
        decks[deck_name].add_model(_note_type(family))
    for note in notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id_for(deck_id, note.deck, deck_name), note.deck)
    conn = sqlite3.connect(db)
    cursor = conn.cursor()
    id_gen = itertools.count(min(n.mod for n in notes) * 1000)
    genanki.Package(list(decks.values())).write_to_db(cursor, 1_700_000_000, id_gen)
    for name, deck in decks.items():
        for note in (n for n in notes if n.deck == name):
            fields = [note.question, note.context, note.answer, note.source]
            g_note = genanki.Note(
                _note_type(note.family),
                fields,
                guid=note.guid,
                tags=list(note.tags),
                due=note.due,
                sort_field=note.question,
            )
            g_note.write_to_db(cursor, note.mod, deck.deck_id, id_gen)
    conn.commit()
    conn.close()


def table(db: Path, name: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()
    finally:
        conn.close()


def schema(db: Path) -> set[tuple[str, str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall())
    finally:
        conn.close()


def test_bulk_rows_equal_genanki_note_by_note(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.anki2", tmp_path / "theirs.anki2"
    _write_collection(ours, 7, "D", NOTES, 1_700_000_000)
    genanki_rows(theirs, 7, "D", NOTES)
    for name in ("notes", "cards", "col"):
        assert table(ours, name) == table(theirs, name)
    # The same tables and indexes (ours are built after the rows go in).
    assert schema(ours) == schema(theirs)
    assert {row[2] for row in table(ours, "notes")} == {NOTE_TYPE_ID}


def test_bulk_rows_of_every_note_type_equal_genanki_note_by_note(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.anki2", tmp_path / "theirs.anki2"
    _write_collection(ours, 7, "D", KINDS, 1_700_000_000)
    genanki_rows(theirs, 7, "D", KINDS)
    for name in ("notes", "cards", "col"):
        assert table(ours, name) == table(theirs, name)
    assert {row[2] for row in table(ours, "notes")} == {NOTE_TYPE_ID, CLOZE_TYPE_ID, REVERSED_TYPE_ID}
    ords = [(row[1], row[3]) for row in table(ours, "cards")]  # (note id, ord)
    assert len(ords) == len(KINDS) + 1 + 1  # c1 and c2; Hund both ways; Katze one way


def test_read_apkg_gives_back_every_note_type_once(tmp_path: Path) -> None:
    write_apkg(tmp_path / "k.apkg", deck_id=7, deck_name="D", notes=KINDS, note_type_mod=1_700_000_000)
    back = read_apkg(tmp_path / "k.apkg")
    assert len(back) == len(KINDS) and {n.guid: n for n in back} == {n.guid: n for n in KINDS}


def test_chapter_subdecks_import_with_every_card_in_its_chapter(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", decks, ignore=shutil.ignore_patterns("*.lock.json", ".notedeck-cache"))
    deck = decks / "anndl.yaml"
    deck.write_text(deck.read_text(encoding="utf-8") + "subdecks: chapter\n", encoding="utf-8")
    apkg = build(deck, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        log = import_package(col, apkg)
        card_ids = col.find_cards("")
        assert log["new"] == len(card_ids) == len(col.find_notes("")) > 50
        subdecks = set()
        for cid in card_ids:
            card = col.get_card(cid)
            name = col.decks.name(card.did)
            if name != "ANNDL":
                subdecks.add(name)
                tag = re.sub(r"\s+", "_", name)  # the chapter's tag, or one below it (…::exercise)
                assert any(t == tag or t.startswith(f"{tag}::") for t in card.note().tags)
        assert len(subdecks) > 3
