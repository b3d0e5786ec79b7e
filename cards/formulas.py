"""Formulas MathJax cannot typeset, reported as warnings with their line.

Anki shows a broken formula as red error text on the phone, long after the
build; catching unbalanced braces and unclosed ``$``/``$$`` here points the
student at the line to fix instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from markdown_it.token import Token

_MATH = frozenset({"math_inline", "math_inline_double", "math_block", "math_block_label"})
_ESCAPED_BRACE = re.compile(r"\\\\|\\[{}]")
_LONE_DOLLAR = re.compile(r"\$(?=[^\s\d$])[^$]{0,60}?[\\_^{]")


def formula_problems(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """``(line, message)`` for every formula MathJax would reject, in document order."""
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type in _MATH:
            yield from _braces(token, line)
        elif token.type == "inline" and "$" in token.content:
            for child in token.children or ():
                if child.type in _MATH:
                    yield from _braces(child, line)
            yield from _unclosed(token, line)


def brace_problem(formula: str) -> str:
    """What is wrong with the braces or environments of a formula ("" when fine)."""
    depth = 0
    for char in _ESCAPED_BRACE.sub("", formula):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "has a '}' without its '{'"
    if depth:
        return "has a '{' without its '}'"
    if formula.count("\\begin{") != formula.count("\\end{"):
        return "has a \\begin without its \\end"
    return ""


def _braces(token: Token, line: int) -> Iterator[tuple[int, str]]:
    problem = brace_problem(token.content)
    if problem:
        yield line, f"formula ${_short(token.content)}$ {problem} — fix the formula"


def _unclosed(inline: Token, line: int) -> Iterator[tuple[int, str]]:
    for child in inline.children or ():
        if child.type != "text" or "$" not in child.content:
            continue
        text = child.content
        if "$$" in text:
            yield line, "'$$' is never closed — close the formula with '$$' or write \\$ for a dollar sign"
        elif text.count("$") % 2 and _LONE_DOLLAR.search(text):
            yield line, "'$' starts a formula that is never closed — add the closing '$' or write \\$"


def _short(formula: str) -> str:
    formula = " ".join(formula.split())
    return formula if len(formula) <= 40 else formula[:37] + "..."
