"""Flashcard markup from notes to the real Anki engine, and regenerated after edits.

tests/test_markup.py checks what the reader makes of the plugins' syntax;
here the whole way is taken: notes files → ``build`` → import → every card
rendered, then the notes are edited the way a student would and the deck
rebuilt over the same collection.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exporter.build import build_deck
from exporter.config import load_deck_config
from exporter.package import CLOZE_TYPE_ID, NOTE_TYPE_ID, REVERSED_TYPE_ID
from exporter.regen import REMOVED_TAG
from tests.anki_engine import collection, import_package
from tests.kinds_support import assert_renders
from tests.regen_support import import_counts

OBSIDIAN = """\
---
tags: [flashcards/biology]
---
# Cells

What is the powerhouse of the cell?::The mitochondrion
<!--SR:!2024-01-02,3,250-->

Osmosis:::diffusion of water through a membrane

Ribosome
??
Where proteins are made

The ==cell membrane== controls what enters and ==leaves==.
"""
TO_ANKI = """\
START
Cloze
Text: The variance of {{c1::W(t)}} is {{c2::t}}.
END
"""
PLAIN = """\
## Anatomy

The heart has {{c1::four::number}} chambers.
"""


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Vault]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vault.yaml").write_text(
        "name: Vault\nid: 1733000000999\nnotes: [obsidian.md, to_anki.md, plain.md]\n", encoding="utf-8"
    )
    for name, text in (("obsidian.md", OBSIDIAN), ("to_anki.md", TO_ANKI), ("plain.md", PLAIN)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    with collection(tmp_path / "collection.anki2") as col:
        ready = Vault(tmp_path, col, int(time.time()))
        ready.rebuild()
        yield ready


class Vault:
    """Notes files with flashcard markup, their deck, a clock and the student's collection."""

    def __init__(self, folder: Path, col: Any, now: int) -> None:
        self.folder, self.col, self.now = folder, col, now

    def rebuild(self) -> dict[str, int]:
        self.now += 1
        build_deck(load_deck_config(self.folder / "vault.yaml"), self.folder / "out", now=self.now)
        log = import_package(self.col, self.folder / "out" / "vault.apkg")
        for card_id in self.col.find_cards(""):
            assert_renders(self.col.get_card(card_id))
        return log

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1
        path.write_text(text.replace(old, new), encoding="utf-8")

    def note(self, fragment: str) -> Any:
        found = [
            n for n in (self.col.get_note(i) for i in self.col.find_notes("")) if fragment in n.fields[0]
        ]
        assert len(found) == 1, f"{len(found)} notes contain {fragment!r}"
        return found[0]

    def review(self, note: Any) -> dict[int, tuple[int, int, int]]:
        """Answer every card of ``note`` (v3 scheduler, good); their states afterwards."""
        states = {}
        for each in note.cards():
            each.start_timer()
            self.col.sched.answerCard(each, 3)
            done = self.col.get_card(each.id)
            states[done.id] = (done.type, done.due, done.reps)
        return states

    def kept(self, states: dict[int, tuple[int, int, int]]) -> bool:
        return all(
            (c.type, c.due, c.reps) == state
            for c, state in ((self.col.get_card(i), s) for i, s in states.items())
        )


def test_every_markup_card_reaches_anki_in_its_note_type_and_renders(vault: Vault) -> None:
    notes = [vault.col.get_note(i) for i in vault.col.find_notes("")]
    types = Counter(n.mid for n in notes)
    assert types == {NOTE_TYPE_ID: 1, REVERSED_TYPE_ID: 2, CLOZE_TYPE_ID: 3}
    cards = Counter(vault.col.get_card(i).note().mid for i in vault.col.find_cards(""))
    assert cards == {NOTE_TYPE_ID: 1, REVERSED_TYPE_ID: 4, CLOZE_TYPE_ID: 5}  # 2 + 2 + 1 deletions
    heart = vault.note("heart")
    (only,) = heart.cards()
    assert "[number]" in only.render_output().question_text


def test_a_new_highlight_adds_a_card_to_the_same_note_and_keeps_reviews(vault: Vault) -> None:
    membrane = vault.note("cell membrane")
    states = vault.review(membrane)
    vault.edit("obsidian.md", "controls what enters", "controls what ==enters==")
    new, updated, _ = import_counts(vault.rebuild())
    assert (new, updated) == (0, 1)
    again = vault.note("cell membrane")
    assert again.id == membrane.id and len(again.cards()) == 3
    assert vault.kept(states)


def test_an_edited_cloze_sentence_keeps_its_note_and_reviews(vault: Vault) -> None:
    heart = vault.note("heart")
    states = vault.review(heart)
    vault.edit("plain.md", "The heart has", "The human heart has")
    new, updated, _ = import_counts(vault.rebuild())
    assert (new, updated) == (0, 1)
    assert vault.note("human heart").id == heart.id and vault.kept(states)


def test_a_reversed_card_made_one_way_is_a_new_note_and_the_old_one_a_tombstone(vault: Vault) -> None:
    osmosis = vault.note("Osmosis")
    states = vault.review(osmosis)
    vault.edit("obsidian.md", "Osmosis:::diffusion", "Osmosis::diffusion")
    new, updated, _ = import_counts(vault.rebuild())
    assert (new, updated) == (1, 1)
    notes = [vault.col.get_note(i) for i in vault.col.find_notes("Osmosis")]
    assert sorted((n.mid, n.tags == [REMOVED_TAG]) for n in notes) == [
        (NOTE_TYPE_ID, False),
        (REVERSED_TYPE_ID, True),
    ]
    assert vault.kept(states)  # the tombstone keeps both reviewed cards


def test_removing_the_markup_makes_the_cloze_a_tombstone(vault: Vault) -> None:
    heart = vault.note("heart")
    vault.edit("plain.md", "{{c1::four::number}}", "four")
    new, updated, _ = import_counts(vault.rebuild())
    assert (new, updated) == (0, 1)
    gone = vault.note("heart")
    assert gone.id == heart.id and gone.tags == [REMOVED_TAG] and gone.mid == CLOZE_TYPE_ID
