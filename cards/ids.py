"""Stable identities: a card's key and the Anki GUID derived from it.

Anki matches notes by GUID only (shared/ANKI_FACTS.md, fact 1), so the GUID
must depend on what a student considers "the same card" and on nothing else:
never on the answer, the position or the file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

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
