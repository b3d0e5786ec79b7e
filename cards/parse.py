"""Notes → cards: read the notes block by block, the way a student splits them.

The Markdown is parsed once (markdown-it); its tokens are grouped into
top-level blocks (:mod:`cards.blocks`) and walked once, left to right, by a
small state machine:

- ``#`` headings are chapters (tags ``Deck::Chapter``), except a lowercase
  ``# comment`` line sitting next to code, which is code that lost its fence.
- A heading or a paragraph that asks (:mod:`cards.questions`) starts a card and
  ends the previous one; what follows is its answer. A question that repeats
  part of the open card's question is a sub-heading of that answer.
- Headings that do not ask either structure the open answer (``### Solution``,
  ``### **Fast R-CNN**``, anything deeper than the question) or open an
  exercise section. What an exercise shows before its first question (code, a
  setup paragraph) is the *context* of its questions; ``Consider…``/``Assume…``
  paragraphs after an answer extend or replace it.
- Options after a question make it multiple-choice (:mod:`cards.mcq`); an
  ordered list of questions followed by numbered answers gives one card per
  question (:mod:`cards.numbered`).
- HTML comments let the author steer: ``<!-- card -->`` (the next heading or
  paragraph is a question), ``<!-- no-card -->`` (skip the next card) and
  ``<!-- card id: NAME -->`` (pin the next card's identity).
"""

from __future__ import annotations

import bisect
import gc
import itertools
import re
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Literal

import yaml
from markdown_it.token import Token

from cards import glossary, markup, mcq, numbered
from cards.blocks import (
    Block,
    block_is_link_only,
    inline_lines,
    looks_like_code_line,
    plain_text,
    split_blocks,
)
from cards.conventions import Conventions, Evidence, Reading, combine, decide, read_conventions
from cards.formulas import formula_problems
from cards.ids import normalise_question
from cards.lexicon import EXERCISE_HEADINGS, alternation
from cards.model import Card, CardKind, CodeBlock, NoteWarning, ParseResult, chapter_tag
from cards.oddities import fence_is_closed, structure_problems
from cards.options import DEFAULT, ReaderOptions
from cards.questions import (
    asks_heading,
    asks_paragraph,
    clean,
    contained,
    continues_question,
    continues_setup,
    ends_open,
    follows_up,
    is_bare_number,
    is_emdash,
    is_instruction,
    is_placeholder,
    is_point_value,
    is_setup_cue,
    is_subheading_name,
)
from cards.render import markdown_parser, render_inline, render_tokens
from cards.signals import is_decoration, judged_text
from cards.solutions import find_solutions

_DIRECTIVE = re.compile(r"^<!--\s*(no-card|card(?:\s+id\s*:\s*([^\s>]+?))?)\s*-->\s*$", re.IGNORECASE)
_LINE_ENDINGS = re.compile(r"\r\n?")
_FOLD = re.compile(
    r"^\s*(?:<details[^>]*>\s*(?:<summary[^>]*>[^<]{0,80}</summary>)?\s*(?:<p>)?|(?:</p>)?\s*</details>)\s*$",
    re.IGNORECASE,
)
"""``<details><summary>show</summary>`` and ``</details>`` lines around an answer written in Markdown."""
_EXERCISE = re.compile(rf"^(?:{alternation(EXERCISE_HEADINGS)})\b", re.IGNORECASE)
_NO_ANSWER = "write the answer below it or add <!-- no-card -->"
_CODE_BLOCKS = frozenset({"fence", "code_block"})
_CONTAINERS = frozenset({"bullet_list_open", "ordered_list_open", "list_item_open", "blockquote_open"})

DraftKind = Literal["heading", "paragraph", "group", "quote"]


def parse_notes(text: str, *, source: str, deck: str = "") -> list[Card]:
    """Return the cards of one notes file (see :func:`parse_document`)."""
    return list(parse_document(text, source=source, deck=deck).cards)


def parse_document(
    text: str, *, source: str, deck: str = "", options: ReaderOptions = DEFAULT
) -> ParseResult:
    """Parse Markdown notes into cards, warnings and code blocks.

    ``source`` only labels cards and warnings; ``deck`` prefixes the chapter
    tags (``Deck::Chapter``). Never raises on odd input: what cannot become a
    card is reported as a warning.
    """
    text = _LINE_ENDINGS.sub("\n", text.removeprefix("\ufeff"))
    with _reading():
        tokens = markdown_parser().parse(text)
        walker = _Walker(tokens, source, deck, options=options)
        walker.run()
        return ParseResult(tuple(walker.cards), tuple(walker.warnings), walker.code_blocks(text))


_PER_DOCUMENT = (clean, asks_heading, asks_paragraph, judged_text)
"""Text predicates remembered while one document is read: the conventions pass and the walk
ask them of the same headings and paragraphs; forgotten after it, so memory stays bounded."""


@contextmanager
def _reading() -> Iterator[None]:
    """Read one document: the cyclic garbage collector paused, the text predicates remembered.

    markdown-it makes a token object per piece of Markdown, and each few hundred
    new objects trigger a collection that walks all the live tokens: a third of
    the parse time of a 2 MB file. Parsing makes no reference cycles, so nothing
    is left for the collector afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        for predicate in _PER_DOCUMENT:
            predicate.cache_clear()
        if enabled:
            gc.enable()


# -- big documents in sections ---------------------------------------------------------------
#
# A ``##`` question heading usually leaves the walker in the state a fresh walker starts in
# (the previous card closed, no exercise setup, no pending directive), and Markdown cannot
# carry anything across such a line unless a fence, HTML block or formula is left open
# before it or a link reference is defined. So a big document can be cut before such
# headings, the sections parsed on their own (on several cores) and the results put back
# together. Every cut is checked afterwards from both sides; if any check fails, the
# caller parses the whole document instead, so the result is always the serial one.

_SAFE_LAST_BLOCKS = frozenset({"paragraph", "heading", "bullet_list", "ordered_list", "blockquote", "hr"})
_OPAQUE_BLOCKS = frozenset({"math_block", "math_block_label", "fence", "code_block", "html_block"})
_CHAPTER_LINE = re.compile(r"^# .*$", re.MULTILINE)
_CUT = "\n## "


@dataclass(frozen=True)
class SectionJob:
    """One section of a document to parse: its text and where it sits."""

    text: str
    first_line: int
    """0-based line of the document where ``text`` starts."""
    limit: int | None
    """0-based line where the next section starts (None for the last section)."""
    chapter: tuple[str, ...]
    """The chapter the section is expected to start in (checked when merging)."""
    conventions: Conventions | None = None
    """The whole document's conventions, once known (None: decide from the section alone)."""


@dataclass(frozen=True)
class Section:
    """A parsed section, with what :func:`merge_sections` checks."""

    cards: tuple[Card, ...]
    warnings: tuple[NoteWarning, ...]
    formula_warnings: tuple[NoteWarning, ...]
    structure_warnings: tuple[NoteWarning, ...]
    code_blocks: tuple[CodeBlock, ...]
    starts_clean: bool
    """It opens with a ``##`` heading that asks."""
    ends_clean: bool
    """A ``##`` question next would find the walker as a fresh one finds it, and no block is left open."""
    chapter_in: tuple[str, ...]
    chapter_out: tuple[str, ...]
    keys: frozenset[str]
    """Identity keys used (a key seen in two sections would be a duplicate)."""
    evidence: Evidence
    conventions: Conventions
    """What the section alone showed and decided (the whole document must decide the same)."""


