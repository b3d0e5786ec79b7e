"""Glossary runs: a list of ``**Term**: definition`` items is a card per term.

Students write definitions as lists: ``- **Epoch**: one pass over the data``,
``- `lst.pop()`：removes the last item``, ``- Bias — the error of the model``.
When at least three items of a list are written that way, the list is a
glossary and each such item is a card (term on the front, definition on the
back). A list inside an answer is part of that answer, never a glossary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from cards.blocks import Block, plain_text
from cards.questions import clean

MIN_TERMS = 3
"""Fewer such items are just a list that happens to contain a colon."""
MAX_TERM_WORDS = 6
_SEPARATOR = re.compile(r"^\s*(?:[:：]|\s[—–-]\s)\s*")


@dataclass(frozen=True)
class Entry:
    """One term of a glossary list and where its definition starts."""

    term: list[Token]
    """Inline tokens of the term (without the emphasis or code marks)."""
    definition: list[Token]
    """Inline tokens of the definition (first line of the item)."""
    plain: str
    """The term as plain text."""
    line: int
    start: int
    """Index of the item's first token (``list_item_open``)."""
    end: int
    """Index of its ``list_item_close``."""


def entries(tokens: Sequence[Token], block: Block) -> list[Entry]:
    """The glossary entries of a list, or ``[]`` when it is not a glossary."""
    if block.kind not in ("bullet_list", "ordered_list"):
        return []
    found: list[Entry] = []
    depth = 0
    for index in range(block.start + 1, block.end - 1):
        token = tokens[index]
        depth += token.nesting
        if token.type == "inline" and depth == 2 and tokens[index - 2].type == "list_item_open":
            entry = _entry(token, index - 2, _item_end(tokens, index - 2))
            if entry is not None:
                found.append(entry)
    return found if len(found) >= MIN_TERMS else []


def _item_end(tokens: Sequence[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _entry(inline: Token, start: int, end: int) -> Entry | None:
    """``**Term**: definition``, ``` `term`：definition ``` or ``Term — definition``."""
    children = [c for c in inline.children or () if not (c.type == "text" and not c.content)]
    if not children:
        return None
    if children[0].type in ("strong_open", "em_open"):
        close = next((k for k, c in enumerate(children) if c.type == children[0].type[:-5] + "_close"), -1)
        if close < 0:
            return None
        term, rest = children[1:close], children[close + 1 :]
    elif children[0].type == "code_inline":
        term, rest = children[:1], children[1:]
    else:
        return None
    if not rest or rest[0].type != "text":
        return None
    match = _SEPARATOR.match(rest[0].content)
    if match is None:
        return None
    definition = [rest[0].copy(content=rest[0].content[match.end() :]), *rest[1:]]
    plain = clean(plain_text(term))
    if not plain or len(plain.split()) > MAX_TERM_WORDS or not clean(plain_text(definition)):
        return None
    line = inline.map[0] + 1 if inline.map else 0
    return Entry(term, definition, plain, line, start, end)
