"""The card domain's data: what the parser and generators produce.

Everything here is plain, frozen data so that cards can be hashed, compared,
cached and serialised without surprises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

CardKind = Literal["basic", "multiple-choice", "generated", "cloze", "reversed"]
"""What a card is, which decides its Anki note type (see :data:`NoteFamily`).

- ``basic``: ``question`` → ``answer``.
- ``multiple-choice``: a basic card whose question lists the options.
- ``generated``: a basic card made by a generator (Keras exercises, …).
- ``cloze``: ``question`` is the cloze sentence as HTML with Anki's own
  markers ``{{c1::text}}`` / ``{{c1::text::hint}}`` (``c1``, ``c2``, …);
  Anki makes one card per distinct number. ``answer`` is extra text shown
  on the back (may be empty); ``context`` is shown above, as on basic cards.
- ``reversed``: ``question`` is the front, ``answer`` the back; Anki makes
  two cards, front → back and back → front.
"""

NoteFamily = Literal["basic", "cloze", "reversed"]
"""The Anki note type a card goes into. Anki cannot change a note's type on
import, so a card that moves to another family is a new note (a new GUID)."""

FAMILY_OF_KIND: dict[str, NoteFamily] = {
    "basic": "basic",
    "multiple-choice": "basic",
    "generated": "basic",
    "cloze": "cloze",
    "reversed": "reversed",
}
"""The note type family of each card kind (:func:`note_family` as a table, for hot loops)."""


def note_family(kind: CardKind) -> NoteFamily:
    """The note type family of a card kind (basic, multiple-choice and generated share one)."""
    return FAMILY_OF_KIND[kind]


@dataclass(frozen=True)
class NoteWarning:
    """Something odd in the notes that did not stop the parse.

    Warnings are data: the card domain returns them and the CLI decides how to
    show them (``path:line: message``).
    """

    source: str
    """Path of the notes file, as given to the parser."""
    line: int
    """1-based line the warning is about (0 when it concerns the whole file)."""
    message: str
    """What is odd and, where possible, what to do about it."""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Card:
    """One atomic question/answer flashcard, ready for any exporter."""

    question: str
    """Front of the card, as HTML (formulas use MathJax ``\\(…\\)`` / ``\\[…\\]``)."""
    answer: str
    """Back of the card, as HTML."""
    key: str
    """Stable identity key: a pinned id, else the normalised question text.

    It never depends on the card's position, so moving a question keeps it.
    """
    context: str = ""
    """Optional HTML shown above the question (the setup of an exercise)."""
    tags: tuple[str, ...] = ()
    """Anki tags (hierarchical with ``::``, no spaces)."""
    chapter: tuple[str, ...] = ()
    """Chapter path, outermost first (the ``#`` heading, possibly nested)."""
    kind: CardKind = "basic"
    """``basic``, ``multiple-choice``, ``generated``, ``cloze`` (``question`` holds Anki's
    ``{{c1::…}}`` markers) or ``reversed`` (studied in both directions); it decides the
    card's Anki note type, see :data:`CardKind`."""
    source: str = ""
    """Path of the notes file the card comes from."""
    line: int = 0
    """1-based line of the card's question in ``source``."""
    media: tuple[str, ...] = field(default=())
    """Media files the card refers to, relative to the notes file."""

    @property
    def location(self) -> str:
        """``path:line``, the place a student edits to fix this card."""
        return f"{self.source}:{self.line}"


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block of the notes, handed to card generators.

    Generators (e.g. the Keras exercise generator) work from these rather than
    re-parsing the Markdown.
    """

    code: str
    """The block's content, exactly as written."""
    language: str
    """The fence's info word (``python``, ``""`` when none was given)."""
    line: int
    """1-based line of the opening fence."""
    chapter: tuple[str, ...]
    """Chapter path the block sits in."""
    after: str
    """Markdown that follows the block up to the next ``#``/``##`` heading.

    Generators read the student's own claims there (summary tables, "conv2 has
    … parameters" lines, questions asking for a receptive field).
    """


@dataclass(frozen=True)
class ParseResult:
    """Cards, warnings and code blocks from one notes file."""

    cards: tuple[Card, ...]
    warnings: tuple[NoteWarning, ...] = ()
    code_blocks: tuple[CodeBlock, ...] = ()


def chapter_tag(deck: str, chapter: Sequence[str]) -> str:
    """Return the Anki tag of a chapter: ``Deck::Chapter`` with no spaces."""
    parts = [p for p in (deck, *chapter) if p.strip()]
    return "::".join(re.sub(r"\s+", "_", p.strip()) for p in parts)
