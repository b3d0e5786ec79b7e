"""A student's desk for regeneration tests: notes, a clock, builds and a real Anki collection.

Every step of a scenario goes through :meth:`Desk.rebuild`, which builds the
deck with an injected clock, imports the package into the real Anki engine
and checks the invariants of safe regeneration after the import.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from exporter import build as build_module
from exporter.build import BuildReport, build_deck
from exporter.config import load_deck_config
from exporter.lock import dump_lock, parse_lock
from exporter.package import read_apkg
from exporter.regen import REMOVED_TAG
from tests.anki_engine import collection, import_package

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Desk:
    """Notes in ``folder``, the deck's lock, a clock, and the student's collection."""

    folder: Path
    deck: Path
    col: Any
    now: int
    reviewed: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    """Card id → (type, due, ivl, reps) right after the student reviewed it."""
    last_output: str = ""
    last_notices: str = ""
    """What the last build said on stderr about the lock file and the previous package."""

    @property
    def notes_file(self) -> Path:
        return self.folder / "decks" / "notes" / "anndl-exam-notes.md"

    @property
    def lock_file(self) -> Path:
        return self.folder / "decks" / "anndl.lock.json"

    @property
    def apkg(self) -> Path:
        return self.folder / "out" / "anndl.apkg"

    # --- editing the notes -----------------------------------------------------------------

    def text(self) -> str:
        return self.notes_file.read_text(encoding="utf-8")

    def replace(self, old: str, new: str) -> None:
        text = self.text()
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        self.notes_file.write_text(text.replace(old, new), encoding="utf-8")

    def replace_in(self, name: str, old: str, new: str) -> None:
        path = self.notes_file.parent / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def cut_section(self, heading: str) -> str:
        """Remove the ``## heading`` section (up to the next heading of level 1 or 2)."""
        lines = self.text().split("\n")
        start = lines.index(heading)
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("# ", "## ")))
        section = lines[start:end]
        self.notes_file.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
        return "\n".join(section)

    def cut_between(self, heading: str, next_heading: str) -> str:
        """Remove the lines from ``heading`` up to (not including) ``next_heading``."""
        lines = self.text().split("\n")
        start, end = lines.index(heading), lines.index(next_heading)
        self.notes_file.write_text("\n".join(lines[:start] + lines[end:]), encoding="utf-8")
        return "\n".join(lines[start:end])

    def insert_before(self, heading: str, section: str) -> None:
        lines = self.text().split("\n")
        start = lines.index(heading)
        self.notes_file.write_text(
            "\n".join([*lines[:start], section.rstrip("\n"), "", *lines[start:]]), encoding="utf-8"
        )

    # --- building and importing ---------------------------------------------------------------

    def build(self, *, lock: build_module.LockMode = "use") -> BuildReport:
        report = build_deck(load_deck_config(self.deck), self.folder / "out", lock=lock, now=self.now)
        self.last_output = "\n".join(report.messages)
        self.last_notices = "\n".join(report.notices)
        return report

    def build_filtered(self, tags: list[str]) -> BuildReport:
        report = build_deck(load_deck_config(self.deck), self.folder / "out", include_tags=tags, now=self.now)
        self.last_output = "\n".join(report.messages)
        return report

    def rebuild(self, *, tick: int = 1, lock: build_module.LockMode = "use") -> dict[str, int]:
        """Advance the clock by ``tick`` seconds, build, import, check the invariants."""
        self.now += tick
        self.build(lock=lock)
        log = import_package(self.col, self.apkg)
        self.check()
        return log

    # --- the student ------------------------------------------------------------------------------

    def review(self, question: str, ease: int = 3) -> None:
        """Answer the card whose question contains ``question`` (v3 scheduler; 3 = good)."""
        card = self.note(question).cards()[0]
        card.start_timer()
        self.col.sched.answerCard(card, ease)
        done = self.col.get_card(card.id)
        assert done.reps > 0
        self.reviewed[done.id] = (done.type, done.due, done.ivl, done.reps)

    def note(self, question: str) -> Any:
        ids = [nid for nid in self.col.find_notes("") if question in self.col.get_note(nid)["Question"]]
        assert len(ids) == 1, f"{len(ids)} notes contain {question!r}"
        return self.col.get_note(ids[0])

    def removed(self) -> list[str]:
        return sorted(self.col.get_note(n)["Question"] for n in self.col.find_notes(f"tag:{REMOVED_TAG}"))

    # --- invariants ----------------------------------------------------------------------------

    def check(self) -> None:
        """What must hold after every import."""
        lock_text = self.lock_file.read_text(encoding="utf-8")
        lock = parse_lock(lock_text, shown="lock")
        assert dump_lock(lock) == lock_text  # the lock round-trips
        notes = {n.guid: n for n in (self.col.get_note(i) for i in self.col.find_notes(""))}
        # One note per card and tombstone of the lock, none besides: no duplicates.
        assert set(notes) == {e.guid for e in lock.cards} | {t.guid for t in lock.removed}
        assert all(REMOVED_TAG not in notes[e.guid].tags for e in lock.cards)
        assert all(notes[t.guid].tags == [REMOVED_TAG] for t in lock.removed)
        # Every live note shows what the notes say now (edits are visible).
        sent = [n for n in read_apkg(self.apkg) if REMOVED_TAG not in n.tags]
        assert Counter(notes[n.guid]["Question"] for n in sent) == Counter(n.question for n in sent)
        assert len(self.col.find_cards("")) == len(notes)
        for card_id, state in self.reviewed.items():
            card = self.col.get_card(card_id)
            assert (card.type, card.due, card.ivl, card.reps) == state, "review state lost"


def import_counts(log: dict[str, int]) -> tuple[int, int, int]:
    """``(new, updated, duplicate)``, after checking nothing else happened."""
    assert log["conflicting"] == log["missing_notetype"] == log["first_field_match"] == 0
    return log["new"], log["updated"], log["duplicate"]


@contextmanager
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """A copy of the seed deck, built and imported once, in ``tmp_path``.

    The clock starts at the real time (the student's own edits in Anki carry
    real times) and then only moves when a test says so.
    """
    start = int(time.time())
    shutil.copytree(ROOT / "decks", tmp_path / "decks", ignore=shutil.ignore_patterns("*.lock.json"))
    monkeypatch.chdir(tmp_path)
    with collection(tmp_path / "collection.anki2") as col:
        d = Desk(tmp_path, tmp_path / "decks" / "anndl.yaml", col, start)
        d.build()
        log = import_package(col, d.apkg)
        assert log["new"] == len(col.find_notes("")) > 20
        d.check()
        yield d
