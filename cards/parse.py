"""Notes → cards: walk markdown-it tokens the way a student reads the notes.

This first version knows chapters (``#``) and question headings; the rest of
the rules in issue 2 grow here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markdown_it.token import Token

from cards.ids import normalise_question
from cards.model import Card, CodeBlock, NoteWarning, ParseResult
from cards.render import markdown_parser, render_tokens

_ASKS = re.compile(
    r"(\?\s*$)|^(describe|illustrate|discuss|explain|make an example|briefly describe|"
    r"enumerate|list|compare|define|guideline)\b",
    re.IGNORECASE,
)


def parse_notes(text: str, *, source: str, deck: str = "") -> list[Card]:
    """Return the cards of one notes file (see :func:`parse_document`)."""
    return list(parse_document(text, source=source, deck=deck).cards)


def parse_document(text: str, *, source: str, deck: str = "") -> ParseResult:
    """Parse Markdown notes into cards and warnings.

    ``source`` is only used to label cards and warnings; ``deck`` prefixes the
    chapter tags (``Deck::Chapter``).
    """
    tokens = markdown_parser().parse(text)
    cards: list[Card] = []
    warnings: list[NoteWarning] = []
    chapter: tuple[str, ...] = ()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            title = tokens[i + 1].content.strip()
            level = int(token.tag[1])
            end = _section_end(tokens, i + 3, level)
            if level == 1:
                chapter = (title,)
            elif _ASKS.search(title):
                line = token.map[0] + 1 if token.map else 0
                answer = render_tokens(tokens[i + 3 : end])
                if answer:
                    cards.append(_card(title, answer, chapter, source, line, deck))
                i = end
                continue
            i += 3
            continue
        i += 1
    return ParseResult(tuple(cards), tuple(warnings), code_blocks(tokens, text))


def code_blocks(tokens: Sequence[Token], text: str) -> tuple[CodeBlock, ...]:
    """The fenced code blocks of the notes, with their chapter and what follows them."""
    lines = text.splitlines()
    headings = [
        (t.map[0], int(t.tag[1]))
        for t in tokens
        if t.type == "heading_open" and t.map is not None and t.level == 0
    ]
    blocks: list[CodeBlock] = []
    chapter: tuple[str, ...] = ()
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            chapter = (tokens[i + 1].content.strip(),)
        if token.type != "fence" or token.map is None:
            continue
        start, end = token.map
        stop = next((line for line, level in headings if line >= end and level <= 2), len(lines))
        info = token.info.strip().split(maxsplit=1)
        blocks.append(
            CodeBlock(
                code=token.content,
                language=info[0] if info else "",
                line=start + 1,
                chapter=chapter,
                after="\n".join(lines[end:stop]),
            )
        )
    return tuple(blocks)


def _section_end(tokens: Sequence[Token], start: int, level: int) -> int:
    """Index of the next heading at ``level`` or above, or the end."""
    for j in range(start, len(tokens)):
        token = tokens[j]
        if token.type == "heading_open" and int(token.tag[1]) <= level:
            return j
    return len(tokens)


def chapter_tag(deck: str, chapter: Sequence[str]) -> str:
    """Return the Anki tag of a chapter: ``Deck::Chapter`` with no spaces."""
    parts = [p for p in (deck, *chapter) if p]
    return "::".join(re.sub(r"\s+", "_", p.strip()) for p in parts)


def _card(title: str, answer: str, chapter: tuple[str, ...], source: str, line: int, deck: str) -> Card:
    md = markdown_parser()
    question = md.renderInline(title)
    tags = (chapter_tag(deck, chapter),) if chapter else ()
    return Card(
        question=question,
        answer=answer,
        key=normalise_question(title),
        tags=tags,
        chapter=chapter,
        source=source,
        line=line,
    )
