"""How this author marks questions: detected once per document, before it is read.

Each line of notes is ambiguous on its own: ``## 14. Variance`` is a topic in
lecture notes but a question in an interview sheet where the headings around
it ask. A student settles that by looking at the whole document first; so does
the reader. The conventions found here decide the ambiguous cases, and
``notedeck check`` names them for each file.

- **Question headings at a level**: most headings of one level ask (at least
  three, three in four), or the document's title declares a list of questions
  (``Interview questions``, ``Domande``, ``FAQ``…). Every heading of that level
  with an answer of its own under it is then a question, even one phrased as a
  topic. A heading of the run that only groups sub-headings hands the role to
  them when one of them asks; otherwise its sub-sections are its answer.
  A heading over questions of its own (an exercise) is never a question.
- **Hidden answers**: a heading followed by a ``<details>`` block is a task
  whose answer the author folded away.
- **Quoted questions**: short one-line ``> quotes`` followed by prose, at
  least three of them and one that asks: each is a sub-question of the heading
  above it, which the card shows as context.
- **Flashcard markup**: the Obsidian spaced-repetition plugin's marks
  (:mod:`cards.markup`), when the document uses them.

The evidence is counted so that sections of a big document, read on several
cores, can check they decided as the whole document would (:func:`combine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from markdown_it.token import Token

from cards import markup
from cards.blocks import Block, block_is_link_only
from cards.lexicon import QUESTION_DOCUMENT_TITLES, alternation
from cards.markup import MarkupCounts
from cards.options import DEFAULT, ReaderOptions
from cards.questions import (
    asks_heading,
    asks_paragraph,
    clean,
    is_instruction,
    is_setup_cue,
)
from cards.signals import is_decoration
from cards.tree import Section, build_tree

_QUESTION_TITLE = re.compile(rf"(?:^|\W)(?:{alternation(QUESTION_DOCUMENT_TITLES)})(?:\W|$)", re.IGNORECASE)
_DETAILS = re.compile(r"^\s*<details\b", re.IGNORECASE)
_MIN_RUN = 3
_QUOTE_MAX_CHARS = 160


@dataclass(frozen=True)
class Evidence:
    """What the document shows, counted: enough to decide its conventions.

    Counts add up, so a big document read in sections can check that each
    section decided as the whole document would (see :func:`combine`).
    """

    headings: tuple[int, ...] = (0,) * 7
    """Headings by level (index 1 to 6)."""
    answered: tuple[int, ...] = (0,) * 7
    """Headings with an answer under them, by level."""
    asking: tuple[int, ...] = (0,) * 7
    """Of those, the ones that ask, by level."""
    title: tuple[int, bool] | None = None
    """Level of the document's first heading and whether it declares a list of questions."""
    quotes: int = 0
    """One-line ``>`` quotes followed by prose."""
    quote_asks: bool = False
    """One of those quotes asks."""
    markup: MarkupCounts = field(default_factory=MarkupCounts)
    """Marks of the Obsidian spaced-repetition plugin."""


@dataclass(frozen=True)
class Conventions:
    """The author's ways of marking questions in one document."""

    question_levels: frozenset[int] = frozenset()
    """Heading levels whose headings are questions (when they have an answer)."""
    quoted: bool = False
    """One-line ``>`` quotes followed by prose are sub-questions."""
    obsidian: bool = False
    """Obsidian spaced-repetition markup (``::``, ``?`` lines, ``==highlights==``) makes cards."""
    declared: frozenset[int] = frozenset()
    """Question levels declared by the title (``# Interview questions``), not only seen."""

    def names(self) -> list[str]:
        """The conventions found, as ``notedeck check`` prints them."""
        found = [f"question headings (level {level})" for level in sorted(self.question_levels)]
        if self.quoted:
            found.append("quoted sub-questions")
        if self.obsidian:
            found.append("Obsidian spaced-repetition markup")
        return found


