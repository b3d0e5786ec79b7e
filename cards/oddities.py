"""Markdown that parses but surely is not what the author meant, as warnings.

Both cases lose or hide content silently otherwise: a code fence that is
never closed turns the rest of the notes into code, and markdown-it drops
whatever is nested deeper than its ``maxNesting`` (a guard against runaway
recursion and time on hostile input).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from markdown_it.token import Token

from cards.render import markdown_parser


def structure_problems(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """``(line, message)`` for unclosed code fences and for nesting cut off, in document order."""
    limit = int(markdown_parser().options["maxNesting"])
    deep_warned = False
    for token in tokens:
        if token.map is None:
            continue
        if token.type == "fence" and not fence_is_closed(token):
            yield (
                token.map[0] + 1,
                f"code block opened with '{token.markup}' is never closed, so everything after it "
                f"is code — add a closing '{token.markup}' line",
            )
        if token.nesting == 1 and token.level >= limit - 1 and not deep_warned:
            deep_warned = True
            yield (
                token.map[0] + 1,
                f"lists or '>' quotes nested over {limit - 1} levels deep: the deeper part is left out "
                "— flatten the nesting",
            )


def fence_is_closed(fence: Token) -> bool:
    """A closed fence spans its content lines plus the opening and the closing marker line."""
    assert fence.map is not None
    start, end = fence.map
    return end - start >= fence.content.count("\n") + 2
