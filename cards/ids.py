"""Stable identities: a card's key and the Anki GUID derived from it.

Anki matches notes by GUID only (shared/ANKI_FACTS.md, fact 1), so the GUID
must depend on what a student considers "the same card" and on nothing else:
never on the answer, the position or the file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from cards.model import CardKind, NoteFamily, note_family

_SPACE = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
# Editors "smarten" quotes and dashes behind the student's back; they do not make a new question.
_TYPOGRAPHY = str.maketrans(
    {**dict.fromkeys("‘’‚‛′", "'"), **dict.fromkeys("“”„‟″", '"'), **dict.fromkeys("‐‑‒–—―", "-")}
)
_SPACE_BEFORE_MARK = re.compile(r"\s+([?!:;])")
# Anki GUIDs are short printable strings; genanki uses base91 of a 64-bit hash.
_BASE91 = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"


def normalise_question(text: str) -> str:
    """Return the identity form of a question's plain text.

    Case, Unicode width variants (``？`` vs ``?``), invisible characters,
    typographic quotes and dashes, a space before ``?`` and runs of whitespace
    do not make a different question.
    """
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_TYPOGRAPHY)
    text = _SPACE_BEFORE_MARK.sub(r"\1", _SPACE.sub(" ", text))
    return text.strip().casefold()


def guid_for(deck_id: int, key: str) -> str:
    """Return the Anki GUID of the card with identity ``key`` in deck ``deck_id``."""
    digest = hashlib.sha256(f"{deck_id}\x1f{key}".encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    while number:
        number, rest = divmod(number, len(_BASE91))
        chars.append(_BASE91[rest])
    return "".join(reversed(chars)) or _BASE91[0]


FAMILY_MARK = "\x1e"
"""Separates a key from its note type family in an identity key.

A record separator cannot occur in a key: normalised questions turn it into a
space like any whitespace, and pinned ids are single words.
"""
_FAMILY_SUFFIXES: tuple[tuple[str, NoteFamily], ...] = (
    (f"{FAMILY_MARK}cloze", "cloze"),
    (f"{FAMILY_MARK}reversed", "reversed"),
)


def identity_key(key: str, kind: CardKind) -> str:
    """The key a card's identity (lock entry, GUID) is made from: ``key`` plus its note family.

    Basic, multiple-choice and generated cards use ``key`` itself, so their
    GUIDs are the ones every earlier notedeck gave them. Cloze and reversed
    cards mix their family in: Anki cannot change a note's type on import, so
    a card that changes family must become a new note, not update the old one.
    """
    family = note_family(kind)
    return key if family == "basic" else f"{key}{FAMILY_MARK}{family}"


def key_family(identity: str) -> NoteFamily:
    """The note family an identity key of :func:`identity_key` was made for."""
    return split_identity(identity)[1]


def split_identity(identity: str) -> tuple[str, NoteFamily]:
    """``(key, family)`` of an identity key made by :func:`identity_key`."""
    if FAMILY_MARK in identity:
        for suffix, family in _FAMILY_SUFFIXES:
            if identity.endswith(suffix):
                return identity[: -len(suffix)], family
    return identity, "basic"