@dataclass(frozen=True)
class Reading:
    """The conventions of a document and the blocks they make questions of."""

    conventions: Conventions
    evidence: Evidence
    hidden_answers: frozenset[int] = frozenset()
    """Block indexes of headings followed by a ``<details>`` answer."""
    quotes: frozenset[int] = frozenset()
    """Block indexes of one-line ``>`` quotes followed by prose."""
    containers: frozenset[int] = frozenset()
    """Block indexes of headings whose section asks questions of its own (an exercise)."""
    answered: frozenset[int] = frozenset()
    """Block indexes of headings with an answer of their own right below them."""
    grouped: frozenset[int] = frozenset()
    """Sub-headings of a heading of the question run that only groups them (they are its questions)."""

    def heading_is_question(self, index: int, block: Block) -> bool:
        """True when the document's convention makes this heading a question.

        A heading over questions of its own (``## Exercise`` then ``What is…?``)
        is the exercise, not a question, whatever the convention.
        """
        if index in self.hidden_answers:
            return True
        levels = self.conventions.question_levels
        in_run = block.level in levels or index in self.grouped
        return in_run and index in self.answered and index not in self.containers

    def quote_is_question(self, index: int) -> bool:
        """True for a ``>`` quote that is a sub-question of the heading above."""
        return self.conventions.quoted and index in self.quotes

    def names(self) -> list[str]:
        """Every convention in use, hidden answers included."""
        names = self.conventions.names()
        return [*names, "headings with <details> answers"] if self.hidden_answers else names


def read_conventions(
    tokens: Sequence[Token],
    blocks: Sequence[Block],
    tags: Sequence[str] = (),
    options: ReaderOptions = DEFAULT,
) -> Reading:
    """Look at the whole document once and say how its author marks questions."""
    sections = [s for s in build_tree(blocks).walk() if s.heading is not None]
    headings = [(s.heading, blocks[s.heading]) for s in sections if s.heading is not None]
    with_answer = {s.heading for s in sections if s.heading is not None and _has_answer(tokens, blocks, s)}
    counts, answered, asking = [0] * 7, [0] * 7, [0] * 7
    for i, b in headings:
        counts[b.level] += 1
        if i in with_answer:
            answered[b.level] += 1
            asking[b.level] += asks_heading(b.text)
    first = min(headings, default=None, key=lambda pair: pair[0])
    title = (first[1].level, bool(_QUESTION_TITLE.search(clean(first[1].text)))) if first else None
    quotes = frozenset(i for i, b in enumerate(blocks) if _is_quote_prompt(tokens, blocks, i, b))
    quote_asks = any(asks_paragraph(_quote_text(tokens, blocks[i])) for i in quotes)
    evidence = Evidence(
        tuple(counts),
        tuple(answered),
        tuple(asking),
        title,
        len(quotes),
        quote_asks,
        markup.count(tokens, tags, options.separators()),
    )
    hidden = frozenset(
        s.heading for s in sections if s.heading is not None and _intro_is_details(tokens, blocks, s)
    )
    containers = frozenset(
        s.heading
        for s in sections
        if s.heading is not None and not _answers_first(blocks, s) and _asks_inside(tokens, blocks, s)
    )
    conventions = decide(evidence, options)
    grouped: set[int] = set()
    for section in sections:
        head = section.heading
        children = [c.heading for c in section.children if c.heading is not None]
        if head is None or head in with_answer or not children:
            continue
        if blocks[head].level not in conventions.question_levels:
            continue
        if any(asks_heading(blocks[k].text) for k in children):
            grouped.update(children)  # it groups questions: they are the cards
        elif blocks[head].level in conventions.declared and any(k in with_answer for k in children):
            with_answer.add(head)  # a declared question whose sub-sections answer it (``### CI/CD``: CI, CD)
    return Reading(
        conventions, evidence, hidden, quotes, containers, frozenset(with_answer), frozenset(grouped)
    )


def decide(evidence: Evidence, options: ReaderOptions = DEFAULT) -> Conventions:
    """The conventions the evidence shows, as far as the deck's options let them."""
    seen = {
        level
        for level in range(2, 7)
        if evidence.asking[level] >= _MIN_RUN and evidence.asking[level] * 4 >= evidence.answered[level] * 3
    }
    declared: set[int] = set()
    if evidence.title is not None and evidence.title[1]:
        level = next(
            (lv for lv in range(evidence.title[0] + 1, 7) if evidence.headings[lv] >= _MIN_RUN), None
        )
        declared = {level} if level is not None else set()
    quoted = evidence.quotes >= _MIN_RUN and evidence.quote_asks
    obsidian = options.markup == "on" or (options.markup == "auto" and evidence.markup.obsidian)
    if options.conventions == "off":
        return Conventions(obsidian=obsidian)
    return Conventions(frozenset(seen | declared), quoted, obsidian, frozenset(declared))


