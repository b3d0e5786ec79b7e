"""The card domain: Markdown study notes in, atomic flashcards out.

Pure by design: no file I/O, no CLI, no Anki packaging here.
"""

from cards.errors import CardParseError, CardsError
from cards.ids import guid_for, normalise_question
from cards.model import Card, CardKind, CodeBlock, NoteWarning, ParseResult
from cards.parse import parse_document, parse_notes

__all__ = [
    "Card",
    "CardKind",
    "CardParseError",
    "CardsError",
    "CodeBlock",
    "NoteWarning",
    "ParseResult",
    "guid_for",
    "normalise_question",
    "parse_document",
    "parse_notes",
]
