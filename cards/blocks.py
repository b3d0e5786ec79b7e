"""Top-level blocks of a markdown-it token stream, the unit the parser reasons about.

A student reads notes block by block (a heading, a paragraph, a list, a code
block); questions and answers are runs of such blocks. Splitting the flat
token list once, in one linear pass, lets every later rule look at whole
blocks without re-parsing or rescanning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from cards.signals import is_decoration

_CODE_LINE = re.compile(r"^[A-Za-z_][\w.\\]*\s*(?:=|\+=|\()\s*\S")


@dataclass(frozen=True)
class Block:
    """One top-level block: the tokens ``start:end`` of the document."""

    kind: str
    """Token type without ``_open``: ``paragraph``, ``heading``, ``bullet_list``, ``fence``…"""
    start: int
    """Index of the block's first token."""
    end: int
    """Index just past the block's last token."""
    line: int
    """1-based line where the block starts (0 if unknown)."""
    level: int = 0
    """Heading level (1 for ``#``), 0 for other blocks."""
    inline: Token | None = None
    """The ``inline`` token of a heading or paragraph."""
    text: str = ""
    """Plain text of a heading or paragraph (markup removed)."""

    @property
    def blank(self) -> bool:
        """True for a paragraph with nothing visible (``&nbsp;`` lines of pasted notes)."""
        return self.kind == "paragraph" and not self.text.strip()


def split_blocks(tokens: Sequence[Token]) -> list[Block]:
    """Group the tokens into top-level blocks, in one pass."""
    blocks: list[Block] = []
    n = len(tokens)
    i = 0
    while i < n:
        token = tokens[i]
        j = i + 1
        if token.nesting == 1:
            depth = 1
            while j < n and depth:
                depth += tokens[j].nesting
                j += 1
        blocks.append(_block(tokens, i, j))
        i = j
    return blocks


def _block(tokens: Sequence[Token], start: int, end: int) -> Block:
    token = tokens[start]
    kind = token.type[:-5] if token.type.endswith("_open") else token.type
    line = token.map[0] + 1 if token.map else 0
    if kind in ("heading", "paragraph") and start + 1 < end and tokens[start + 1].type == "inline":
        inline = tokens[start + 1]
        level = int(token.tag[1]) if kind == "heading" else 0
        return Block(kind, start, end, line, level, inline, plain_text(inline.children or ()))
    return Block(kind, start, end, line)


def plain_text(children: Sequence[Token]) -> str:
    """The visible text of inline tokens: what a reader sees, without markup."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "text_special"):
            parts.append(child.content)
        elif kind in ("math_inline", "math_inline_double"):
            parts.append(f"${child.content}$")
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif kind == "image":
            parts.append(plain_text(child.children or ()))
    return "".join(parts)


def inline_lines(children: Sequence[Token]) -> list[list[Token]]:
    """Split inline children at line breaks (one list of tokens per line)."""
    lines: list[list[Token]] = [[]]
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            lines.append([])
        else:
            lines[-1].append(child)
    return lines


def is_link_only(children: Sequence[Token]) -> bool:
    """True when every visible character of the text sits inside a link."""
    depth = 0
    seen_link = False
    for child in children:
        if child.type == "link_open":
            depth += 1
            seen_link = True
        elif child.type == "link_close":
            depth -= 1
        elif depth == 0 and _visible(child):
            return False
    return seen_link


def _visible(child: Token) -> bool:
    if child.type == "text":
        return not is_decoration(child.content)  # ``:arrow_up_small:[Back to contents](#toc)``
    if child.type == "code_inline":
        return bool(child.content.strip())
    return child.type in ("image", "math_inline", "math_inline_double")


def block_is_link_only(tokens: Sequence[Token], block: Block) -> bool:
    """A paragraph or list made of nothing but links (a table of contents, ``[text](#)``)."""
    if block.kind == "paragraph" and block.inline is not None:
        return is_link_only(block.inline.children or ())
    if block.kind not in ("bullet_list", "ordered_list"):
        return False
    inlines = [t for t in tokens[block.start : block.end] if t.type == "inline"]
    return bool(inlines) and all(is_link_only(t.children or ()) for t in inlines)


def looks_like_code_line(text: str) -> bool:
    """A paragraph that reads as a code statement (``concat = tfkl.Concatenate()…``)."""
    first = text.strip().split("\n", 1)[0]
    return bool(_CODE_LINE.match(first.replace("\\_", "_")))