def combine(parts: Sequence[Evidence]) -> Evidence:
    """The evidence of a whole document from that of its consecutive sections."""
    return Evidence(
        tuple(map(sum, zip(*(p.headings for p in parts), strict=True))),
        tuple(map(sum, zip(*(p.answered for p in parts), strict=True))),
        tuple(map(sum, zip(*(p.asking for p in parts), strict=True))),
        next((p.title for p in parts if p.title is not None), None),
        sum(p.quotes for p in parts),
        any(p.quote_asks for p in parts),
        MarkupCounts(
            any(p.markup.tagged for p in parts),
            sum(p.markup.separators for p in parts),
            sum(p.markup.question_marks for p in parts),
        ),
    )


def _after(blocks: Sequence[Block], index: int) -> Iterator[Block]:
    """The blocks after ``index``, without copying the list."""
    for k in range(index + 1, len(blocks)):
        yield blocks[k]


def _intro(blocks: Sequence[Block], section: Section) -> Iterator[Block]:
    """The section's intro blocks that show something (blanks and status lines left out)."""
    for k in section.intro:
        block = blocks[k]
        if not (block.blank or (block.kind == "paragraph" and is_decoration(block.text))):
            yield block


def _has_answer(tokens: Sequence[Token], blocks: Sequence[Block], section: Section) -> bool:
    """Its intro holds something other than rules, links and HTML (a ``<details>`` answer counts)."""
    for block in _intro(blocks, section):
        if block.kind in ("hr", "front_matter"):
            continue
        if block.kind == "html_block" and not _DETAILS.match(tokens[block.start].content):
            continue
        if not block_is_link_only(tokens, block):
            return True
    return False


def _asks_inside(tokens: Sequence[Token], blocks: Sequence[Block], section: Section) -> bool:
    """The section holds a question: a paragraph, sub-heading or list item that asks, or an instruction."""
    for k in section.body():
        block = blocks[k]
        if block.kind == "heading":
            if asks_heading(block.text):
                return True
        elif (block.kind == "paragraph" and (asks_paragraph(block.text) or is_instruction(block.text))) or (
            block.kind == "ordered_list"
            and any(t.type == "inline" and asks_heading(t.content) for t in tokens[block.start : block.end])
        ):
            return True
    return False


def _answers_first(blocks: Sequence[Block], section: Section) -> bool:
    """The intro starts with prose of its own (``## GIL`` then its definition), not a setup."""
    first = next(_intro(blocks, section), None)
    if first is None or first.kind != "paragraph":
        return False
    text = first.text
    return not (asks_paragraph(text) or is_instruction(text) or is_setup_cue(text))


def _intro_is_details(tokens: Sequence[Token], blocks: Sequence[Block], section: Section) -> bool:
    """The heading is followed by a ``<details>`` block: the author folded its answer away."""
    first = next(_intro(blocks, section), None)
    return (
        first is not None and first.kind == "html_block" and bool(_DETAILS.match(tokens[first.start].content))
    )


def _is_quote_prompt(tokens: Sequence[Token], blocks: Sequence[Block], index: int, block: Block) -> bool:
    if block.kind != "blockquote" or block.end - block.start != 5:  # quote > paragraph > inline
        return False
    text = _quote_text(tokens, block)
    if not text or "\n" in text.strip() or len(text) > _QUOTE_MAX_CHARS or text.startswith("[!"):
        return False
    following = next((b for b in _after(blocks, index) if not b.blank), None)
    return following is not None and following.kind in ("paragraph", "bullet_list", "ordered_list", "fence")


def _quote_text(tokens: Sequence[Token], block: Block) -> str:
    inline = tokens[block.start + 2]
    return inline.content.strip() if inline.type == "inline" else ""
