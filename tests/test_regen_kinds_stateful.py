"""Random sequences of kind changes and edits, checked after every import into the real Anki engine.

A model keeps the truth: a card is a ``uid`` plus its note type family; the
same uid in another family is another note (Anki cannot change a note's
type). After every import the collection must hold exactly one note per
(uid, family) ever built: the live ones with their current content, note
type and number of cards, the others tombstones; every reviewed card keeps its
state and log (:meth:`KindsDesk.check`); and the import log counts as new
exactly the identities never built before and as updated exactly those whose
package content changed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cards import Card
from cards.model import CardKind, NoteFamily, note_family
from exporter.package import CLOZE_TYPE_ID, NOTE_TYPE_ID, REVERSED_TYPE_ID, card_ords
from exporter.regen import REMOVED_TAG
from tests.kinds_support import KindsDesk, card, open_kinds_desk

WORDS = ["alpha", "bravo", "charlie", "delta"]
TYPE_ID = {"basic": NOTE_TYPE_ID, "cloze": CLOZE_TYPE_ID, "reversed": REVERSED_TYPE_ID}
KINDS: list[CardKind] = ["basic", "multiple-choice", "cloze", "reversed"]


@dataclass(frozen=True)
class ModelCard:
    uid: int
    kind: CardKind
    version: int = 0
    """Bumped by an edit (the cloze sentence or the question, and the answer)."""
    deletions: int = 1
    """Cloze deletions c1..cN (cloze cards only)."""

    @property
    def family(self) -> NoteFamily:
        return note_family(self.kind)

    @property
    def question(self) -> str:
        word = WORDS[self.uid]
        if self.kind == "cloze":
            more = "".join(f" and {{{{c{n}::{word}{n}}}}}" for n in range(2, self.deletions + 1))
            return f"The {{{{c1::{word}}}}} is v{self.version}{more}."
        return f"What is {word} v{self.version}?"

    @property
    def answer(self) -> str:
        return f"<p>Answer {self.uid}.{self.version}</p>"

    def card(self) -> Card:
        # A pinned id: the key stays whatever the edit, so only the family tells notes apart.
        return card(self.question, self.answer, self.kind, key=f"card-{self.uid}")


class KindChanges(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="notedeck-kinds-"))
        self.patch = pytest.MonkeyPatch()
        self.desk_context = open_kinds_desk(self.folder, self.patch, int(time.time()))
        self.desk: KindsDesk = self.desk_context.__enter__()
        self.cards: dict[int, ModelCard] = {}
        self.sent: dict[tuple[int, NoteFamily], tuple[str, str, bool]] = {}
        """(uid, family) → (question, answer, live) as in the last package."""
        self.deletions: dict[int, int] = {}
        """uid → most deletions its cloze ever had: fewer would leave empty cards (Anki's Empty Cards)."""

    def teardown(self) -> None:
        self.desk_context.__exit__(None, None, None)
        self.patch.undo()
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3))
    def start(self, kinds: list[CardKind]) -> None:
        self.cards = {uid: self.made(uid, kind) for uid, kind in enumerate(kinds)}
        self.build()

    def made(self, uid: int, kind: CardKind, version: int = 0) -> ModelCard:
        return ModelCard(uid, kind, version, self.deletions.get(uid, 1))

    @precondition(lambda self: len(self.cards) < len(WORDS))
    @rule(kind=st.sampled_from(KINDS), data=st.data())
    def add(self, kind: CardKind, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from([u for u in range(len(WORDS)) if u not in self.cards]))
        self.cards[uid] = self.made(uid, kind)

    @precondition(lambda self: len(self.cards) > 1)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        del self.cards[data.draw(st.sampled_from(sorted(self.cards)))]

    @precondition(lambda self: self.cards)
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        uid = data.draw(st.sampled_from(sorted(self.cards)))
        self.cards[uid] = replace(self.cards[uid], version=self.cards[uid].version + 1)

    @precondition(lambda self: self.cards)
    @rule(data=st.data(), kind=st.sampled_from(KINDS))
    def change_kind(self, data: st.DataObject, kind: CardKind) -> None:
        uid = data.draw(st.sampled_from(sorted(self.cards)))
        self.cards[uid] = self.made(uid, kind, self.cards[uid].version)

    @precondition(lambda self: any(c.kind == "cloze" and c.deletions < 3 for c in self.cards.values()))
    @rule(data=st.data())
    def add_deletion(self, data: st.DataObject) -> None:
        clozes = sorted(u for u, c in self.cards.items() if c.kind == "cloze" and c.deletions < 3)
        uid = data.draw(st.sampled_from(clozes))
        self.cards[uid] = replace(self.cards[uid], deletions=self.cards[uid].deletions + 1)
        self.deletions[uid] = self.cards[uid].deletions

    @rule(data=st.data())
    def review(self, data: st.DataObject) -> None:
        new = list(self.desk.col.find_cards("is:new"))
        if new:
            self.desk.review(data.draw(st.sampled_from(sorted(new))))

    @rule()
    def build(self) -> None:
        before = dict(self.sent)
        current = {(u, c.family): (c.question, c.answer, True) for u, c in self.cards.items()}
        after = {key: (q, a, False) for key, (q, a, _) in before.items()} | current
        log = self.desk.rebuild([self.cards[u].card() for u in sorted(self.cards)])
        assert log["conflicting"] == log["missing_notetype"] == 0
        assert log["new"] == len(set(after) - set(before))
        assert log["updated"] == sum(1 for key in before if before[key] != after[key])
        self.sent = after

    @invariant()
    def one_note_per_identity_with_its_type_and_cards(self) -> None:
        if not self.sent:
            return
        notes = self.desk.notes()
        assert len(notes) == len(self.sent)
        shown = {(n.fields[0], n.mid, REMOVED_TAG in n.tags): n for n in notes.values()}
        assert len(shown) == len(notes)
        for (_, family), (question, answer, live) in self.sent.items():
            note: Any = shown[(question, TYPE_ID[family], not live)]
            assert note.fields[2] == answer
            if live:
                assert sorted(c.ord for c in note.cards()) == list(card_ords(family, question, answer))


KindChanges.TestCase.settings = settings(
    max_examples=10,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestKindChanges = KindChanges.TestCase
