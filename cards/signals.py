"""The text of a question as it is judged, with the author's decorations taken off.

Authors number their questions (``12.``, ``12)``, ``3.4.9``, ``Q12:``, ``a)``),
mark difficulty (``⭐️``, ``🔥``), add point values (``(4P)``, ``(2 marks)``)
and source links (``[[src](…)]``). None of that says whether a line asks, so
it is removed before the reading rules look at the text. The card's identity
key is never computed from this text: it keeps the question as written (see
:mod:`cards.ids`), so an upgrade of the rules cannot change a card's identity.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

_NUMBERING = re.compile(
    r"^(?:(?:q|question|domanda|frage|pregunta|вопрос)\s*\d+\s*[.):]?\s*|"
    r"\(?\d+(?:\.\d+)*[.)]?(?=\s)\s*|"
    r"\(?[a-h]\)\s+|"
    r"\d+(?:\.\d+)*\s*[.):]\s*)",
    re.IGNORECASE,
)
_POINTS = re.compile(
    r"\s*\(\s*\d+(?:[.,]\d+)?\s*(?:p|pt|pts|points?|punt[oi]|punkte?|marks?|puntos?|баллов|балла|балл)\.?\s*\)"
    r"\s*$",
    re.IGNORECASE,
)
_SOURCE_LINK = re.compile(r"\s*\[\s*\[[^\]]*\]\([^)]*\)\s*\]\s*$")


def _is_decoration(ch: str) -> bool:
    """Emoji, stars and other symbols an author puts after a question to mark it."""
    category = unicodedata.category(ch)
    return category in ("So", "Sk", "Mn", "Cf") or ch in "\ufe0f\u200d*"


@cache
def judged_text(text: str) -> str:
    """``text`` without numbering, trailing marks, point values or source links.

    Cached while a document is read (see ``cards.parse``): the conventions and the walker
    judge the same heading several times.
    """
    text = text.strip()
    if not text:
        return text
    last, first = text[-1], text[0]
    plain_end = last not in ")]" and not _is_decoration(last)
    if plain_end and not (first.isdigit() or first in "(QqВвDdFfPp" or text[1:2] == ")"):
        return text  # the usual line: nothing to take off (checked without a regular expression)
    for _ in range(2):  # ``Q3: 2.`` style double prefixes
        stripped = _NUMBERING.sub("", text, count=1)
        if stripped == text or not stripped:
            break
        text = stripped
    previous = None
    while previous != text:
        previous = text
        if text.endswith("]"):  # both patterns end the text: no regular expression for other endings
            text = _SOURCE_LINK.sub("", text)
        if text.endswith(")"):
            text = _POINTS.sub("", text)
        text = text.rstrip()
        while text and _is_decoration(text[-1]):
            text = text[:-1].rstrip()
    while text and _is_decoration(text[0]):
        text = text[1:].lstrip()
    return text


_MAX_DECORATION = 80
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_LABEL = re.compile(r"^(?:q|question)?\s*\d*$", re.IGNORECASE)


def is_decoration(text: str) -> bool:
    """A line of status marks only (``:white_check_mark: Q7``, ``⭐️⭐️``): neither answer nor setup."""
    if len(text) > _MAX_DECORATION:
        return False  # a line that says something (and the usual case: checked in constant time)
    text = _SHORTCODE.sub("", text)
    text = "".join(ch for ch in text if not _is_decoration(ch) and ch not in "_~`")
    return bool(_LABEL.match(text.strip()))
