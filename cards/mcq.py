"""Multiple-choice questions: options on the front, the correct ones on the back.

Notes mark options in several ways: ``☐``/``☒`` list items or paragraphs,
GitHub task lists (``- [ ]``/``- [x]``) and ``✅`` marks. When every option is
unticked, the correct ones are read from what follows, the way a student reads
an exam solution: a second, ticked copy of the list; ``1. correct 2. false…``;
"the first and last options"; or ``Solution: A + B`` / "the correct answers
are:" followed by the options' own words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from cards.blocks import Block, inline_lines, plain_text
from cards.questions import clean
from cards.render import render_inline

_BOX = re.compile(r"^\s*([☐□☒☑✅✔✓❌✗✘])\s*")
_TRAILING_MARK = re.compile(r"\s*([✅✔❌])\s*$")
_CHECKED = frozenset("☒☑✅✔✓")
_MARK = re.compile("[☐□☒☑✅✔✓❌✗✘]")
_CHECKBOX = "task-list-item-checkbox"
_ORDINALS = {
    "first": 0,
    "second": 1,
    "third": 2,
    "fourth": 3,
    "fifth": 4,
    "sixth": 5,
    "seventh": 6,
    "eighth": 7,
    "ninth": 8,
    "tenth": 9,
}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\b")
_VERDICT = re.compile(
    r"^(correct|true|right|yes|giusta|vera|corretta)\b|^(false|wrong|no|incorrect|sbagliata)\b"
)
_SOLUTION = re.compile(r"^(?:the\s+)?(?:solution|soluzione)s?\b[^:]*:\s*(.*)$", re.IGNORECASE)
_CORRECT_ARE = re.compile(r"\bcorrect\b[^:]*\bare\b[^:]*:?\s*$|\bcorrect\b[^:]*:\s*$", re.IGNORECASE)
_STOP = frozenset(
    ("the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "by", "is", "are", "its", "it")
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Option:
    """One choice of a multiple-choice question."""

    html: str
    """The option's first line as inline HTML, without its box."""
    plain: str
    """Its plain text (for matching against the solution)."""
    checked: bool | None
    """True if ticked, False if explicitly crossed out, None if unmarked."""
    extra: bool = False
    """True if the option's item says more than its first line (an explanation)."""


def options_of(tokens: Sequence[Token], block: Block) -> list[Option] | None:
    """The options a block lists, or None if it is not a list of options."""
    if block.kind == "paragraph" and block.inline is not None:
        # Every option line starts or ends with a mark, or is a checkbox: most paragraphs have none.
        if not _MARK.search(block.text) and _CHECKBOX not in block.inline.content:
            return None
        return _paragraph_options(block.inline.children or ())
    if block.kind not in ("bullet_list", "ordered_list"):
        return None
    items = _item_inlines(tokens, block)
    options = [_option(children, item_extra) for children, item_extra in items]
    if not options or any(o is None for o in options):
        marked = [o for o in options if o is not None]
        # ✅ style: a few items carry the mark, the others are plain options.
        if not any(o.checked for o in marked) or not _trailing_style(items):
            return None
        return [o or _plain_option(children) for o, (children, _) in zip(options, items, strict=True)]
    return [o for o in options if o is not None]


def correct_options(options: Sequence[Option], tokens: Sequence[Token], answer: Sequence[Block]) -> list[int]:
    """Indices of the correct options, from the marks or from the solution text."""
    marked = [i for i, o in enumerate(options) if o.checked]
    if marked:
        return marked
    for finder in (_from_marked_copy, _from_verdicts, _from_ordinals, _from_solution_words):
        found = finder(options, tokens, answer)
        if found:
            return found
    return []


def options_html(options: Sequence[Option], correct: Sequence[int] | None = None) -> str:
    """``<ul class="options">`` of the options, all unticked (front) or the correct ones (back)."""
    if correct is None:
        items = "".join(f"<li>☐ {o.html}</li>" for o in options)
        return f'<ul class="options">{items}</ul>'
    items = "".join(f"<li>☒ {options[i].html}</li>" for i in correct)
    return f'<div class="correct"><ul class="options">{items}</ul></div>'


def _paragraph_options(children: Sequence[Token]) -> list[Option] | None:
    lines = [line for line in inline_lines(children) if plain_text(line).strip()]
    if not lines:
        return None
    options = [_option(line, False) for line in lines]
    if any(o is None for o in options):
        return None
    return [o for o in options if o is not None]


