"""The card domain: Markdown study notes in, atomic flashcards out.

Pure by design: no file I/O, no CLI, no Anki packaging here.
"""

from typing import TYPE_CHECKING, Any

from cards.errors import CardParseError, CardsError
from cards.ids import guid_for, normalise_question
from cards.model import Card, CardKind, CodeBlock, NoteWarning, ParseResult

if TYPE_CHECKING:
    from cards.parse import parse_document, parse_notes


def __getattr__(name: str) -> Any:
    """The reader is imported when first asked for: a rebuild served from the cache never needs it."""
    if name in ("parse_document", "parse_notes"):
        from cards import parse

        return getattr(parse, name)
    raise AttributeError(f"module 'cards' has no attribute {name!r}")


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
