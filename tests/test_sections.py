"""A big document parsed in sections (on several cores) gives exactly the serial parse."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.parse import merge_sections, parse_document, parse_section, split_document

ROOT = Path(__file__).resolve().parent.parent
NOTES = sorted((ROOT / "decks" / "notes").glob("*.md")) + sorted((ROOT / "tests" / "fixtures").glob("*.md"))


def in_sections(text: str, parts: int) -> object:
    """The merged result of parsing ``text`` in sections, or None when a cut was refused."""
    jobs = split_document(text, parts)
    return merge_sections([parse_section(job, source="n.md", deck="D") for job in jobs])


def synthetic(cards: int) -> str:
    """Notes shaped like the benchmark corpus: chapters, formulas, code, lists, a table."""
    out = []
    for i in range(cards):
        if i % 40 == 0:
            out.append(f"# Chapter {i // 40}\n")
        out.append(f"## Question {i}: what is $f_{{{i}}}(x)$ and why?\n\nAnswer {i}, with $x^{i % 5}$.\n")
        if i % 7 == 0:
            out.append(f"```python\nmodel.add(Dense({i}))\n```\n\nconv has {i} parameters\n")
        if i % 5 == 0:
            out.append("- point one\n- point **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    return "\n".join(out)


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.name)
@pytest.mark.parametrize("parts", [2, 3, 7])
def test_sections_of_real_notes_merge_to_the_serial_parse_or_are_refused(path: Path, parts: int) -> None:
    text = path.read_text(encoding="utf-8")
    merged = in_sections(text, parts)
    assert merged is None or merged == parse_document(text, source="n.md", deck="D")


@pytest.mark.parametrize("parts", [2, 3, 7])
def test_a_big_regular_document_is_really_split_and_merges_to_the_serial_parse(parts: int) -> None:
    text = synthetic(300)
    assert len(split_document(text, parts)) == parts
    merged = in_sections(text, parts)
    assert merged is not None
    assert merged == parse_document(text, source="n.md", deck="D")


def test_a_cut_after_an_open_fence_is_refused() -> None:
    text = "## What is A?\n\nA.\n\n```python\nx = 1\n\n## What is B?\n\nB.\n"
    assert len(split_document(text, 2)) == 2
    assert in_sections(text, 2) is None  # the fence swallows the second heading


def test_a_question_repeated_in_another_section_is_refused() -> None:
    text = "## What is A?\n\nA.\n\n## What is B?\n\nB.\n\n## What is A?\n\nA again.\n"
    assert len(split_document(text, 2)) == 2
    assert in_sections(text, 2) is None  # its '#2' key and warning need the whole document


_PLAIN = [
    "# Chapter A", "# Chapter *B*", "## What is X?", "## What is Y{i}?", "## Describe Z{i}",
    "## Why W{i}?", "## Solution", "## Notes", "### Why?", "### Details", "Answer text.",
    "Consider a network with $n$ layers.", "Answer the following questions:",
    "1. Is it A{i}?\n2. Is it B{i}?", "1. Yes\n2. No", "- ☐ a\n- ☒ b", "- [ ] c\n- [x] d",
    "```python\nx = tfkl.Dense(3)(x)\n```", "$$x^2$$", "> quoted", "| a | b |\n|---|---|\n| 1 | 2 |",
    "HINT: think", "(1 punto)", "What is W?", "What is V{i}?", "TODO", "—", "42",
]  # fmt: skip
_RISKY = [
    "# skip connections", "x = model(y)", "```\nnever closed", "<div>\nraw html", "<!-- card -->",
    "<!-- no-card -->", "<!-- card id: pin -->", "$$\nx^2", "Formula $a_{b$ here.", "<!--\nopen comment",
    "[ref]: http://example.com", "[link][ref]",
]  # fmt: skip
_PIECES = _PLAIN * 6 + _RISKY
"""Notes pieces; the risky ones (open blocks, directives, link references) are rarer."""


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PIECES), st.sampled_from(["\n", "\n\n"])), max_size=30),
    st.integers(2, 6),
    st.booleans(),
)
def test_random_notes_in_sections_merge_to_the_serial_parse_or_are_refused(
    pieces: list[tuple[str, str]], parts: int, front_matter: bool
) -> None:
    body = "".join(p.replace("{i}", str(i)) + sep for i, (p, sep) in enumerate(pieces))
    text = ("---\ntags: [t]\n---\n" if front_matter else "") + body
    merged = in_sections(text, parts)
    assert merged is None or merged == parse_document(text, source="n.md", deck="D")
