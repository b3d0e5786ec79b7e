"""Helpers around the real Anki engine (the ``anki`` package from PyPI).

Tests import built packages into a fresh collection and look at what a user
would see; see shared/ANKI_FACTS.md for the importer's rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def collection(path: Path) -> Iterator[Any]:
    """Open (or create) an Anki collection at ``path`` and close it afterwards."""
    from anki.collection import Collection

    col = Collection(str(path))
    try:
        yield col
    finally:
        col.close()


def import_package(col: Any, apkg: Path) -> dict[str, int]:
    """Import ``apkg`` as Anki desktop would; return the log's note counts by kind."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(
        package_path=str(apkg),
        options=ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False),
    )
    log = col.import_anki_package(request).log
    kinds = (
        "new",
        "updated",
        "duplicate",
        "conflicting",
        "first_field_match",
        "missing_notetype",
        "missing_deck",
        "empty_first_field",
    )
    return {kind: len(getattr(log, kind)) for kind in kinds}


def note_by_question(col: Any, fragment: str) -> Any:
    """The single note whose Question field contains ``fragment``."""
    ids = [nid for nid in col.find_notes("") if fragment in col.get_note(nid)["Question"]]
    assert len(ids) == 1, f"{len(ids)} notes contain {fragment!r}"
    return col.get_note(ids[0])


def review_first_new_card(col: Any, deck: str = "ANNDL", ease: str = "good") -> Any:
    """Study ``deck`` and answer its first queued card with the v3 scheduler."""
    from anki.scheduler.v3 import CardAnswer

    col.decks.select(col.decks.id_for_name(deck))
    queued = col.sched.get_queued_cards()
    top = queued.cards[0]
    card = col.get_card(top.card.id)
    card.start_timer()
    rating = {
        "again": CardAnswer.AGAIN,
        "hard": CardAnswer.HARD,
        "good": CardAnswer.GOOD,
        "easy": CardAnswer.EASY,
    }[ease]
    answer = col.sched.build_answer(card=card, states=top.states, rating=rating)
    col.sched.answer_card(answer)
    return col.get_card(card.id)