def _item_inlines(tokens: Sequence[Token], block: Block) -> list[tuple[list[Token], bool]]:
    """First inline of each direct item, and whether the item says more than one line."""
    items: list[tuple[list[Token], bool]] = []
    depth = 0
    first: list[Token] | None = None
    extra = False
    for token in tokens[block.start + 1 : block.end - 1]:
        if token.type == "list_item_open" and depth == 0:
            first, extra = None, False
        depth += token.nesting
        if token.type == "inline" and depth == 2:
            if first is None:
                lines = inline_lines(token.children or ())
                first = lines[0]
                extra = any(plain_text(line).strip() for line in lines[1:])
            else:
                extra = True
        elif token.type == "list_item_close" and depth == 0:
            items.append((first or [], extra))
        elif depth > 2 and token.type == "inline":
            extra = True
    return items


def _option(children: Sequence[Token], extra: bool) -> Option | None:
    children = list(children)
    if children and children[0].type == "html_inline" and _CHECKBOX in children[0].content:
        return _make(_lstrip(children[1:]), "checked" in children[0].content, extra)
    if not children or children[0].type != "text":
        return None
    match = _BOX.match(children[0].content)
    if match:
        rest = [children[0].copy(content=children[0].content[match.end() :]), *children[1:]]
        mark = match.group(1)
        checked: bool | None = True if mark in _CHECKED else (False if mark in "❌✗✘" else None)
        return _make(rest, checked, extra)
    trailing = _TRAILING_MARK.search(children[-1].content) if children[-1].type == "text" else None
    if trailing:
        rest = [*children[:-1], children[-1].copy(content=children[-1].content[: trailing.start()])]
        return _make(rest, trailing.group(1) != "❌", extra)
    return None


def _plain_option(children: Sequence[Token]) -> Option:
    return _make(list(children), None, False)


def _make(children: list[Token], checked: bool | None, extra: bool) -> Option:
    return Option(render_inline(children), clean(plain_text(children)), checked, extra)


def _lstrip(children: list[Token]) -> list[Token]:
    if children and children[0].type == "text":
        return [children[0].copy(content=children[0].content.lstrip()), *children[1:]]
    return children


def _trailing_style(items: Sequence[tuple[list[Token], bool]]) -> bool:
    return any(c and c[-1].type == "text" and _TRAILING_MARK.search(c[-1].content) for c, _ in items)


def _keywords(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(clean(text).casefold()) if w not in _STOP}


def _match(piece: str, options: Sequence[Option]) -> int | None:
    """The option a solution fragment names, if exactly one fits best."""
    want = _keywords(piece)
    if not want:
        return None
    scores = sorted(
        ((len(want & _keywords(o.plain)) / len(want), i) for i, o in enumerate(options)), reverse=True
    )
    best, index = scores[0]
    if best < 0.5 or (len(scores) > 1 and scores[1][0] == best):
        return None
    return index


def _answer_texts(tokens: Sequence[Token], answer: Sequence[Block]) -> list[tuple[Block, list[str]]]:
    """Each answer block with its text lines (a paragraph) or its items' first lines (a list)."""
    out: list[tuple[Block, list[str]]] = []
    for block in answer:
        if block.kind == "paragraph" and block.inline is not None:
            out.append(
                (block, [clean(plain_text(line)) for line in inline_lines(block.inline.children or ())])
            )
        elif block.kind in ("bullet_list", "ordered_list"):
            out.append((block, [clean(plain_text(c)) for c, _ in _item_inlines(tokens, block)]))
    return out


def _from_marked_copy(
    options: Sequence[Option], tokens: Sequence[Token], answer: Sequence[Block]
) -> list[int]:
    """A second copy of the options, this time ticked (often with explanations)."""
    for block in answer:
        copy = options_of(tokens, block)
        if not copy or not any(o.checked for o in copy):
            continue
        ticked = {o.plain.casefold() for o in copy if o.checked}
        found = [i for i, o in enumerate(options) if o.plain.casefold() in ticked]
        if found:
            return found
    return []


def _from_verdicts(options: Sequence[Option], tokens: Sequence[Token], answer: Sequence[Block]) -> list[int]:
    """``1. correct  2. false, …``: an ordered list judging each option in turn."""
    for block in answer:
        if block.kind != "ordered_list":
            continue
        numbers = [
            t.info for t in tokens[block.start : block.end] if t.type == "list_item_open" and t.level == 1
        ]
        _, lines = _answer_texts(tokens, [block])[0]
        found = []
        for number, line in zip(numbers, lines, strict=False):
            verdict = _VERDICT.match(line.casefold())
            if verdict and verdict.group(1) and number.isdigit() and 0 < int(number) <= len(options):
                found.append(int(number) - 1)
        if found:
            return found
    return []


def _from_ordinals(options: Sequence[Option], tokens: Sequence[Token], answer: Sequence[Block]) -> list[int]:
    """ "The only correct solutions are the first and last options.\""""
    for _, lines in _answer_texts(tokens, answer):
        for line in lines:
            lower = line.casefold()
            if "correct" not in lower or not re.search(r"\b(options?|answers?|ones?|statements?)\b", lower):
                continue
            found = [len(options) - 1 if w == "last" else _ORDINALS[w] for w in _ORDINAL.findall(lower)]
            found = sorted({i for i in found if i < len(options)})
            if found:
                return found
    return []


