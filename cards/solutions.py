"""An exam sheet with its solutions at the end: each question gets its own solution.

Exam sheets often list the tasks first and the solutions after a heading such
as ``### Lösungen`` / ``## Solutions``, repeating each task's heading there:

    #### Aufgabe 2 (12P)            ### Lösungen
    a) Convert … (2P)               #### Aufgabe 2
    b) Represent … (4P)             a) (145376)_8
                                    b) 0,1101 …

A question ``b)`` under a task heading is answered by what follows ``b)``
under the same heading in the solutions part, up to the next letter. Pairing
goes by heading and letter, never by position: a task or letter missing on
either side pairs nothing (the question then has no answer and says so).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from cards.blocks import Block
from cards.lexicon import SOLUTION_HEADINGS, alternation
from cards.questions import clean
from cards.signals import judged_text

_SOLUTION_TITLE = re.compile(rf"^(?:{alternation(SOLUTION_HEADINGS)})\W*$", re.IGNORECASE)
_LETTER = re.compile(r"^\(?([a-z])\)\s*")


@dataclass(frozen=True)
class SolutionsPart:
    """Where the solutions part is and the answer blocks it gives each question."""

    start: int
    """Index of the solutions heading (the part runs to ``end``)."""
    end: int
    answers: dict[int, list[Block]]
    """Question paragraph index → the solution's blocks (its ``b)`` paragraph first)."""


def is_solution_heading(text: str) -> bool:
    """``### Lösungen``: the heading of an exam sheet's solutions part."""
    return bool(_SOLUTION_TITLE.match(clean(text).strip("*_: ")))


def letter_of(block: Block) -> str:
    """``b`` for a paragraph that starts with ``b)`` or ``(b)``, else ``""``."""
    if block.kind != "paragraph":
        return ""
    match = _LETTER.match(clean(block.text))
    return match.group(1) if match else ""


def find_solutions(tokens: Sequence[Token], blocks: Sequence[Block]) -> SolutionsPart | None:
    """The solutions part of an exam sheet and the questions it answers, or None."""
    start = next(
        (i for i, b in enumerate(blocks) if b.kind == "heading" and is_solution_heading(b.text)), None
    )
    if start is None:
        return None
    level = blocks[start].level
    end = next(
        (
            i
            for i in range(start + 1, len(blocks))
            if blocks[i].kind == "heading" and blocks[i].level <= level
        ),
        len(blocks),
    )
    solved = _lettered_units(blocks, start + 1, end)
    asked = _lettered_units(blocks, 0, start)
    answers: dict[int, list[Block]] = {}
    for task, letters in asked.items():
        for letter, (question, _) in letters.items():
            unit = solved.get(task, {}).get(letter)
            if unit is not None and not _answers_nothing(tokens, unit[1]):
                answers[question] = unit[1]
    return SolutionsPart(start, end, answers) if answers else None


def _lettered_units(
    blocks: Sequence[Block], start: int, end: int
) -> dict[str, dict[str, tuple[int, list[Block]]]]:
    """Task heading → letter → (index of the lettered paragraph, its blocks up to the next letter)."""
    units: dict[str, dict[str, tuple[int, list[Block]]]] = {}
    task = ""
    current: list[Block] | None = None
    for i in range(start, end):
        block = blocks[i]
        if block.kind == "heading":
            task, current = _task_key(block.text), None
            continue
        letter = letter_of(block)
        if letter and task:
            current = [block]
            units.setdefault(task, {})[letter] = (i, current)
        elif current is not None and not block.blank:
            current.append(block)
    return units


def _answers_nothing(tokens: Sequence[Token], unit: Sequence[Block]) -> bool:
    """``b) ![tree]()``: the solution is only an image whose link was lost."""
    for block in unit:
        inline = block.inline
        if inline is None:
            return False
        for child in inline.children or ():
            if child.type == "image" and child.attrs.get("src"):
                return False
            if child.type == "text" and _LETTER.sub("", child.content).strip():
                return False
            if child.type not in ("image", "text", "softbreak"):
                return False
    return True


def _task_key(text: str) -> str:
    """``Aufgabe 2 (12P)`` and ``Aufgabe 2`` name the same task."""
    return judged_text(clean(text)).casefold()
