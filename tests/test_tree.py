"""The section tree: headings nest by level, each section keeps its intro blocks."""

from __future__ import annotations

from cards.blocks import split_blocks
from cards.render import markdown_parser
from cards.tree import build_tree


def tree_of(text: str):
    blocks = split_blocks(markdown_parser().parse(text))
    return blocks, build_tree(blocks)


def test_sections_nest_by_level_and_keep_their_intro() -> None:
    blocks, root = tree_of("lead\n\n# A\n\na1\n\n## B\n\nb1\n\n#### D\n\nd1\n\n## C\n\nc1\n\n# E\n")
    shape = [
        (blocks[s.heading].text if s.heading is not None else "", [blocks[k].text for k in s.intro], s.level)
        for s in root.walk()
    ]
    assert shape == [
        ("", ["lead"], 0),
        ("A", ["a1"], 1),
        ("B", ["b1"], 2),
        ("D", ["d1"], 4),
        ("C", ["c1"], 2),
        ("E", [], 1),
    ]
    b = root.children[0].children[0]
    assert [blocks[k].text for k in b.body() if blocks[k].text] == ["b1", "D", "d1"]


def test_a_document_without_headings_is_all_intro() -> None:
    blocks, root = tree_of("one\n\ntwo\n")
    assert root.children == [] and root.intro == [0, 1] and root.end == len(blocks)
