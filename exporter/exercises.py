"""I/O around the Keras exercises: analyse a deck's notes, and write drill decks.

The analysis and the drawing of networks are pure (``cards.generators.keras``);
this module reads the notes through the normal pipeline and packages drills
with :func:`exporter.package.write_apkg`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cards import NoteWarning, guid_for
from cards.generators.keras import unit_warnings
from cards.generators.keras.extract import ModelReport, analyse_blocks
from exporter.config import DeckConfig

DRILL_DECK_ID = 1_732_615_299_001
"""Deck id of every drill deck. Fixed: it seeds the drill cards' GUIDs."""
DRILL_DECK_NAME = "notedeck drill"
DRILL_TIME = 1_735_689_600
"""Modification time of drill notes (2025-01-01). Fixed, so the same seed gives the same bytes;
a drill never changes after it is written, so Anki has nothing to update."""


@dataclass(frozen=True)
class FoundModel:
    """A model in the notes with the path it is shown under."""

    source: str
    model: ModelReport


def models_in(config: DeckConfig) -> tuple[list[FoundModel], list[NoteWarning]]:
    """Every model Keras would accept in the deck's notes, and the problems of the others."""
    from exporter.build import display_path, load_notes, notes_files
    from exporter.cache import ParseJob, cache_dir_for, parse_all

    files = notes_files(config)
    sources = [display_path(path) for path in files]
    texts = [load_notes(path, source)[0] for path, source in zip(files, sources, strict=True)]
    jobs = [ParseJob(text, source, config) for text, source in zip(texts, sources, strict=True)]
    found: list[FoundModel] = []
    warnings: list[NoteWarning] = []
    for source, parsed in zip(sources, parse_all(jobs, cache_dir_for(config)), strict=True):
        for analysis in analyse_blocks(parsed.code_blocks):
            warnings += unit_warnings(analysis, source)
            found += [FoundModel(source, model) for model in analysis.models]
    return found, warnings


def write_drill(out: Path, *, count: int, seed: int, cards_per_model: int = 4) -> int:
    """Write a drill deck of ``count`` fresh networks to ``out``; return the number of cards.

    Same ``count``, ``seed`` and notedeck version → byte-identical package.
    """
    from cards.generators.keras.drill import drill_cards
    from exporter.package import PackagedNote, write_apkg

    cards = drill_cards(count, seed, deck=DRILL_DECK_NAME, cards_per_model=cards_per_model)
    notes = [
        PackagedNote(
            guid=guid_for(DRILL_DECK_ID, card.key),
            question=card.question,
            context=card.context,
            answer=card.answer,
            source=f"notedeck drill --seed {seed}, network {card.source.rsplit('-', 1)[-1]}",
            tags=card.tags,
            deck=DRILL_DECK_NAME,
            mod=DRILL_TIME,
            due=position,
        )
        for position, card in enumerate(cards)
    ]
    write_apkg(out, deck_id=DRILL_DECK_ID, deck_name=DRILL_DECK_NAME, notes=notes, note_type_mod=DRILL_TIME)
    return len(notes)


__all__ = ["DRILL_DECK_ID", "DRILL_DECK_NAME", "FoundModel", "models_in", "write_drill"]
