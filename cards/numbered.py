"""Numbered questions followed by numbered answers: one card per question.

Exam notes often copy a list of questions (``1. Is this a linear model?``…)
and answer them below (``Answers: 1. No, …``). The answer list is written by
hand and is often messy: a bullet ``- 1.No`` followed by ``2.…``, two items
both numbered 5. Pairing goes by the written numbers, never by position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from cards import mcq
from cards.blocks import Block, inline_lines, is_link_only, plain_text, split_blocks
from cards.questions import asks_heading, clean, is_answer_label
from cards.render import render_inline, render_tokens

_NUMBER = re.compile(r"^\s*(\d{1,3})\s*[.)]\s*")


@dataclass(frozen=True)
class Item:
    """One direct item of a list."""

    number: int
    """The number as written (``5.`` twice gives two items numbered 5)."""
    line: int
    """1-based line of the item."""
    start: int
    """Index of the item's first content token (after ``list_item_open``)."""
    end: int
    """Index of its ``list_item_close``."""
    inline: Token | None
    """The inline token of its first paragraph."""
    plain: str
    """Plain text of its first paragraph."""
    single: bool
    """True if the item is one paragraph (it renders inline)."""
    rest: int
    """Index of the first token after the item's first paragraph (``end`` if none)."""


@dataclass(frozen=True)
class Unit:
    """One numbered answer."""

    number: int
    html: str
    inline: bool
    """True if ``html`` is inline (it needs a paragraph around it)."""


def list_items(tokens: Sequence[Token], block: Block) -> list[Item]:
    """The direct items of a list block, with their written numbers."""
    items: list[Item] = []
    depth = 0
    ordered = block.kind == "ordered_list"
    start = rest = 0
    first: Token | None = None
    for index in range(block.start + 1, block.end - 1):
        token = tokens[index]
        if token.type == "list_item_open" and depth == 0:
            start, rest, first = index + 1, 0, None
            number = int(token.info) if ordered and token.info.isdigit() else len(items) + 1
            line = token.map[0] + 1 if token.map else 0
        depth += token.nesting
        if token.type == "inline" and depth == 2 and first is None and index == start + 1:
            first = token
        elif token.type == "paragraph_close" and depth == 1 and first is not None and not rest:
            rest = index + 1
        elif token.type == "list_item_close" and depth == 0:
            plain = plain_text(first.children or ()) if first is not None else ""
            rest = rest or index
            items.append(Item(number, line, start, index, first, plain, rest == index, rest))
    return items


def is_question_list(tokens: Sequence[Token], block: Block) -> bool:
    """A list whose items mostly ask (not a table of contents).

    Ordered lists qualify on their own (their answers may follow, numbered);
    a bullet list only when its questions carry their answers indented below.
    """
    if block.kind not in ("ordered_list", "bullet_list"):
        return False
    items = list_items(tokens, block)
    if len(items) < 2:
        return False
    if all(i.inline is not None and is_link_only(i.inline.children or ()) for i in items):
        return False
    asking = [i for i in items if asks_heading(i.plain) or _holds_choice(tokens, i)]
    if block.kind == "bullet_list" and not all(i.rest < i.end for i in asking):
        return False
    return len(asking) >= 2 and len(asking) * 2 >= len(items)


def _holds_choice(tokens: Sequence[Token], item: Item) -> bool:
    """The item carries its own options and their solution (a quiz stem need not ask)."""
    if item.rest >= item.end:
        return False
    inner = tokens[item.rest : item.end]
    return mcq.item_choice(inner, split_blocks(inner)) is not None


def item_html(tokens: Sequence[Token], item: Item, env: dict[str, object]) -> str:
    """The item's question as HTML: its first paragraph, inline."""
    if item.inline is not None:
        return render_inline(item.inline.children or (), env)
    return render_tokens(tokens[item.start : item.end], env)


def inner_answer(tokens: Sequence[Token], item: Item, env: dict[str, object]) -> str:
    """What the item says below its first paragraph (an answer written under the question)."""
    return render_tokens(tokens[item.rest : item.end], env) if item.rest < item.end else ""


def answer_units(
    tokens: Sequence[Token], blocks: Sequence[Block], env: dict[str, object]
) -> tuple[list[Unit], int]:
    """Numbered answers at the start of ``blocks`` and how many blocks they use.

    An ``Answers:`` label is skipped; ordered lists give one unit per item
    (numbered as written); bullet items and paragraphs whose lines start with a
    number (``- 1.No, …``) give one unit per numbered line.
    """
    units: list[Unit] = []
    used = 0
    for block in blocks:
        if block.blank or (not units and block.kind == "paragraph" and is_answer_label(block.text)):
            used += 1
            continue
        found = _units_of(tokens, block, env)
        if not found:
            break
        units.extend(found)
        used += 1
    return units, used


def _units_of(tokens: Sequence[Token], block: Block, env: dict[str, object]) -> list[Unit]:
    if block.kind == "ordered_list":
        return [_item_unit(tokens, item, env) for item in list_items(tokens, block)]
    if block.kind == "bullet_list":
        units: list[Unit] = []
        for item in list_items(tokens, block):
            if not item.single or item.inline is None:
                return []
            found = _line_units(item.inline.children or (), env)
            if not found:
                return []
            units.extend(found)
        return units
    if block.kind == "paragraph" and block.inline is not None:
        return _line_units(block.inline.children or (), env)
    return []


def _item_unit(tokens: Sequence[Token], item: Item, env: dict[str, object]) -> Unit:
    if item.single and item.inline is not None:
        return Unit(item.number, render_inline(item.inline.children or (), env), True)
    return Unit(item.number, render_tokens(tokens[item.start : item.end], env), False)


def _line_units(children: Sequence[Token], env: dict[str, object]) -> list[Unit]:
    """Units from text lines that each start with ``N.`` (lazy continuation lines)."""
    units: list[Unit] = []
    current: list[list[Token]] = []
    number = 0
    for line in inline_lines(children):
        head = line[0] if line else None
        match = _NUMBER.match(head.content) if head is not None and head.type == "text" else None
        if match:
            if current:
                units.append(Unit(number, _join(current, env), True))
            number = int(match.group(1))
            assert head is not None
            current = [[head.copy(content=head.content[match.end() :]), *line[1:]]]
        elif not current:
            return []
        else:
            current.append(line)
    if current:
        units.append(Unit(number, _join(current, env), True))
    return units


def _join(lines: list[list[Token]], env: dict[str, object]) -> str:
    return "<br>\n".join(render_inline(line, env) for line in lines if clean(plain_text(line)))


def pair(questions: Sequence[Item], units: Sequence[Unit]) -> dict[int, list[Unit]] | None:
    """Answers per question number, or None when the numbers do not pair up.

    Every answer must name one of the questions, and at least half of the
    questions must be answered (the rest are reported as unanswered).
    """
    wanted = {q.number for q in questions}
    if len(wanted) != len(questions) or not units:
        return None
    answers: dict[int, list[Unit]] = {}
    for unit in units:
        if unit.number not in wanted:
            return None
        answers.setdefault(unit.number, []).append(unit)
    return answers if len(answers) * 2 >= len(wanted) else None
