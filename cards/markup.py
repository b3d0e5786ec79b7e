"""Flashcard markup students already write for Obsidian and Logseq plugins, and Anki clozes.

- Obsidian Spaced Repetition: ``front::back`` (``:::`` both ways), ``front;;back``
  (a common one-way setting), multi-line cards split by a line ``?`` (``??``
  both ways), ``==highlight==`` clozes, ``<!--SR:…-->`` scheduling comments.
- Obsidian_to_Anki: ``START`` / ``Basic`` or ``Cloze`` / ``Front:`` … ``Back:`` … / ``END``.
- Logseq: a block starting ``#card``; its child blocks are the answer; ``key:: value``
  property lines are not cards.
- Anki's own ``{{c1::text::hint}}`` clozes, anywhere.

Separators are only read in a document that uses the plugin (its ``flashcards``
tag, or at least three separator lines or two ``?`` lines): ``std::vector`` in
the prose of plain notes stays prose. Everything here works on markdown-it's
inline tokens, line by line (a line is what the plugins read).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from markdown_it.token import Token

from cards.blocks import Block, inline_lines, plain_text
from cards.options import DEFAULT
from cards.questions import clean

MarkupKind = Literal["basic", "reversed", "cloze"]

Separators = tuple[tuple[str, Literal["basic", "reversed"]], ...]
SEPARATORS: Separators = DEFAULT.separators()
"""Single-line separators, longest first (``:::`` contains ``::``); a deck may name others."""
MIN_SEPARATOR_LINES = 3
MIN_QUESTION_MARK_LINES = 2

_PROPERTY = re.compile(r"^[a-z][a-z0-9_-]*$")
"""``collapsed:: true``: a Logseq property, not a card (its key is one lower-case word)."""
_SETTING = re.compile(r"^(?:TARGET DECK|FILE TAGS|DELETE)\b")
"""Obsidian_to_Anki's settings lines (``TARGET DECK: Bio::Cells``): never cards."""
_MARK_LINE = re.compile(r"^\s*\?\??\s*$", re.MULTILINE)
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
"""``:exclamation::exclamation:``: emoji shortcodes, whose colons are no separator."""
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_OPENING = re.compile(r"==(?=\S)")
_ANKI_CLOZE = re.compile(r"\{\{c\d+::")
_SCHEDULING = re.compile(r"^\s*<!--\s*(?:SR:|ID:)[^>]*-->\s*$", re.IGNORECASE)
_CARD_TAG = re.compile(r"^\s*#card\b\s*", re.IGNORECASE)
_LOGSEQ_PROPERTY_LINE = re.compile(r"^\s*[\w-]+::\s")
_FIELD_LABEL = re.compile(r"^(?:Text|Front|Back|Extra):\s*")
_NOTE_TYPES = ("Basic", "Cloze", "Basic (and reversed card)")
_FLASHCARDS_TAG = re.compile(r"(?:^|[^\w-])flashcards\b", re.IGNORECASE)


@dataclass(frozen=True)
class MarkupCounts:
    """What a document shows of the Obsidian spaced-repetition plugin (counts add up over sections)."""

    tagged: bool = False
    """Its tags include ``flashcards`` (the plugin's default deck tag)."""
    separators: int = 0
    """Lines ``front::back`` / ``front;;back``."""
    question_marks: int = 0
    """Lines ``?`` / ``??``."""

    @property
    def obsidian(self) -> bool:
        """The document is written for the plugin: its separators and highlights are cards."""
        return (
            self.tagged
            or self.separators >= MIN_SEPARATOR_LINES
            or self.question_marks >= MIN_QUESTION_MARK_LINES
        )


def count(tokens: Sequence[Token], tags: Sequence[str], separators: Separators = SEPARATORS) -> MarkupCounts:
    """Count the plugin's marks in a document."""
    lines = questions = 0
    marks = _any_of(tuple(separator for separator, _ in separators))
    for token in tokens:
        content = token.content
        if token.type != "inline" or not (
            ("?" in content and _MARK_LINE.search(content)) or marks.search(content)
        ):
            continue  # the usual paragraph: no mark at all, checked without splitting it
        for line in inline_lines(token.children or ()):
            if split_line(line, separators) is not None:
                lines += 1
            elif is_question_mark_line(line):
                questions += 1
    return MarkupCounts(any(_FLASHCARDS_TAG.search(t) for t in tags), lines, questions)


