"""Random edit sequences on small notes, checked after every import into the real Anki engine.

A model keeps the truth: each card has a stable id (``uid``) that survives
answer edits, rewording, moves and chapter renames; deleting it makes it a
tombstone; adding it back revives it. After every import the collection must
show exactly that: one note per uid, the current content on live notes, the
removed tag on tombstones, reviews untouched, and an import log that updated
exactly the notes whose content changed (everything else ``duplicate``).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from exporter.build import build_deck
from exporter.config import load_deck_config
from exporter.lock import dump_lock, parse_lock
from exporter.regen import REMOVED_TAG, plain_text
from tests.anki_engine import import_package

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
"""Different first letters: two words of different questions are never typos of each other."""


@dataclass(frozen=True)
class ModelCard:
    uid: int
    words: tuple[str, str]
    really: bool
    answer: str
    chapter: str

    @property
    def question(self) -> str:
        return f"What is {'really ' if self.really else ''}{self.words[0]} {self.words[1]}?"

    @property
    def content(self) -> tuple[str, str, str]:
        return self.question, self.answer, self.chapter


def swap_letters(word: str) -> str:
    """A typo that keeps the first letter: the 2nd and 3rd letters swapped."""
    return word[0] + word[2] + word[1] + word[3:]


PAIRS = [(a, b) for a in WORDS for b in WORDS if a != b]
Snapshot = dict[int, tuple[tuple[str, str, str], bool]]
"""uid -> ((question, answer, chapter title), live) as sent in a package."""


class Regeneration(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        from anki.collection import Collection

        self.folder = Path(tempfile.mkdtemp(prefix="notedeck-regen-"))
        (self.folder / "deck.yaml").write_text("name: D\nid: 4242\nnotes: [notes.md]\n", encoding="utf-8")
        self.col: Any = Collection(str(self.folder / "collection.anki2"))
        self.now = int(time.time())
        self.cards: list[ModelCard] = []  # in notes order
        self.chapters = {"A": "A", "B": "B"}  # chapter slot -> current title
        self.dead: dict[int, ModelCard] = {}  # left the notes after being built: a tombstone
        self.next_uid = 0
        self.built: Snapshot | None = None  # the last package
        self.last_live: dict[int, tuple[str, str, str]] = {}  # uid -> content last built live
        self.last_card: dict[int, ModelCard] = {}  # uid -> the card as last built live
        self.touched: set[int] = set()  # uids whose package content changed since the last import
        self.imported: Snapshot = {}
        self.note_of: dict[int, int] = {}  # uid -> Anki note id, fixed at its first import
        self.reviewed: dict[int, tuple[int, int, int, int]] = {}
        self.old_lock: str | None = None

    def teardown(self) -> None:
        self.col.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- editing the notes -------------------------------------------------------------------

    def write_notes(self) -> None:
        parts = []
        for slot in ("A", "B"):
            parts.append(f"# {self.chapters[slot]}\n")
            parts.extend(f"## {c.question}\n\n{c.answer}\n" for c in self.cards if c.chapter == slot)
        (self.folder / "notes.md").write_text("\n".join(parts), encoding="utf-8")

    @initialize(n=st.integers(1, 4))
    def start(self, n: int) -> None:
        for i in range(n):
            self.add(chapter="AB"[i % 2])
        self.build_and_import(tick=1)

    @precondition(lambda self: self.next_uid < len(PAIRS))
    @rule(chapter=st.sampled_from("AB"))
    def add(self, chapter: str) -> None:
        uid = self.next_uid
        self.cards.append(ModelCard(uid, PAIRS[uid], False, f"Answer {uid}.", chapter))
        self.next_uid += 1

    @precondition(lambda self: self.dead)
    @rule(data=st.data())
    def add_back(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(self.dead)))
        self.cards.insert(0, self.dead.pop(uid))

    @precondition(lambda self: len(self.cards) > 1)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        gone = self.cards.pop(data.draw(st.integers(0, len(self.cards) - 1)))
        if gone.uid in self.last_card:  # it is in the lock: it becomes a tombstone
            self.dead[gone.uid] = self.last_card[gone.uid]  # as the lock knows it (and add_back restores it)

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), text=st.sampled_from(["Edited.", "Edited again.", "A longer, edited answer."]))
    def edit_answer(self, data: st.DataObject, text: str) -> None:
        i = data.draw(st.integers(0, len(self.cards) - 1))
        self.cards[i] = replace(self.cards[i], answer=f"{text} ({self.cards[i].uid})")

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), typo=st.booleans())
    def reword(self, data: st.DataObject, typo: bool) -> None:
        """A typo fixed or made (letters swapped), or the word "really" added or removed."""
        i = data.draw(st.integers(0, len(self.cards) - 1))
        c = self.cards[i]
        if typo:
            self.cards[i] = replace(c, words=(swap_letters(c.words[0]), c.words[1]))
        else:
            self.cards[i] = replace(c, really=not c.really)

    @precondition(lambda self: len(self.cards) > 1)
    @rule(data=st.data(), other_chapter=st.booleans())
    def move(self, data: st.DataObject, other_chapter: bool) -> None:
        c = self.cards.pop(data.draw(st.integers(0, len(self.cards) - 1)))
        if other_chapter:
            c = replace(c, chapter="B" if c.chapter == "A" else "A")
        self.cards.insert(data.draw(st.integers(0, len(self.cards))), c)

    @rule(slot=st.sampled_from("AB"))
    def rename_chapter(self, slot: str) -> None:
        self.chapters[slot] = slot if self.chapters[slot] != slot else f"{slot} renamed"

    # --- the lock file is a cache (issue 14) ---------------------------------------------------

    @precondition(lambda self: (self.folder / "deck.lock.json").exists())
    @rule()
    def lose_lock(self) -> None:
        """A fresh clone without the lock file: the last package stands in for it, losing nothing."""
        (self.folder / "deck.lock.json").unlink()

    @precondition(lambda self: (self.folder / "deck.lock.json").exists())
    @rule()
    def copy_lock(self) -> None:
        self.old_lock = (self.folder / "deck.lock.json").read_text(encoding="utf-8")

    @precondition(lambda self: self.old_lock is not None)
    @rule()
    def restore_old_lock(self) -> None:
        """An old lock back from git: the newer package brings it up to date, losing nothing."""
        assert self.old_lock is not None
        (self.folder / "deck.lock.json").write_text(self.old_lock, encoding="utf-8")

    # --- building, importing, studying ---------------------------------------------------------

    @rule(tick=st.sampled_from([0, 1]))
    def build(self, tick: int) -> None:
        """Build; ``tick=0`` builds in the same second as the build before."""
        self.now += tick
        self.write_notes()
        build_deck(load_deck_config(self.folder / "deck.yaml"), self.folder / "out", now=self.now)
        live = {c.uid: (c.question, c.answer, self.chapters[c.chapter]) for c in self.cards}
        # A tombstone shows the content its card had in the last package it was live in.
        snapshot: Snapshot = {u: (self.last_live[u], False) for u in self.dead}
        snapshot.update({u: (content, True) for u, content in live.items()})
        before = self.built or {}
        self.touched |= {u for u, sent in snapshot.items() if before.get(u) != sent}
        self.built = snapshot
        self.last_live.update(live)
        self.last_card.update({c.uid: c for c in self.cards})

    @rule(tick=st.sampled_from([0, 1]))
    def build_and_import(self, tick: int) -> None:
        self.build(tick)
        self.import_()

    @precondition(lambda self: self.built is not None)
    @rule()
    def import_(self) -> None:
        assert self.built is not None
        log = import_package(self.col, self.folder / "out" / "deck.apkg")
        new = {u for u in self.built if u not in self.imported}
        updated = {u for u in self.built if u in self.imported and u in self.touched}
        assert (log["new"], log["updated"], log["conflicting"]) == (len(new), len(updated), 0), (
            log,
            new,
            updated,
        )
        assert log["duplicate"] == len(self.built) - len(new) - len(updated)
        self.imported.update(self.built)
        self.touched = set()
        self.check_collection()

    @precondition(lambda self: any(c.uid in self.note_of for c in self.cards))
    @rule(data=st.data())
    def review(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(c.uid for c in self.cards if c.uid in self.note_of)))
        card = self.col.get_note(self.note_of[uid]).cards()[0]
        card.start_timer()
        self.col.sched.answerCard(card, 3)
        done = self.col.get_card(card.id)
        self.reviewed[done.id] = (done.type, done.due, done.ivl, done.reps)

    # --- what must hold --------------------------------------------------------------------

    def check_collection(self) -> None:
        notes = {nid: self.col.get_note(nid) for nid in self.col.find_notes("")}
        assert len(notes) == len(self.imported)  # one note per card ever sent: no duplicates
        for uid, ((question, answer, chapter), live) in self.imported.items():
            nid = self.note_of.get(uid) or self._find(notes, question)
            assert self.note_of.setdefault(uid, nid) == nid  # identity survives every edit
            note = notes[nid]
            assert plain_text(note["Question"]) == question
            assert plain_text(note["Answer"]) == answer
            if live:
                assert note.tags == [f"D::{chapter.replace(' ', '_')}"]
            else:
                assert note.tags == [REMOVED_TAG]
        for card_id, state in self.reviewed.items():
            card = self.col.get_card(card_id)
            assert (card.type, card.due, card.ivl, card.reps) == state

    @staticmethod
    def _find(notes: dict[int, Any], question: str) -> int:
        found = [nid for nid, note in notes.items() if plain_text(note["Question"]) == question]
        assert len(found) == 1, (question, found)
        return found[0]

    @invariant()
    def lock_round_trips(self) -> None:
        lock = self.folder / "deck.lock.json"
        if lock.exists():
            text = lock.read_text(encoding="utf-8")
            assert dump_lock(parse_lock(text, shown="lock")) == text


Regeneration.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRegeneration = Regeneration.TestCase
