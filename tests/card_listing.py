"""Compact, readable listings of parse results for golden files and fixtures.

HTML is shown as text a reviewer can check by eye: blocks separated by ``|``,
list items as ``•``, code blocks as ``[code]``/``[python]``, images as
``[img path]`` and the alternative-answer separator as ``—``. Formulas keep
their MathJax delimiters, so ``\\(x\\)`` in a listing is what Anki receives.
"""

from __future__ import annotations

import html
import re

from cards import Card, ParseResult

_CODE = re.compile(r'<div class="highlight"><pre>(.*?)</pre></div>', re.S)
_IMG = re.compile(r'<img src="([^"]*)"[^>]*>')
_BLOCK_END = re.compile(r"</(?:p|li|h\d|div|tr|blockquote|pre)>|<br\s*/?>|<hr[^>]*>")
_CELL_END = re.compile(r"</t[dh]>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_BARS = re.compile(r"(?:\s*\|\s*)+")
_DUPLICATE = re.compile(r" #\d+$")


def compact(fragment: str) -> str:
    """One line of text standing for an HTML fragment."""
    text = fragment.replace('<hr class="alternative">', " | — | ")
    text = _CODE.sub(lambda m: " | " + _code_label(m.group(1)) + " | ", text)
    text = _IMG.sub(lambda m: f"[img {html.unescape(m.group(1))}]", text)
    text = text.replace("<li>", "• ").replace('<ul class="options">', "")
    text = _CELL_END.sub(" ; ", text)
    text = _BLOCK_END.sub(" | ", text)
    text = html.unescape(_TAG.sub("", text))
    text = _BARS.sub(" | ", _SPACE.sub(" ", text))
    return text.strip(" |")


def _code_label(pre: str) -> str:
    first = html.unescape(_TAG.sub("", pre)).strip().split("\n", 1)[0]
    kind = "highlighted" if '<span class="' in pre else "plain"
    return f"[{kind}: {first[:40]}]"


def describe_card(card: Card) -> str:
    """A card in a few lines: header, context, question, answer, media."""
    lines = [f"card {card.line} {card.kind} [{', '.join(card.tags)}]"]
    if " " not in card.key or _DUPLICATE.search(card.key):
        lines.append(f"id: {card.key}")
    if card.context:
        lines.append(f"C: {compact(card.context)}")
    lines.append(f"Q: {compact(card.question)}")
    lines.append(f"A: {compact(card.answer)}")
    if card.media:
        lines.append(f"media: {', '.join(card.media)}")
    return "\n".join(lines)


def describe(result: ParseResult) -> str:
    """The whole result: cards in order, then warnings."""
    parts = [describe_card(card) for card in result.cards]
    parts += [f"warning {w.line}: {w.message}" for w in result.warnings]
    return "\n".join(parts) + "\n"


def golden_line(card: Card) -> str:
    """A card of the seed's golden listing: line, kind, tags, question; its context and answer start.

    Context and answer are shown so that a reviewer sees a change of either
    in the diff, not only a change of the questions.
    """
    question = compact(card.question)
    lines = [f"{card.line:5} {card.kind:15} {' '.join(card.tags):36} {question}"]
    if card.context:
        lines.append(f"{'':6}C: {compact(card.context)[:GOLDEN_WIDTH]}")
    lines.append(f"{'':6}A: {compact(card.answer)[:GOLDEN_WIDTH]}")
    return "\n".join(lines)


GOLDEN_WIDTH = 90
"""Characters of context and answer in the golden listing: enough to see what they are."""