@lru_cache(maxsize=8)
def _any_of(marks: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the separators (the engine scans for their first letters at once)."""
    return re.compile("|".join(map(re.escape, sorted(marks, key=len, reverse=True))) or "(?!)")


def split_line(
    line: Sequence[Token], separators: Separators = SEPARATORS
) -> tuple[list[Token], list[Token], MarkupKind] | None:
    """``front::back`` on one line: its front, back and kind, or None.

    Only plain text holds a separator (``std::vector`` in backticks is code);
    a one-word front is a property (``collapsed:: true``), not a card.
    """
    for k, token in enumerate(line):
        if token.type != "text":
            continue
        masked = _SHORTCODE.sub(lambda m: "\0" * len(m.group()), token.content)
        for separator, kind in separators:
            at = masked.find(separator)
            if at < 0:
                continue
            before = token.copy(content=token.content[:at])
            after = token.copy(content=token.content[at + len(separator) :])
            front = [*line[:k], before]
            back = [after, *line[k + 1 :]]
            front_text = clean(plain_text(front))
            if not front_text or not clean(plain_text(back)) or _SETTING.match(front_text):
                return None
            if separator == "::" and _PROPERTY.match(front_text) and after.content.startswith(" "):
                return None
            return front, back, kind
    return None


def is_question_mark_line(line: Sequence[Token]) -> bool:
    """A line ``?`` (or ``??``): the multi-line card separator."""
    return plain_text(line).strip() in ("?", "??")


def question_mark_kind(line: Sequence[Token]) -> MarkupKind:
    return "reversed" if plain_text(line).strip() == "??" else "basic"


def has_highlight(children: Sequence[Token]) -> bool:
    """``==deleted part==`` in plain text: an Obsidian cloze (it may span emphasis and code)."""
    return bool(_OPENING.search(_flat(children)))


def _flat(children: Sequence[Token]) -> str:
    """The line as one string, other inline tokens as a letter (only ``==`` positions matter)."""
    return "".join(t.content if t.type == "text" else "x" for t in children if t.type != "softbreak")


def has_anki_cloze(children: Sequence[Token]) -> bool:
    """``{{c1::…}}`` in plain text: an Anki cloze written into the notes."""
    return any(t.type == "text" and "{{" in t.content and _ANKI_CLOZE.search(t.content) for t in children)


def as_cloze(children: Sequence[Token]) -> list[Token]:
    """The tokens with each ``==highlight==`` turned into Anki's ``{{cN::…}}``, numbered in order.

    A highlight may hold emphasis or code (its ``==`` marks then sit in
    different text tokens); one left open closes at the end of the line.
    """
    number = 0
    open_ = False
    out: list[Token] = []
    for k, token in enumerate(children):
        if token.type != "text" or "==" not in token.content:
            out.append(token)
            continue
        parts = token.content.split("==")
        following = _flat(children[k + 1 :])[:1] or " "
        text = parts[0]
        for n, part in enumerate(parts[1:], 1):
            after = part[:1] or (following if n == len(parts) - 1 else "=")
            if open_:
                text += "}}" + part
                open_ = False
            elif after.strip() and after != "=":  # ``==x``: opens (``a == b`` does not)
                number += 1
                text += f"{{{{c{number}::" + part
                open_ = True
            else:
                text += "==" + part
        out.append(token.copy(content=text))
    if open_:
        out.append(Token("text", "", 0, content="}}"))
    return out


def cloze_plain(text: str) -> str:
    """The sentence a cloze asks about, without markers (its identity)."""
    text = _HIGHLIGHT.sub(r"\1", text)
    return re.sub(r"\{\{c\d+::(.*?)(?:::[^}]*)?\}\}", r"\1", text)


_Q_PREFIX = re.compile(r"^\s*(?:q|question|domanda|frage|pregunta|вопрос)\s*\d*\s*[:.)]\s+", re.IGNORECASE)
_A_PREFIX = re.compile(r"^\s*(?:a|answer|risposta|antwort|respuesta|ответ)\s*\d*\s*[:.)]\s+", re.IGNORECASE)


def strip_prefix(line: Sequence[Token], prefix: re.Pattern[str]) -> list[Token] | None:
    """The line without its ``Q:``/``A:`` label, or None when it has none."""
    head = line[0] if line else None
    if head is None or head.type != "text":
        return None
    match = prefix.match(head.content)
    if match is None:
        return None
    return [head.copy(content=head.content[match.end() :]), *line[1:]]


def may_ask_with_label(text: str) -> bool:
    """``Q: …`` at the start of a paragraph's text (a quick check before splitting it)."""
    return bool(_Q_PREFIX.match(text))


def question_line(line: Sequence[Token]) -> list[Token] | None:
    """``Q: What is…?`` → the question."""
    return strip_prefix(line, _Q_PREFIX)


def answer_line(line: Sequence[Token]) -> list[Token] | None:
    """``A: Because…`` → the answer."""
    return strip_prefix(line, _A_PREFIX)


def is_scheduling_comment(html: str) -> bool:
    """``<!--SR:!2023-12-19,4,290-->`` or ``<!--ID: 168…-->``: the plugins' bookkeeping."""
    return bool(_SCHEDULING.match(html))


def logseq_card(children: Sequence[Token]) -> list[Token] | None:
    """The question of a Logseq block ``#card How to…`` (its first line), or None."""
    lines = inline_lines(children)
    first = lines[0] if lines else []
    head = first[0] if first else None
    if head is None or head.type != "text" or not _CARD_TAG.match(head.content):
        return None
    question = [head.copy(content=_CARD_TAG.sub("", head.content)), *first[1:]]
    return question if clean(plain_text(question)) else None


def is_property_line(line: Sequence[Token]) -> bool:
    """``collapsed:: true``, ``card-last-interval:: 4``: Logseq block properties."""
    return bool(line) and line[0].type == "text" and bool(_LOGSEQ_PROPERTY_LINE.match(line[0].content))


@dataclass(frozen=True)
class Note:
    """An Obsidian_to_Anki ``START`` … ``END`` note, as lines and blocks."""

    kind: MarkupKind
    front: list[list[Token]]
    back_lines: list[list[Token]]
    back_blocks: list[Block]
    end: int
    """Index of the block holding ``END``."""


def obsidian_to_anki(tokens: Sequence[Token], blocks: Sequence[Block], index: int) -> Note | None:
    """The ``START`` … ``END`` note starting at block ``index``, or None."""
    block = blocks[index]
    if block.kind != "paragraph" or block.inline is None or not block.inline.content.startswith("START"):
        return None
    lines = inline_lines(block.inline.children or ())
    words = [clean(plain_text(line)) for line in lines]
    if (
        len(words) < 2
        or words[0] != "START"
        or words[1] not in ("Basic", "Cloze", "Basic (and reversed card)")
    ):
        return None
    kind: MarkupKind = "cloze" if words[1] == "Cloze" else "reversed" if "reversed" in words[1] else "basic"
    end = next((k for k in range(index, len(blocks)) if _ends(blocks[k])), None)
    if end is None:
        return None
    body = lines[2:]
    if end == index:
        body = body[:-1]
    labels = [clean(plain_text(line)) for line in body]
    body = [_without_label(line) for line in body]
    labels = [clean(plain_text(line)) for line in body]
    if "Back:" in labels:
        cut = labels.index("Back:")
        front = [line for line in body[:cut] if clean(plain_text(line)) not in ("Front:", "Text:")]
        back = body[cut + 1 :]
    else:
        front = [line for line in body if clean(plain_text(line)) not in ("Front:", "Text:")]
        back = []
    closing = blocks[end].inline
    if end > index and closing is not None and len(inline_lines(closing.children or ())) > 1:
        return None  # END must stand on its own line after a blank line, or close the START paragraph
    later = [b for b in blocks[index + 1 : end] if not b.blank]
    return Note(kind, front, back, later, end) if front else None


def _without_label(line: list[Token]) -> list[Token]:
    """``Text: The variance…`` → ``The variance…`` (a field label written on the line of its value)."""
    head = line[0] if line else None
    if head is not None and head.type == "text":
        match = _FIELD_LABEL.match(head.content)
        if match and head.content[match.end() :].strip():
            return [head.copy(content=head.content[match.end() :]), *line[1:]]
    return line


def _ends(block: Block) -> bool:
    if block.kind != "paragraph" or block.inline is None:
        return False
    lines = inline_lines(block.inline.children or ())
    return bool(lines) and clean(plain_text(lines[-1])) == "END"
