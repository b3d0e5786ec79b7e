"""``notedeck init``: a deck file for a student's own notes, with a fresh deck id.

The step from "it built the example" to "it builds my notes" should not need
the YAML reference or an invented deck id. Nothing existing is overwritten: a
deck file that is already there is an error, an example notes file or a
``.gitignore`` line that is already there is left as it is.
"""

from __future__ import annotations

import glob
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from exporter.cache import CACHE_DIR_NAME
from exporter.config import ConfigError, clean_deck_name

EXAMPLE_NOTES = """\
# Getting started

## What does notedeck turn into a card?

A heading or a paragraph that asks (it ends with `?`, or starts with *Explain*, *Describe*…)
is the front of a card; everything up to the next question is its back.

Explain why the lock file should be committed with the notes.

It remembers which Anki note each card is, so a reworded question keeps its review history.

## What is the derivative of $x^2$?

$$\\frac{d}{dx} x^2 = 2x$$

# Your notes

Replace this file with your own Markdown notes, or run `notedeck init --notes "notes/*.md"`
in a new folder. Every `# Heading` is a chapter: its cards are tagged `Deck::Chapter`.
"""
"""The example notes written when ``init`` is given none: three cards, a formula, two chapters."""

EXAMPLE_PATH = Path("notes") / "example.md"
ID_RANGE = (10**12, 2**53)
"""Fresh deck ids: large enough never to meet a hand-picked one, small enough for Anki's JavaScript."""


@dataclass(frozen=True)
class Created:
    """What ``init`` wrote, relative to its folder, for the message it prints."""

    deck_file: Path
    name: str
    id: int
    notes: tuple[str, ...]
    """The ``notes:`` entries, relative to the deck file."""
    example: Path | None
    """The example notes file written (None: the student's notes, or an example already there)."""
    gitignore: bool
    """True if the cache line was added to ``.gitignore``."""


def stem_for(name: str) -> str:
    """A deck file stem from a deck name: ``ANNDL::Exam 2`` → ``anndl-exam-2``."""
    return re.sub(r"[^\w]+", "-", name.casefold()).strip("-_") or "deck"


def create_deck(folder: Path, name: str | None, notes: tuple[str, ...]) -> Created:
    """Write ``folder/decks/<stem>.yaml`` (and example notes when ``notes`` is empty).

    ``notes`` are paths or globs relative to ``folder``; each must match a file.
    Everything is checked before anything is written.
    """
    if name is None:
        # A second deck over the same notes would give every card twice in Anki.
        existing = sorted((folder / "decks").glob("*.yaml"))
        if existing:
            raise ConfigError(
                str(existing[0]),
                "this folder already has a deck",
                "edit that file, or pass --name to add another deck",
            )
    name = clean_deck_name(Path("--name"), name or folder.resolve().name or "Notes")
    deck_file = Path("decks") / f"{stem_for(name)}.yaml"
    target = folder / deck_file
    if target.exists():
        raise ConfigError(
            str(target),
            "a deck file with this name already exists",
            "choose another --name or edit that file",
        )
    for entry in notes:
        pattern = entry if os.path.isabs(entry) else str(folder / entry)
        if not any(Path(p).is_file() for p in glob.glob(pattern, recursive=True)):
            raise ConfigError(f"--notes {entry}", "matches no file", f"give paths relative to {folder}")
    example = None
    if not notes:
        notes = (EXAMPLE_PATH.as_posix(),)
        if not (folder / EXAMPLE_PATH).exists():
            example = EXAMPLE_PATH
    entries = tuple(entry if os.path.isabs(entry) else _from_decks(entry) for entry in notes)
    deck_id = secrets.randbelow(ID_RANGE[1] - ID_RANGE[0]) + ID_RANGE[0]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("x", encoding="utf-8") as out:  # "x": never overwrite, even in a race
        out.write(deck_yaml(name, deck_id, entries))
    if example is not None:
        (folder / example).parent.mkdir(parents=True, exist_ok=True)
        (folder / example).write_text(EXAMPLE_NOTES, encoding="utf-8")
    return Created(deck_file, name, deck_id, entries, example, _ignore_cache(folder))


def _from_decks(entry: str) -> str:
    """A path or glob relative to the folder, made relative to its ``decks/`` (where the YAML is)."""
    return Path(os.path.relpath(entry, "decks")).as_posix() if entry else entry


def deck_yaml(name: str, deck_id: int, notes: tuple[str, ...]) -> str:
    """The deck file's text, commented for a student who has not read the README."""
    import json

    # JSON strings are YAML double-quoted scalars: any name or glob is written safely.
    listed = "".join(f"  - {json.dumps(entry, ensure_ascii=False)}\n" for entry in notes)
    return (
        "# A notedeck deck (see the README, 'Deck files').\n"
        "# name: the Anki deck. Renaming it later splits the deck in Anki: rename it in Anki first.\n"
        "# id: fixed forever, it seeds every card's identity in Anki. Never change it.\n"
        f"name: {json.dumps(name, ensure_ascii=False)}\n"
        f"id: {deck_id}\n"
        "# tag_root: chapter tags are <tag_root>::<chapter>. Keep it when you rename the deck.\n"
        f"tag_root: {json.dumps(name, ensure_ascii=False)}\n"
        "notes:  # paths or globs, relative to this file\n"
        f"{listed}"
    )


def _ignore_cache(folder: Path) -> bool:
    """Add the parse cache to ``folder/.gitignore`` unless a line already names it."""
    path = folder / ".gitignore"
    line = f"{CACHE_DIR_NAME}/"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    if any(existing.strip().strip("/") == CACHE_DIR_NAME for existing in text.splitlines()):
        return False
    with path.open("a", encoding="utf-8") as out:
        out.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
    return True
