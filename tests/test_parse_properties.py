"""Properties of the parser on arbitrary text: it never raises and is deterministic."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards import parse_document

# Fragments that exercise the parser's rules, glued together at random.
FRAGMENTS = [
    "# Chapter\n",
    "## What is X?\n",
    "### Solution:\n",
    "## Exercise\n",
    "# comment line\n",
    "What is Y?\n",
    "Describe the model.\n",
    "Answer the following questions\n",
    "Consider now\n",
    "An answer.\n",
    "—\n",
    "---\n",
    "(1 punto)\n",
    "- ☐ option\n",
    "- ☒ right\n",
    "☐ para\n",
    "- [ ] task\n",
    "- [x] done\n",
    "- ok ✅\n",
    "1. Is it linear?\n",
    "2. Why?\n",
    "- 1.No\n",
    "Answers:\n",
    "**Solution: A + B**\n",
    "> quoted\n",
    "```\ncode # x\n",
    "```\n",
    "$x_i$ ",
    "$$",
    "$5 and $10 ",
    "\\$",
    "{",
    "}",
    "<!-- card -->\n",
    "<!-- no-card -->\n",
    "<!-- card id: k -->\n",
    "---\ntags: [a, b]\n---\n",
    "| a | b |\n| - | - |\n",
    "![i](p.png)\n",
    "\r\n",
    "\ufeff",
    "\u200b",
    "？",
    "\n",
    "\n\n",
    "    indented\n",
    "[link](#)\n",
    "TODO\n",
    "\t",
    "\x00",
]

notes = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(notes)
def test_any_text_parses_into_complete_cards(text: str) -> None:
    result = parse_document(text, source="n.md", deck="D")
    for card in result.cards:
        assert card.question.strip()
        assert card.answer.strip()
        assert card.line >= 1
        assert all(" " not in tag for tag in card.tags)
    assert len({card.key for card in result.cards}) == len(result.cards)
    assert parse_document(text, source="n.md", deck="D") == result


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300))
def test_unicode_noise_never_raises(text: str) -> None:
    parse_document(text, source="n.md")


def test_huge_line_and_deep_nesting_do_not_raise() -> None:
    huge = "## What is " + "x" * 5_000_000 + "?\n\nAn answer.\n"
    assert len(parse_document(huge, source="n.md").cards) == 1
    nested = "## Why?\n\n" + "".join("  " * i + "- item\n" for i in range(200)) + "> " * 200 + "deep\n"
    assert len(parse_document(nested, source="n.md").cards) == 1