def _from_solution_words(
    options: Sequence[Option], tokens: Sequence[Token], answer: Sequence[Block]
) -> list[int]:
    """``Solution: ReLu + Xavier`` or "the correct answers are:" and a list of the options' words."""
    texts = _answer_texts(tokens, answer)
    for k, (block, lines) in enumerate(texts):
        if block.kind != "paragraph":
            continue
        text = " ".join(lines)
        solution = _SOLUTION.match(text)
        pieces: list[str] = []
        if solution and solution.group(1).strip():
            pieces = [p for p in re.split(r"[+,;]", solution.group(1)) if p.strip()]
        elif (_CORRECT_ARE.search(text) or solution) and k + 1 < len(texts):
            following, items = texts[k + 1]
            if following.kind in ("bullet_list", "ordered_list"):
                pieces = items
        found = [m for m in (_match(p, options) for p in pieces) if m is not None]
        if pieces and len(found) * 2 >= len(pieces):
            return sorted(set(found))
    return []


_LETTER = re.compile(r"^\s*([A-Ha-h])\s*[.)]\s+")
_ANSWER_LETTERS = re.compile(
    r"(?:correct\s+answers?|right\s+answers?|answers?|solutions?|risposta(?:\s+corretta)?|soluzione|"
    r"lösung|antwort|respuesta(?:\s+correcta)?|réponse(?:\s+correcte)?|ответ)\s*[:：]\s*"
    r"([A-H](?:\s*(?:,|&|\+|/|\band\b|\be\b|\bund\b|\by\b|\bet\b)\s*[A-H])*)\b",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Choice:
    """A multiple-choice question written inside one list item: its options and what follows."""

    options: list[Option]
    correct: list[int]
    rest: list[Block]
    """The item's blocks after the options, minus a block that only names the letters."""
    solution: str = ""
    """The author's ``Correct answer: B`` line, when it came from such a block."""


def lettered_options(tokens: Sequence[Token], block: Block) -> list[Option] | None:
    """``- A. …`` ``- B. …``: a list whose items are lettered in order, or None."""
    if block.kind not in ("bullet_list", "ordered_list"):
        return None
    items = _item_inlines(tokens, block)
    letters = []
    for children, _ in items:
        head = children[0] if children else None
        match = _LETTER.match(head.content) if head is not None and head.type == "text" else None
        if match is None:
            return None
        letters.append(match.group(1).upper())
    if len(letters) < 2 or "".join(letters) != "ABCDEFGH"[: len(letters)]:
        return None
    return [_plain_option(children) for children, _ in items]


def answer_letters(text: str, count: int) -> list[int]:
    """``Correct answer: B, D`` → ``[1, 3]`` (empty when no such line names valid letters)."""
    match = _ANSWER_LETTERS.search(text)
    if match is None:
        return []
    found = sorted({"ABCDEFGH".index(ch.upper()) for ch in re.findall(r"[A-Ha-h]\b", match.group(1))})
    return found if found and found[-1] < count else []


def item_choice(tokens: Sequence[Token], blocks: Sequence[Block]) -> Choice | None:
    """The options of a numbered question item and the correct ones, if both are there.

    Options are ticked boxes (``- [x]``) or lettered (``- A. …``) with a
    ``Correct answer: B`` line after them (also inside a ``<details>`` block).
    """
    for k, block in enumerate(blocks):
        options = options_of(tokens, block) or lettered_options(tokens, block)
        if not options:
            continue
        rest = list(blocks[k + 1 :])
        correct = [i for i, o in enumerate(options) if o.checked]
        solution = ""
        if not correct:
            for j, later in enumerate(rest):
                text = _block_text(tokens, later)
                correct = answer_letters(text, len(options))
                if correct:
                    line = _ANSWER_LETTERS.search(text)
                    if line is not None and _only_letters(text):  # a folded ``<details>``: just the letters
                        del rest[j]
                        solution = clean(line.group(0))
                    break
        return Choice(options, correct, rest, solution) if correct else None
    return None


def _block_text(tokens: Sequence[Token], block: Block) -> str:
    if block.kind == "html_block":
        return _TAGS.sub(" ", tokens[block.start].content)
    return block.text


def _only_letters(text: str) -> bool:
    """The block says nothing but which letters are correct (``Answer`` summary included)."""
    rest = _ANSWER_LETTERS.sub("", text)
    return not re.sub(r"(?i)\b(?:answers?|show|risposta|lösung|solution)\b", "", rest).strip()
