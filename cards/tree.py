"""The section tree of a document: heading → its intro blocks → its child sections.

A student reads notes as nested sections; whether a heading is answered, holds
questions of its own or only groups sub-headings is a question about its
section, not about the next few lines. The tree is built once, in one pass
over the blocks, so every such question is answered without rescanning.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from cards.blocks import Block


@dataclass
class Section:
    """A heading's part of the document (the root has no heading)."""

    heading: int | None
    """Block index of the heading (None for the document's start)."""
    level: int
    """Heading level (0 for the root)."""
    intro: list[int] = field(default_factory=list)
    """Block indexes between the heading and its first sub-heading."""
    children: list[Section] = field(default_factory=list)
    end: int = 0
    """Block index just past the section (its last descendant's last block)."""

    def walk(self) -> Iterator[Section]:
        """This section and every section below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def body(self) -> range:
        """Block indexes of everything under the heading: intro and sub-sections."""
        start = self.heading + 1 if self.heading is not None else 0
        return range(start, self.end)


def build_tree(blocks: Sequence[Block]) -> Section:
    """The document's sections, nested by heading level."""
    root = Section(None, 0)
    stack = [root]
    for index, block in enumerate(blocks):
        if block.kind == "heading":
            while stack[-1].level >= block.level:
                stack.pop().end = index
            section = Section(index, block.level)
            stack[-1].children.append(section)
            stack.append(section)
        else:  # the innermost open section is always the one of the latest heading
            stack[-1].intro.append(index)
    for section in stack:
        section.end = len(blocks)
    return root