def split_document(text: str, parts: int) -> list[SectionJob]:
    """Cut ``text`` into about ``parts`` sections of similar size before ``##`` headings.

    One section when there is no such heading, a front matter, or a possible
    link reference definition (``]:``), whose link may sit in another section.
    """
    text = _LINE_ENDINGS.sub("\n", text.removeprefix("\ufeff"))
    cuts: list[int] = []
    if parts >= 2 and _may_cut(text):
        for k in range(1, parts):
            cut = text.find(_CUT, len(text) * k // parts)
            if cut != -1 and (not cuts or cut + 1 > cuts[-1]):
                cuts.append(cut + 1)
    return _sections_at(text, cuts)


def split_every(text: str, size: int) -> list[SectionJob]:
    """Cut ``text`` into sections of at least ``size`` characters, before ``##`` headings
    chosen by their own text (about one in :data:`_CUT_ONE_IN`), so that an edit changes the
    sections around it and no others, unless it edits such a heading. One section when
    cutting is not safe (see :func:`split_document`)."""
    text = _LINE_ENDINGS.sub("\n", text.removeprefix("\ufeff"))
    cuts: list[int] = []
    heading = text.find(_CUT, size) if _may_cut(text) else -1
    while heading != -1:
        end = text.find("\n", heading + 1)
        line = text[heading + 1 : end if end != -1 else len(text)]
        if zlib.crc32(line.encode("utf-8", "surrogatepass")) % _CUT_ONE_IN == 0:
            cuts.append(heading + 1)
            heading = text.find(_CUT, heading + 1 + size)
        else:
            heading = text.find(_CUT, heading + 1)
    return _sections_at(text, cuts)


_CUT_ONE_IN = 8
"""Of the ``##`` headings far enough from the previous cut, :func:`split_every` cuts before
those whose text hashes to a multiple of this."""


def _may_cut(text: str) -> bool:
    return not text.startswith("---") and "]:" not in text


def _sections_at(text: str, cuts: Sequence[int]) -> list[SectionJob]:
    """The sections of ``text`` between ``cuts`` (offsets of lines that open a ``##`` heading)."""
    bounds = [0, *cuts, len(text)]
    lines = list(itertools.accumulate(text.count("\n", a, b) for a, b in itertools.pairwise([0, *bounds])))
    chapters = list(_CHAPTER_LINE.finditer(text)) if cuts else []
    starts = [match.start() for match in chapters]
    return [
        SectionJob(
            text[bounds[k] : bounds[k + 1]],
            lines[k],
            lines[k + 1] if k + 2 < len(bounds) else None,
            _chapter_before(chapters, starts, bounds[k]),
        )
        for k in range(len(bounds) - 1)
    ]


def _chapter_before(chapters: Sequence[re.Match[str]], starts: Sequence[int], offset: int) -> tuple[str, ...]:
    """The chapter the last ``# `` line before ``offset`` opens (a guess that merging checks);
    ``chapters`` are all the document's ``# `` lines, ``starts`` where they start."""
    before = bisect.bisect_left(starts, offset)
    if not before:
        return ()
    blocks = split_blocks(markdown_parser().parse(chapters[before - 1].group()))
    title = clean(blocks[0].text) if blocks else ""
    return (title,) if title else ()


def parse_section(
    job: SectionJob, *, source: str, deck: str = "", options: ReaderOptions = DEFAULT
) -> Section:
    """Parse one section of a document as :func:`parse_document` would parse it in place."""
    with _reading():
        tokens = markdown_parser().parse(job.text)
        if job.first_line:
            for token in tokens:
                if token.map is not None:
                    token.map = [token.map[0] + job.first_line, token.map[1] + job.first_line]
        walker = _Walker(tokens, source, deck, job.chapter, options=options)
        if job.conventions is not None:
            walker.reading = replace(walker.reading, conventions=job.conventions)
        first = walker.blocks[0] if walker.blocks else None
        starts_clean = (
            first is not None and first.kind == "heading" and first.level == 2 and asks_heading(first.text)
        )
        ends_clean = (
            walker.walk()
            and _closes_everything(walker, job.first_line + job.text.count("\n"))
            and not _formula_may_run_on(walker, job)
        )
        formulas, structure = walker.late_warnings()
        return Section(
            tuple(walker.cards),
            tuple(walker.warnings),
            tuple(formulas),
            tuple(structure),
            walker.code_blocks(job.text, job.first_line, job.limit),
            starts_clean,
            ends_clean,
            job.chapter,
            walker.chapter,
            frozenset((*walker.keys, *(card.key for card in walker.cards))),
            walker.reading.evidence,
            walker.reading.conventions,
        )


def _closes_everything(walker: _Walker, end_line: int) -> bool:
    """True if the section's last block cannot run on into the next section's first line.

    A ``##`` heading ends paragraphs, lists and quotes; any other block must have
    ended before the section's last line (a fence, HTML block or formula left
    open runs to the end of the text it is given).
    """
    if not walker.blocks:
        return True
    last = walker.blocks[-1]
    token = walker.tokens[last.start]
    if last.kind in _SAFE_LAST_BLOCKS or (last.kind == "fence" and fence_is_closed(token)):
        return True
    return token.map is not None and token.map[1] < end_line


def _formula_may_run_on(walker: _Walker, job: SectionJob) -> bool:
    """True if a line outside formulas and code starts with ``$$``.

    Such a line is text when its closing ``$$`` is missing, but in the whole
    document it would open a formula closed in a later section.
    """
    if "$$" not in job.text:
        return False
    lines = job.text.split("\n")
    for block in walker.blocks:
        token = walker.tokens[block.start]
        if block.kind in _OPAQUE_BLOCKS or token.map is None:
            continue
        start, end = token.map[0] - job.first_line, token.map[1] - job.first_line
        if any(line.lstrip(" \t>").startswith("$$") for line in lines[start:end]):
            return True
    return False


def merge_sections(sections: Sequence[Section], options: ReaderOptions = DEFAULT) -> ParseResult | None:
    """The document's parse result from its sections, or None if a cut was not safe."""
    for before, after in itertools.pairwise(sections):
        if not (before.ends_clean and after.starts_clean and before.chapter_out == after.chapter_in):
            return None
    if any(section.conventions != whole_conventions(sections, options) for section in sections):
        return None  # a section read the author's conventions differently from the whole document
    seen: set[str] = set()
    for section in sections:
        if section.keys & seen:
            return None  # a repeated question: its warning and key need the whole document
        seen |= section.keys
    if sum(1 for section in sections if section.structure_warnings) > 1:
        return None  # the nesting warning is given once per document
    return ParseResult(
        tuple(card for section in sections for card in section.cards),
        (
            *(w for section in sections for w in section.warnings),
            *(w for section in sections for w in section.formula_warnings),
            *(w for section in sections for w in section.structure_warnings),
        ),
        tuple(block for section in sections for block in section.code_blocks),
    )


def whole_conventions(sections: Sequence[Section], options: ReaderOptions = DEFAULT) -> Conventions:
    """The conventions the whole document shows, from what its sections showed."""
    return decide(combine([section.evidence for section in sections]), options)


def document_conventions(text: str, options: ReaderOptions = DEFAULT) -> list[str]:
    """The names of the conventions the reader detects in ``text`` (for ``notedeck check``)."""
    tokens = markdown_parser().parse(_LINE_ENDINGS.sub("\n", text.removeprefix("\ufeff")))
    blocks = split_blocks(tokens)
    return read_conventions(tokens, blocks, _tag_texts(tokens, blocks), options).names()


@dataclass
class _Section:
    """A heading's part of the notes, as far as context is concerned."""

    level: int
    question: bool = False
    heading: Block | None = None
    """The heading that opened the section (quoted sub-questions show it as context)."""
    """Opened by a question heading (its body is an answer, not an exercise)."""
    setup: list[Block] | None = None
    """What the section shows before its questions; None: the enclosing section's."""
    collecting: bool = True
    """Blocks with no open card still go to ``setup``."""
    local: bool = False
    """``setup`` belongs to one numbered question list and ends with it."""


@dataclass
class _Draft:
    """A card being read: its question, then its answer blocks as they come."""

    kind: DraftKind
    question: str
    """Question HTML (inline)."""
    plain: str
    """Question plain text."""
    line: int
    level: int
    """Heading level of a heading question, 0 otherwise."""
    context: list[Block]
    front: list[Block] = field(default_factory=list)
    """Blocks shown with the question (a ``HINT:``, the list a prompt runs into)."""
    options: list[mcq.Option] = field(default_factory=list)
    option_blocks: list[Block] = field(default_factory=list)
    answer: list[Block] = field(default_factory=list)
    items: list[numbered.Item] = field(default_factory=list)
    """The questions of a numbered question list (kind ``group``)."""
    pinned: str = ""
    skip: bool = False
    inferred: bool = False
    """A question by the document's convention only: no warning when it has no answer."""
    scope: str = ""
    """The heading a quoted sub-question belongs to (part of its identity)."""
    env: dict[str, object] = field(default_factory=dict)
    """Render environment: collects the media of the question and answer."""


class _Walker:
    """One pass over the blocks of a document, producing cards and warnings."""

    def __init__(
        self,
        tokens: Sequence[Token],
        source: str,
        deck: str,
        chapter: tuple[str, ...] = (),
        reading: Reading | None = None,
        *,
        options: ReaderOptions = DEFAULT,
    ) -> None:
        self.tokens = tokens
        self.blocks = split_blocks(tokens)
        tags = _tag_texts(tokens, self.blocks)
        self.options = options
        self.reading = (
            reading if reading is not None else read_conventions(tokens, self.blocks, tags, options)
        )
        """How this document's author marks questions (decided before the walk)."""
        self.solutions = find_solutions(tokens, self.blocks)
        """An exam sheet's solutions part, paired with its lettered questions."""
        self.source = source
        self.deck = deck
        self.cards: list[Card] = []
        self.warnings: list[NoteWarning] = []
        self.first_chapter = chapter
        """The chapter the tokens start in (a section of a split document may start inside one)."""
        self.chapter = chapter
        self.chapter_heading: Block | None = None
        """The ``#`` heading of the chapter being read (spaced-repetition cards show it)."""
        self.extra_tags: tuple[str, ...] = ()
        self.sections: list[_Section] = [_Section(1)]
        self.draft: _Draft | None = None
        self.force = False
        self.pinned = ""
        self.skip = False
        self.keys: dict[str, int] = {}
        self.chapter_marks: list[tuple[int, tuple[str, ...]]] = []
        """(token index, chapter) where a chapter starts."""
        self.stops: list[int] = []
        """0-based lines of real ``#``/``##`` headings (where a code block's ``after`` ends)."""
        self.context_cache: dict[tuple[int, ...], tuple[str, tuple[str, ...]]] = {}
        self.tags_cache: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[str, ...]] = {}
        """Tags by chapter and front-matter tags."""

    # -- the walk -------------------------------------------------------------------------

    def run(self) -> None:
        """Walk every block once, then finish the last card and check formulas."""
        self.walk()
        formulas, structure = self.late_warnings()
        self.warnings += (*formulas, *structure)

    def walk(self) -> bool:
        """Walk every block once and finish the last card.

        True if a ``##`` question heading right after these blocks would find
        the walker as a fresh one finds it (see :func:`parse_section`).
        """
        i = 0
        while i < len(self.blocks):
            i = self._step(i)
        draft = self.draft
        resets = not (self.force or self.pinned or self.skip)
        resets = resets and (draft is None or not self._deeper(draft, 2))
        self._close()
        sections = list(self.sections)
        while len(sections) > 1 and sections[-1].level >= 2:
            top = sections[-1]
            if top.level == 2 and not top.question and top.setup:
                return False  # an exercise's setup would be the context of that question
            sections.pop()
        return resets and sections == [_Section(1)]

    def late_warnings(self) -> tuple[list[NoteWarning], list[NoteWarning]]:
        """Warnings about formulas, then about the Markdown's structure, in document order."""
        formulas = [NoteWarning(self.source, line, m) for line, m in formula_problems(self.tokens)]
        structure = [NoteWarning(self.source, line, m) for line, m in structure_problems(self.tokens)]
        return formulas, structure

    def _step(self, i: int) -> int:
        block = self.blocks[i]
        kind = block.kind
        marked = self._markup(i, block)
        if marked is not None:
            return marked
        solutions = self.solutions
        if solutions is not None and solutions.start <= i < solutions.end:
            self._close()  # the solutions part answers the questions above it: no cards of its own
            return i + 1
        if kind == "front_matter":
            self._front_matter(block)
        elif kind == "html_block" and self._directive(block):
            pass
        elif kind == "heading":
            return self._heading(i, block)
        elif kind == "paragraph":
            return self._paragraph(i, block)
        elif kind == "blockquote" and self.reading.quote_is_question(i):
            self.force = False
            return self._quoted(i, block)
        elif kind in ("ordered_list", "bullet_list") and self.draft is None and self._glossary(block):
            self.force = False
        elif kind in ("ordered_list", "bullet_list") and numbered.is_question_list(self.tokens, block):
            self.force = False
            self._group(block)
        else:
            self.force = False
            self._content(block)
        return i + 1

    def _directive(self, block: Block) -> bool:
        match = _DIRECTIVE.match(self.tokens[block.start].content.strip())
        if not match:
            return False
        if match.group(1).lower() == "no-card":
            self.skip = True
        else:
            self.force = True
            self.pinned = match.group(2) or self.pinned
        return True

    def _front_matter(self, block: Block) -> None:
        try:
            data = yaml.safe_load(self.tokens[block.start].content)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = block.line + 1 + (mark.line if mark is not None else 0)
            self._warn(line, "front matter is not valid YAML — fix it or remove it")
            return
        tags = data.get("tags") if isinstance(data, dict) else None
        if isinstance(tags, str):
            tags = tags.replace(",", " ").split()
        if isinstance(tags, list):
            self.extra_tags = tuple(re.sub(r"\s+", "_", str(t).strip()) for t in tags if str(t).strip())
        elif tags is not None:
            self._warn(block.line, "front matter 'tags' must be a list — write tags: [a, b]")

    # -- headings -------------------------------------------------------------------------

    def _heading(self, i: int, block: Block) -> int:
        forced, self.force = self.force, False
        if block.level == 1 and not forced:
            if self._is_code_comment(i, block):
                self._content(replace(block, kind="comment"))
            else:
                self._chapter(i, block)
            return i + 1
        if block.level <= 2 and block.line:
            self.stops.append(block.line - 1)
        draft = self.draft
        if draft is not None and draft.kind == "quote" and not is_subheading_name(block.text):
            self._close()
            draft = None
        nested = draft is not None and self._deeper(draft, block.level)
        inferred = (
            not nested
            and self.reading.heading_is_question(i, block)
            and not is_subheading_name(block.text)
            and not asks_heading(block.text)
        )
        if forced or inferred or asks_heading(block.text, nested=nested):
            if draft is not None and nested and contained(block.text, draft.plain):
                draft.answer.append(block)
                return i + 1
            return self._question(i, block, forced=forced, inferred=inferred)
        if draft is not None and (
            nested or is_subheading_name(block.text) or contained(block.text, draft.plain)
        ):
            draft.answer.append(block)
            return i + 1
        self._close()
        if is_subheading_name(block.text):
            self.sections[-1].collecting = False
            return i + 1
        self._pop_sections(block.level, keep_exercise=False)
        self.sections.append(_Section(block.level, heading=block))
        return i + 1

    def _chapter(self, i: int, block: Block) -> None:
        self._close()
        self.chapter = (clean(block.text),) if clean(block.text) else ()
        self.chapter_heading = block
        self.sections = [_Section(1)]
        self.chapter_marks.append((block.start, self.chapter))
        if block.line:
            self.stops.append(block.line - 1)

    def _is_code_comment(self, i: int, block: Block) -> bool:
        """``# skip connections…`` between code: a Python comment, not a chapter.

        The rule: the text starts with a lowercase letter, and a code block or a
        line that reads as code sits right before or after it.
        """
        text = clean(block.text)
        if not text or not text[0].islower():
            return False
        neighbours = [self.blocks[k] for k in (i - 1, i + 1) if 0 <= k < len(self.blocks)]
        return any(
            b.kind in _CODE_BLOCKS or (b.kind == "paragraph" and looks_like_code_line(b.text))
            for b in neighbours
        )

    def _deeper(self, draft: _Draft, level: int) -> bool:
        """A heading below the open question: part of its answer unless it asks with '?'."""
        if draft.kind == "heading":
            return level > draft.level
        return level > self.sections[-1].level

    def _pop_sections(self, level: int, *, keep_exercise: bool) -> None:
        sections = self.sections
        while len(sections) > 1 and sections[-1].level >= level:
            top = sections[-1]
            if keep_exercise and top.level == level and not top.question and self._opens_run(top):
                break
            sections.pop()

    def _opens_run(self, section: _Section) -> bool:
        """A sibling ``## Exercise`` or a setup saying "answer the following questions".

        Such a section's setup is context for the question headings after it at
        its level. Any other section's setup is context only inside it: a
        question heading beside a topic is not part of it.
        """
        if not section.setup:
            return False
        if section.heading is not None and _EXERCISE.match(clean(section.heading.text)):
            return True
        return any(b.kind == "paragraph" and is_instruction(b.text) for b in section.setup)

    # -- paragraphs -----------------------------------------------------------------------

    def _paragraph(self, i: int, block: Block) -> int:
        text = block.text
        if block.blank or is_point_value(text):
            return i + 1
        forced, self.force = self.force, False
        draft = self.draft
        solved = self.solutions.answers.get(i) if self.solutions is not None else None
        if solved is not None:  # ``b)`` with its solution in the sheet's solutions part
            j = self._question(i, block, forced=forced)
            if self.draft is not None:
                self.draft.answer.extend(solved)
            return j
        if forced or asks_paragraph(text):
            if draft is not None and not forced and (contained(text, draft.plain) or follows_up(text)):
                draft.answer.append(block)
                return i + 1
            return self._question(i, block, forced=forced)
        in_exercise = not self.sections[-1].question
        if draft is not None and draft.kind != "heading" and in_exercise:
            if is_instruction(text):
                self._new_setup([*self._trailing_code(draft), block], local=True)
                return i + 1
            if is_setup_cue(text):
                base = self._setup() if continues_setup(text) else []
                self._new_setup([*base, block], local=False)
                return i + 1
        self._content(block)
        return i + 1

    def _new_setup(self, setup: list[Block], *, local: bool) -> None:
        self._close()
        section = self.sections[-1]
        section.setup, section.collecting, section.local = setup, True, local

    def _trailing_code(self, draft: _Draft) -> list[Block]:
        """Code at the end of an answer that really introduces the next questions."""
        moved: list[Block] = []
        while draft.answer and (draft.answer[-1].kind in _CODE_BLOCKS or draft.answer[-1].blank):
            block = draft.answer.pop()
            if not block.blank:
                moved.insert(0, block)
        return moved

    def _content(self, block: Block) -> None:
        if self.draft is not None:
            self.draft.answer.append(block)
            return
        section = self.sections[-1]
        if section.collecting and not section.question and self._setup_worthy(block):
            if section.setup is None:
                section.setup = []
            section.setup.append(block)

    def _setup_worthy(self, block: Block) -> bool:
        if block.kind in ("hr", "html_block", "comment") or block.blank:
            return False
        if block.kind == "paragraph" and is_decoration(block.text):
            return False
        if block.kind == "paragraph" and (is_bare_number(block.text) or is_point_value(block.text)):
            return False
        return not block_is_link_only(self.tokens, block)

    def _setup(self, *, heading: bool = False) -> list[Block]:
        """The context of a question asked now: the setup of the exercise it belongs to.

        A section's setup is context for the paragraph questions written
        directly in it. For a question in a section below (a heading question,
        or any question under a sub-heading) it is context only when it sets
        up an exercise (:meth:`_is_exercise`): a topic's introduction is not.
        A chapter's own introduction is never context for question headings.
        """
        passed_question = heading
        own = not heading
        for section in reversed(self.sections):
            if section.question:
                passed_question, own = True, False
                continue
            if section.level == 1 and passed_question:
                return []
            if section.setup is not None:
                return list(section.setup) if own or self._is_exercise(section) else []
            own = False
        return []

    def _is_exercise(self, section: _Section) -> bool:
        """A setup that questions refer to: code, a figure, a formula, a table or an instruction."""
        return self._opens_run(section) or any(
            b.kind in ("fence", "code_block", "math_block", "table") or self._has_image(b)
            for b in section.setup or ()
        )

    def _has_image(self, block: Block) -> bool:
        return any(
            t.type == "inline" and any(c.type == "image" for c in t.children or ())
            for t in self.tokens[block.start : block.end]
        )

    # -- questions ------------------------------------------------------------------------

    def _quoted(self, i: int, block: Block) -> int:
        """``> Main benefits`` under ``## Static scheduling``: a sub-question of that heading.

        The heading is the card's context and part of its identity, since the
        same sub-question comes back under every heading.
        """
        self._close()
        heading = next((s.heading for s in reversed(self.sections) if s.heading is not None), None)
        context = self._setup()
        self.sections[-1].collecting = False
        if heading is not None and heading not in context:
            context.insert(0, heading)
        inline = self.tokens[block.start + 2]
        env: dict[str, object] = {}
        self.draft = _Draft(
            kind="quote",
            question=render_inline(inline.children or (), env),
            plain=clean(plain_text(inline.children or ())),
            line=block.line,
            level=0,
            context=context,
            pinned=self.pinned,
            skip=self.skip,
            scope=clean(heading.text) if heading is not None else "",
            env=env,
        )
        self.pinned, self.skip = "", False
        return i + 1

    def _question(self, i: int, block: Block, *, forced: bool, inferred: bool = False) -> int:
        self._close()
        if block.kind == "heading":
            self._pop_sections(block.level, keep_exercise=True)
            context = self._setup(heading=True)
            section = _Section(block.level, question=True, heading=block, setup=None, collecting=False)
            self.sections.append(section)
        else:
            context = self._setup()
            self.sections[-1].collecting = False
        assert block.inline is not None
        children = _unwrap_strong(block.inline.children or ())
        kind: DraftKind = "heading" if block.kind == "heading" else "paragraph"
        env: dict[str, object] = {}
        draft = _Draft(
            kind=kind,
            question=render_inline(children, env),
            plain=clean(block.text),
            line=block.line,
            level=block.level,
            context=context,
            pinned=self.pinned,
            skip=self.skip,
            inferred=inferred,
            env=env,
        )
        self.pinned, self.skip = "", False
        self.draft = draft
        return self._front_blocks(i + 1, draft)

    def _front_blocks(self, j: int, draft: _Draft) -> int:
        """Take what belongs to the front: hints, a list the prompt runs into, options."""
        blocks = self.blocks
        while j < len(blocks) and blocks[j].kind == "paragraph":
            b = blocks[j]
            if b.blank or is_point_value(b.text):
                j += 1
            elif continues_question(b.text, draft.plain):
                draft.front.append(b)
                j += 1
            else:
                break
        j = self._options(j, draft)
        if (
            not draft.options
            and draft.kind == "paragraph"
            and j < len(blocks)
            and blocks[j].kind in ("bullet_list", "ordered_list")
            and ends_open(draft.plain)
            and not numbered.is_question_list(self.tokens, blocks[j])
        ):
            draft.front.append(blocks[j])
            j += 1
        return j

    def _options(self, j: int, draft: _Draft) -> int:
        blocks = self.blocks
        start = j
        while j < len(blocks):
            b = blocks[j]
            if b.blank or (b.kind == "paragraph" and is_point_value(b.text)):
                j += 1
                continue
            if b.kind == "hr" and draft.options and self._options_follow(j + 1):
                j += 1
                continue
            found = mcq.options_of(self.tokens, b)
            if not found:
                break
            draft.options.extend(found)
            draft.option_blocks.append(b)
            j += 1
        return j if draft.options else start

    def _options_follow(self, j: int) -> bool:
        while j < len(self.blocks) and self.blocks[j].blank:
            j += 1
        return j < len(self.blocks) and bool(mcq.options_of(self.tokens, self.blocks[j]))

    def _glossary(self, block: Block) -> bool:
        """A glossary list outside any answer: one card per term (see :mod:`cards.glossary`)."""
        found = glossary.entries(self.tokens, block)
        if not found:
            return False
        skip, self.pinned, self.skip = self.skip, "", False
        self.sections[-1].collecting = False
        for entry in found if not skip else ():
            env: dict[str, object] = {}
            nested = self.tokens[entry.start + 4 : entry.end]  # after the item's first paragraph
            answer = render_inline(entry.definition, env)
            if nested:
                answer = f"<p>{answer}</p>\n{render_tokens(nested, env)}"
            draft = _Draft("paragraph", render_inline(entry.term, env), entry.plain, entry.line, 0, [])
            self._emit(draft, draft.question, answer, "basic", env)
        return True

    # -- flashcard markup -----------------------------------------------------------------

    def _markup(self, i: int, block: Block) -> int | None:
        """Cards written in flashcard-plugin markup at block ``i``: the next block to read, or None."""
        kind = block.kind
        if kind == "html_block":
            return i + 1 if markup.is_scheduling_comment(self.tokens[block.start].content) else None
        if kind == "paragraph" and block.inline is not None:
            note = markup.obsidian_to_anki(self.tokens, self.blocks, i)
            if note is not None:
                self._note(note, block.line)
                return note.end + 1
            children = block.inline.children or ()
            qa = self._question_answer(i, block)
            if qa is not None:
                return qa
            if markup.has_anki_cloze(children):
                self._cloze(list(children), block.line)
                return i + 1
            if self.reading.conventions.obsidian:
                return self._obsidian(i, block)
        elif kind in ("bullet_list", "ordered_list"):
            return self._marked_items(i, block)
        elif kind == "heading" and self.reading.conventions.obsidian:
            return self._heading_card(i, block)
        return None

    def _obsidian(self, i: int, block: Block) -> int | None:
        """A paragraph of Obsidian spaced-repetition cards: ``?`` lines, separators, highlights."""
        assert block.inline is not None
        lines = markup_lines(block.inline.children or ())
        marks = [k for k, line in enumerate(lines) if markup.is_question_mark_line(line)]
        mark = marks[0] if marks else None
        if mark is not None and mark > 0:
            return self._question_mark_cards(i, block, lines, marks)
        if mark is None and self._items_answer(i):
            return self._items_answer(i, take=True)
        found = False
        for k, line in enumerate(lines):
            split = markup.split_line(line, self.options.separators())
            line_no = block.line + k
            if split is not None:
                env: dict[str, object] = {}
                front, back_tokens, kind = split
                self._flashcard([front], render_inline(back_tokens, env), kind, line_no, env)
                found = True
            elif markup.has_highlight(line):
                self._cloze(markup.as_cloze(line), line_no)
                found = True
        return i + 1 if found else None

    def _question_mark_cards(self, i: int, block: Block, lines: list[list[Token]], marks: list[int]) -> int:
        """``front`` / ``?`` / ``back`` cards of one paragraph; with several ``?`` lines and no
        blank line between the cards, each later card's front is the line right above its ``?``."""
        rest, j = self._adjacent(i)
        starts = [0, *(m - 1 for m in marks[1:])]
        for n, mark in enumerate(marks):
            stop = starts[n + 1] if n + 1 < len(marks) else len(lines)
            env: dict[str, object] = {}
            back = _lines_html(lines[mark + 1 : stop], env)
            if n + 1 == len(marks):
                back = _joined(back, self._render(rest, env))
            kind = markup.question_mark_kind(lines[mark])
            self._flashcard(lines[starts[n] : mark], back, kind, block.line + starts[n], env)
        return j

    def _question_answer(self, i: int, block: Block) -> int | None:
        """``Q: …`` then ``A: …`` (on the next line or in the next paragraph): one card."""
        assert block.inline is not None
        if not markup.may_ask_with_label(block.inline.content):
            return None
        lines = markup_lines(block.inline.children or ())
        first = markup.question_line(lines[0]) if lines else None
        if first is None:
            return None
        cut = next((k for k, line in enumerate(lines) if k and markup.answer_line(line) is not None), None)
        env: dict[str, object] = {}
        if cut is not None:
            front = [first, *lines[1:cut]]
            answer = [markup.answer_line(lines[cut]) or [], *lines[cut + 1 :]]
            rest, j = self._adjacent(i)
        else:
            following = self.blocks[i + 1] if i + 1 < len(self.blocks) else None
            answer_lines = (
                markup_lines(following.inline.children or ())
                if following is not None and following.kind == "paragraph" and following.inline is not None
                else []
            )
            opening = markup.answer_line(answer_lines[0]) if answer_lines else None
            if opening is None:
                return None
            front, answer = [first, *lines[1:]], [opening, *answer_lines[1:]]
            rest, j = self._adjacent(i + 1)
        back = _joined(_lines_html(answer, env), self._render(rest, env))
        self._flashcard(front, back, "basic", block.line, env)
        return j

    def _items_answer(self, i: int, *, take: bool = False) -> int | None:
        """``Question?`` then a list whose first item starts with ``?``: a multi-line card."""
        block = self.blocks[i]
        following = self.blocks[i + 1] if i + 1 < len(self.blocks) else None
        if following is None or following.kind not in ("bullet_list", "ordered_list"):
            return None
        inline = self.tokens[following.start + 3] if following.start + 3 < len(self.tokens) else None
        if inline is None or inline.type != "inline":
            return None
        lines = markup_lines(inline.children or ())
        if not lines or not markup.is_question_mark_line(lines[0]):
            return None
        if take:
            assert block.inline is not None
            env: dict[str, object] = {}
            back = _lines_html(lines[1:], env)
            kind = markup.question_mark_kind(lines[0])
            self._flashcard(markup_lines(block.inline.children or ()), back, kind, block.line, env)
        return i + 2

    def _heading_card(self, i: int, block: Block) -> int | None:
        """``## Définition`` then a paragraph starting with a ``?`` line: the heading asks."""
        following = self.blocks[i + 1] if i + 1 < len(self.blocks) else None
        if following is None or following.kind != "paragraph" or following.inline is None:
            return None
        lines = markup_lines(following.inline.children or ())
        if not lines or not markup.is_question_mark_line(lines[0]) or block.inline is None:
            return None
        self._heading(i, replace(block, kind="heading"))  # the heading still opens its section
        self._close()
        rest, j = self._adjacent(i + 1)
        env: dict[str, object] = {}
        back = _joined(_lines_html(lines[1:], env), self._render(rest, env))
        kind = markup.question_mark_kind(lines[0])
        self._flashcard([list(block.inline.children or ())], back, kind, block.line, env)
        return j

    def _marked_items(self, i: int, block: Block) -> int | None:
        """List items that are cards: Logseq ``#card`` blocks, separator lines in a plugin document."""
        found = False
        depth = 0
        for index in range(block.start, block.end):
            token = self.tokens[index]
            depth += token.nesting
            if token.type != "inline" or self.tokens[index - 2].type != "list_item_open":
                continue
            children = token.children or ()
            question = markup.logseq_card(children)
            if question is not None:
                self._logseq(question, index, token)
                found = True
            elif self.reading.conventions.obsidian:
                for k, line in enumerate(markup_lines(children)):
                    split = markup.split_line(line, self.options.separators())
                    if split is not None:
                        env: dict[str, object] = {}
                        front, back_tokens, kind = split
                        line_no = (token.map[0] + 1 if token.map else block.line) + k
                        self._flashcard([front], render_inline(back_tokens, env), kind, line_no, env)
                        found = True
        return i + 1 if found else None

    def _logseq(self, question: list[Token], index: int, inline: Token) -> None:
        """A Logseq ``#card`` block: the answer is its child blocks (properties left out)."""
        item_start = index - 2
        depth, end = 0, item_start
        for end in range(item_start, len(self.tokens)):
            depth += self.tokens[end].nesting
            if depth == 0:
                break
        env: dict[str, object] = {}
        lines = [
            line for line in markup_lines(inline.children or ())[1:] if not markup.is_property_line(line)
        ]
        back = _joined(_lines_html(lines, env), render_tokens(self.tokens[index + 2 : end], env))
        line_no = inline.map[0] + 1 if inline.map else 0
        self._flashcard([question], back, "basic", line_no, env)

    def _note(self, note: markup.Note, line: int) -> None:
        """An Obsidian_to_Anki ``START`` … ``END`` note."""
        env: dict[str, object] = {}
        back = _joined(_lines_html(note.back_lines, env), self._render(note.back_blocks, env))
        if note.kind == "cloze":
            front = [t for line_tokens in note.front for t in (*line_tokens, Token("softbreak", "br", 0))][
                :-1
            ]
            self._cloze(front, line, extra=back)
            return
        self._flashcard(note.front, back, note.kind, line, env)

    def _adjacent(self, i: int) -> tuple[list[Block], int]:
        """The blocks right after block ``i`` with no blank line between (a multi-line card's back)."""
        taken: list[Block] = []
        end = self._end_line(self.blocks[i])
        j = i + 1
        while j < len(self.blocks) and self.blocks[j].line - 1 == end and self.blocks[j].kind != "heading":
            taken.append(self.blocks[j])
            end = self._end_line(self.blocks[j])
            j += 1
        return taken, j

    def _end_line(self, block: Block) -> int:
        """The line after the block's last line of text (a list's own end counts a blank line after it)."""
        ends = [
            t.map[1]
            for t in self.tokens[block.start : block.end]
            if t.map is not None and t.type not in _CONTAINERS
        ]
        return max(ends, default=-1)

    def _flashcard(
        self, front: Sequence[Sequence[Token]], back: str, kind: CardKind, line: int, env: dict[str, object]
    ) -> None:
        """Emit a card written in flashcard markup (front lines as written, back as HTML)."""
        self._close()
        front_html = _lines_html(front, env)
        plain = clean(" ".join(plain_text(part) for part in front)) if back.strip() else ""
        self._marked(front_html, plain, back, kind, line, env)

    def _marked(
        self, question: str, plain: str, answer: str, kind: CardKind, line: int, env: dict[str, object]
    ) -> None:
        """Emit a flashcard-markup card unless `<!-- no-card -->` skips it or it is empty (no `plain`)."""
        skip, self.skip = self.skip, False
        if skip or not plain:
            return
        draft = _Draft("paragraph", question, plain, line, 0, self._breadcrumb(line), pinned=self.pinned)
        self.pinned = ""
        self._emit(draft, question, answer, kind, env)

    def _breadcrumb(self, line: int) -> list[Block]:
        """The heading a spaced-repetition card sits under, which the plugin shows as its context.

        Only the nearest one: the card's own section. A card that is the heading itself has none.
        """
        if not self.reading.conventions.obsidian:
            return []
        headings = [self.chapter_heading, *(s.heading for s in self.sections)]
        nearest = next((h for h in reversed(headings) if h is not None), None)
        return [nearest] if nearest is not None and nearest.line != line else []

    def _cloze(self, children: Sequence[Token], line: int, *, extra: str = "") -> None:
        """A cloze sentence: Anki's ``{{c1::…}}`` markers in the question, the extra on the back."""
        self._close()
        env: dict[str, object] = {}
        question = render_inline(children, env)
        self._marked(question, markup.cloze_plain(clean(plain_text(children))), extra, "cloze", line, env)

    def _group(self, block: Block) -> None:
        draft = self.draft
        if draft is not None and draft.kind != "heading":
            code = self._trailing_code(draft)
            if code:
                self._new_setup(code, local=True)
        self._close()
        context = self._setup()
        self.sections[-1].collecting = False
        items = numbered.list_items(self.tokens, block)
        self.draft = _Draft(
            kind="group",
            question="",
            plain=" ".join(clean(item.plain) for item in items),
            line=block.line,
            level=0,
            context=context,
            items=items,
            option_blocks=[block],
            pinned=self.pinned,
            skip=self.skip,
        )
        self.pinned, self.skip = "", False

    # -- finishing cards ------------------------------------------------------------------

    def _close(self) -> None:
        draft, self.draft = self.draft, None
        if draft is None:
            return
        if draft.kind == "group":
            self._finish_group(draft)
            section = self.sections[-1]
            if section.local:
                section.setup, section.local = [], False
        elif not draft.skip:
            self._finish(draft)

    def _finish(self, draft: _Draft) -> None:
        env = draft.env
        draft.answer = _without_page_numbers(draft.answer)
        answer = self._render_answer(draft.answer, env)
        kind: CardKind = "basic"
        front = draft.question
        if draft.front:
            front = f"<p>{front}</p>\n" + self._render(draft.front, env)
        if draft.options:
            kind = "multiple-choice"
            for block in draft.option_blocks:  # records the options' images in env["media"]
                render_tokens(self.tokens[block.start : block.end], env)
            front = (front if draft.front else f"<p>{front}</p>") + "\n" + mcq.options_html(draft.options)
            correct = mcq.correct_options(draft.options, self.tokens, draft.answer)
            if any(o.extra for o in draft.options):
                answer = (self._render(draft.option_blocks, env) + "\n" + answer).strip()
            if correct:
                answer = (mcq.options_html(draft.options, correct) + "\n" + answer).strip()
            elif not answer:
                self._warn(
                    draft.line,
                    "multiple-choice question has no marked option and no solution — "
                    "tick the correct options (☒ or [x]) or write the solution below",
                )
                return
        if not self._answer_ok(draft, answer, draft.answer):
            return
        self._emit(draft, front, answer, kind, env)

    def _finish_group(self, draft: _Draft) -> None:
        if draft.skip:
            return
        env: dict[str, object] = {}
        units, used = numbered.answer_units(self.tokens, draft.answer, env)
        answers = numbered.pair(draft.items, units)
        inner = any(item.rest < item.end for item in draft.items)
        if answers is None and (units or not inner):
            self._finish_unpaired(draft, bool(units))
            return
        answers = answers or {}
        rest = self._render_answer(draft.answer[used:], env)
        last = max(answers) if answers else draft.items[-1].number
        for item in draft.items:
            item_env: dict[str, object] = {"media": list(_media(env))}
            parts = [numbered.inner_answer(self.tokens, item, item_env)]
            parts += [f"<p>{u.html}</p>" if u.inline else u.html for u in answers.get(item.number, [])]
            if item.number == last and rest:
                parts.append(rest)
            answer = _joined(*parts)
            single = _Draft("paragraph", "", clean(item.plain), item.line, 0, draft.context)
            if not answer:
                if asks_heading(item.plain):  # a remark among the questions is no card
                    self._warn(item.line, f"question {item.number} has no answer — {_NO_ANSWER}")
                continue
            question = numbered.item_html(self.tokens, item, item_env)
            choice = self._item_choice(item, item_env)
            if choice is not None:
                front, answer = choice[0].replace("{question}", question), choice[1]
                self._emit(single, front, answer, "multiple-choice", item_env)
                continue
            if not self._answer_ok(single, answer, []):
                continue
            self._emit(single, question, answer, "basic", item_env)

    def _item_choice(self, item: numbered.Item, env: dict[str, object]) -> tuple[str, str] | None:
        """Front template and back of a numbered item that holds its own options, or None."""
        if item.rest >= item.end:
            return None
        inner = self.tokens[item.rest : item.end]
        choice = mcq.item_choice(inner, split_blocks(inner))
        if choice is None:
            return None
        front = "<p>{question}</p>\n" + mcq.options_html(choice.options)
        rest = "\n".join(render_tokens(inner[b.start : b.end], env) for b in choice.rest)
        if choice.solution:
            rest = f"<p>{_escape(choice.solution)}</p>\n{rest}"
        back = (mcq.options_html(choice.options, choice.correct) + "\n" + rest).strip()
        return front, back

    def _finish_unpaired(self, draft: _Draft, had_units: bool) -> None:
        if had_units:
            self._warn(
                draft.line,
                "numbered questions and answers do not pair up — number each answer like its question",
            )
        env: dict[str, object] = {}
        front = self._render(draft.option_blocks, env)
        answer = self._render_answer(draft.answer, env)
        if self._answer_ok(draft, answer, draft.answer):
            self._emit(draft, front, answer, "basic", env)

    def _answer_ok(self, draft: _Draft, answer: str, blocks: Sequence[Block]) -> bool:
        """False (with a warning) for an empty, link-only or placeholder answer."""
        if not answer.strip():
            if not draft.inferred:
                self._warn(draft.line, f"question has no answer — {_NO_ANSWER}")
            return False
        meaningful = [b for b in blocks if not b.blank and b.kind not in ("hr", "html_block")]
        if meaningful and all(block_is_link_only(self.tokens, b) for b in meaningful):
            self._warn(draft.line, f"answer is only links — {_NO_ANSWER}")
            return False
        text = " ".join(b.text for b in meaningful) if meaningful else re.sub(r"<[^>]*>", "", answer)
        if (not meaningful or all(b.kind == "paragraph" for b in meaningful)) and is_placeholder(text):
            self._warn(draft.line, f"answer is a placeholder ('{clean(text)[:30]}') — {_NO_ANSWER}")
            return False
        return True

    def _emit(self, draft: _Draft, front: str, answer: str, kind: CardKind, env: dict[str, object]) -> None:
        context, context_media = self._context_html(draft.context)
        key = draft.pinned or normalise_question(
            f"{draft.scope} › {draft.plain}" if draft.scope else draft.plain
        )
        seen = self.keys.get(key)
        if seen is not None:
            self.keys[key] = seen + 1
            self._warn(
                draft.line,
                f"same question as line {self._first_line(key)} — reword it or pin an id with "
                "<!-- card id: NAME -->",
            )
            key = f"{key} #{seen + 1}"
        else:
            self.keys[key] = 1
        tags = self._tags()
        media = tuple(dict.fromkeys((*context_media, *_media(env))))
        self.cards.append(
            Card(
                question=front,
                answer=answer,
                key=key,
                context=context,
                tags=tags,
                chapter=self.chapter,
                kind=kind,
                source=self.source,
                line=draft.line,
                media=media,
            )
        )

    def _tags(self) -> tuple[str, ...]:
        """The tags of a card emitted now (the same for a whole chapter, so computed once)."""
        cached = self.tags_cache.get((self.chapter, self.extra_tags))
        if cached is None:
            tags = (chapter_tag(self.deck, self.chapter),) if (self.chapter or self.deck) else ()
            cached = tuple(dict.fromkeys(t for t in (*tags, *self.extra_tags) if t))
            self.tags_cache[(self.chapter, self.extra_tags)] = cached
        return cached

    def _first_line(self, key: str) -> int:
        return next((c.line for c in self.cards if c.key == key), 0)

    def _context_html(self, blocks: Sequence[Block]) -> tuple[str, tuple[str, ...]]:
        """Rendered once per setup: many questions of an exercise share it."""
        if not blocks:
            return "", ()
        cache_key = tuple(b.start for b in blocks)
        cached = self.context_cache.get(cache_key)
        if cached is None:
            env: dict[str, object] = {}
            cached = (self._render(blocks, env), _media(env))
            self.context_cache[cache_key] = cached
        return cached

    # -- rendering ------------------------------------------------------------------------

    def _render(self, blocks: Sequence[Block], env: dict[str, object]) -> str:
        """HTML of answer blocks; runs of plain blocks go through the renderer at once."""
        parts: list[str] = []
        run_start = run_end = -1
        for block in blocks:
            special = self._special(block)
            if special is None and block.start == run_end:
                run_end = block.end
                continue
            if run_end > run_start >= 0:
                parts.append(render_tokens(self.tokens[run_start:run_end], env))
            run_start, run_end = (block.start, block.end) if special is None else (-1, -1)
            if special:
                parts.append(special)
        if run_end > run_start >= 0:
            parts.append(render_tokens(self.tokens[run_start:run_end], env))
        return _joined(*parts)

    _render_answer = _render

    def _special(self, block: Block) -> str | None:
        """The HTML of a block rendered by notedeck's own rules ("" hides it), or None."""
        if block.kind == "paragraph":
            if block.blank or is_point_value(block.text):
                return ""
            if is_emdash(block.text):
                return '<hr class="alternative">'
        elif block.kind == "comment":
            return f"<p><code>{_escape('# ' + clean(block.text))}</code></p>"
        elif block.kind == "html_block" and (
            _DIRECTIVE.match(self.tokens[block.start].content.strip())
            or _FOLD.match(self.tokens[block.start].content)
            or markup.is_scheduling_comment(self.tokens[block.start].content)
        ):
            return ""  # a directive, or the fold around a hidden answer: the back shows the answer
        return None

    def _warn(self, line: int, message: str) -> None:
        self.warnings.append(NoteWarning(self.source, line, message))

    # -- code blocks for generators ---------------------------------------------------------

    def code_blocks(self, text: str, first_line: int = 0, limit: int | None = None) -> tuple[CodeBlock, ...]:
        """The fenced code blocks, with the chapter they sit in and the text after them.

        ``text`` starts at line ``first_line`` of the document; ``limit`` is the
        line where the next section starts (a heading, so the text after a block stops there).
        """
        lines = text.split("\n")
        stops = sorted(self.stops)
        marks = self.chapter_marks
        blocks: list[CodeBlock] = []
        mark = 0
        chapter = self.first_chapter
        for index, token in enumerate(self.tokens):
            while mark < len(marks) and marks[mark][0] <= index:
                chapter = marks[mark][1]
                mark += 1
            if token.type != "fence" or token.map is None:
                continue
            start, end = token.map
            k = bisect.bisect_left(stops, end)
            stop = stops[k] if k < len(stops) else first_line + len(lines) if limit is None else limit
            info = token.info.strip().split(maxsplit=1)
            blocks.append(
                CodeBlock(
                    code=token.content,
                    language=info[0] if info else "",
                    line=start + 1,
                    chapter=chapter,
                    after="\n".join(lines[end - first_line : stop - first_line]),
                )
            )
        return tuple(blocks)


