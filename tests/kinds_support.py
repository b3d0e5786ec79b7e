"""Decks of hand-made cards of every kind, built by the real pipeline and imported into Anki.

The Markdown that makes cloze and reversed cards is the reader's business
(``cards/``); these helpers hand :func:`exporter.build.build_deck` ready
:class:`~cards.Card` objects instead of notes files, so the packaging, the
lock file, tombstones and the real engine are tested on their own.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cards import Card
from cards.model import CardKind
from exporter import build as build_module
from exporter.build import DeckCards, build_deck
from exporter.config import load_deck_config
from exporter.lock import Lock, dump_lock, parse_lock
from exporter.regen import REMOVED_TAG
from tests.anki_engine import collection, import_package

DECK_ID = 1_733_000_000_777
_CLOZE_MARK = re.compile(r"\{\{c\d+::")
DECK = "Kinds"


def card(question: str, answer: str = "", kind: CardKind = "basic", *, key: str = "", **more: Any) -> Card:
    """A card as the reader would make it (``key`` defaults to the question)."""
    return Card(
        question=question,
        answer=answer,
        key=key or question.casefold(),
        kind=kind,
        tags=(f"{DECK}::t",),
        source="notes/kinds.md",
        line=more.pop("line", 1),
        **more,
    )


@dataclass
class KindsDesk:
    """A deck file whose "notes" are the cards a test hands in, and the student's collection."""

    folder: Path
    col: Any
    now: int
    cards: list[Card] = field(default_factory=list)
    reviewed: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    """Card id → (type, due, ivl, reps) right after the student reviewed it."""

    @property
    def deck(self) -> Path:
        return self.folder / "kinds.yaml"

    @property
    def apkg(self) -> Path:
        return self.folder / "out" / "kinds.apkg"

    def lock(self) -> Lock:
        return parse_lock(self.lock_text(), shown="lock")

    def lock_text(self) -> str:
        return (self.folder / "kinds.lock.json").read_text(encoding="utf-8")

    def rebuild(self, cards: Sequence[Card], *, tick: int = 1) -> dict[str, int]:
        """Build ``cards`` ``tick`` seconds later, import the package, check the invariants."""
        log = self.rebuild_unchecked(cards, tick=tick)
        self.check()
        return log

    def rebuild_unchecked(
        self, cards: Sequence[Card], *, tick: int = 1, lock: build_module.LockMode = "use"
    ) -> dict[str, int]:
        """:meth:`rebuild` for a step that leaves a card Anki renders empty (checked by the test)."""
        self.now += tick
        self.cards = list(cards)
        build_deck(load_deck_config(self.deck), self.folder / "out", lock=lock, now=self.now)
        return import_package(self.col, self.apkg)

    def notes(self) -> dict[str, Any]:
        """The collection's notes by GUID."""
        return {n.guid: n for n in (self.col.get_note(i) for i in self.col.find_notes(""))}

    def note(self, fragment: str) -> Any:
        """The single note whose first field contains ``fragment``."""
        found = [n for n in self.notes().values() if fragment in n.fields[0]]
        assert len(found) == 1, f"{len(found)} notes contain {fragment!r}"
        return found[0]

    def review(self, card_id: int, ease: int = 3) -> None:
        """Answer a card (v3 scheduler; 3 = good) and remember its state."""
        card = self.col.get_card(card_id)
        card.start_timer()
        self.col.sched.answerCard(card, ease)
        done = self.col.get_card(card_id)
        assert done.reps > 0
        self.reviewed[card_id] = (done.type, done.due, done.ivl, done.reps)

    def check(self) -> None:
        """No duplicates, one note per lock entry, tombstones tagged, reviews kept, nothing empty."""
        lock = self.lock()
        assert dump_lock(lock) == self.lock_text()
        notes = self.notes()
        assert set(notes) == {e.guid for e in lock.cards} | {t.guid for t in lock.removed}
        assert all(REMOVED_TAG not in notes[e.guid].tags for e in lock.cards)
        assert all(notes[t.guid].tags == [REMOVED_TAG] for t in lock.removed)
        for card_id, state in self.reviewed.items():
            again = self.col.get_card(card_id)
            assert (again.type, again.due, again.ivl, again.reps) == state, "review state lost"
            logged = self.col.db.scalar("SELECT count() FROM revlog WHERE cid = ?", card_id)
            assert logged == again.reps, "review log lost"
        for card_id in self.col.find_cards(""):
            assert_renders(self.col.get_card(card_id))


def assert_renders(card: Any) -> None:
    """The card renders through its template, with no error and no empty side."""
    output = card.render_output()
    for side in (output.question_text, output.answer_text):
        # Anki shows template problems (blank front, no cloze, unknown field) with a link to
        # its template errors page; a cloze left unrendered would keep its {{c1:: marker.
        assert "templates/errors" not in side and "no field called" not in side, side
        assert not _CLOZE_MARK.search(side), side
        assert 'class="question"' in side, side
    shown = re.search(r'<div class="question">(.*?)</div>', output.question_text, re.DOTALL)
    assert shown is not None and re.sub(r"<[^>]+>", "", shown.group(1)).strip(), output.question_text


@contextmanager
def kinds_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KindsDesk]:
    """An empty deck whose cards come from the test; a fresh collection."""
    monkeypatch.chdir(tmp_path)
    with open_kinds_desk(tmp_path, monkeypatch, int(time.time())) as desk:
        yield desk


@contextmanager
def open_kinds_desk(folder: Path, monkeypatch: pytest.MonkeyPatch, now: int) -> Iterator[KindsDesk]:
    """:func:`kinds_desk` in ``folder``, its clock starting at ``now``."""
    (folder / "kinds.yaml").write_text(
        f"name: {DECK}\nid: {DECK_ID}\nnotes:\n  - notes/kinds.md\n", encoding="utf-8"
    )
    with collection(folder / "collection.anki2") as col:
        desk = KindsDesk(folder, col, now)

        @contextmanager
        def collecting(config: Any, **_: Any) -> Iterator[Any]:
            yield lambda: DeckCards(config, tuple(desk.cards), (), (config.folder / "notes/kinds.md",))

        monkeypatch.setattr(build_module, "collecting", collecting)
        yield desk