def code_blocks(tokens: Sequence[Token], text: str) -> tuple[CodeBlock, ...]:
    """The fenced code blocks of already-parsed notes (chapters as :func:`parse_document` sees them)."""
    walker = _Walker(tokens, "", "")
    walker.run()
    return walker.code_blocks(text)


def _joined(*parts: str) -> str:
    """HTML parts one per line, the empty ones left out."""
    return "\n".join(part for part in parts if part)


def markup_lines(children: Sequence[Token]) -> list[list[Token]]:
    """Inline tokens split into lines at line breaks (the lines the plugins read)."""
    return inline_lines(children)


def _lines_html(lines: Sequence[Sequence[Token]], env: dict[str, object]) -> str:
    """Lines of inline tokens as HTML, joined by ``<br>``."""
    return "<br>\n".join(render_inline(line, env) for line in lines if clean(plain_text(line)))


def _tag_texts(tokens: Sequence[Token], blocks: Sequence[Block]) -> list[str]:
    """Where a document's tags are: its front matter, and inline ``#flashcards`` tags."""
    texts = [tokens[b.start].content for b in blocks[:1] if b.kind == "front_matter"]
    texts += [t.content for t in tokens if t.type == "inline" and "#flashcards" in t.content]
    return texts


def _without_page_numbers(blocks: list[Block]) -> list[Block]:
    """Lone numbers in an answer with other content are page numbers of a pasted exam."""
    kept = [b for b in blocks if not (b.kind == "paragraph" and is_bare_number(b.text))]
    return kept if any(not b.blank for b in kept) else blocks


def _unwrap_strong(children: Sequence[Token]) -> list[Token]:
    """``**What is X?**``: a question in bold is still just the question."""
    if len(children) >= 3 and children[0].type == "strong_open" and children[-1].type == "strong_close":
        inner = children[1:-1]
        if not any(c.type == "strong_open" for c in inner):
            return list(inner)
    return list(children)


def _media(env: dict[str, object]) -> tuple[str, ...]:
    media = env.get("media")
    return tuple(str(m) for m in media) if isinstance(media, list) else ()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "Section",
    "SectionJob",
    "chapter_tag",
    "code_blocks",
    "document_conventions",
    "merge_sections",
    "parse_document",
    "parse_notes",
    "parse_section",
    "plain_text",
    "split_document",
    "whole_conventions",
]
