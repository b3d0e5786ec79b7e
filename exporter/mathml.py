"""Formulas of rendered cards as MathML, for a preview that works offline.

Cards carry their formulas as MathJax delimiters (``\\(…\\)`` inline,
``\\[…\\]`` display; shared/ANKI_FACTS.md fact 12), which Anki typesets with
MathJax. A browser shows MathML natively, so the preview converts each
formula with latex2mathml instead of shipping MathJax. A formula that cannot
be converted (an exception, an unknown command, unbalanced braces) is a
problem the student should see: the preview flags it on its card and
``notedeck check`` reports it.

This works on the cards' *HTML* (what the parser rendered), never on the
Markdown, and leaves code alone (``<pre>``, ``<code>``), as MathJax does.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

_FORMULA = re.compile(r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]", re.DOTALL)
_SKIPPED = re.compile(r"<(pre|code|script|style|textarea)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_MATHJAX_ONLY = (
    (re.compile(r"\\arg(?![A-Za-z])"), r"\\operatorname{arg}"),
    (re.compile(r"\\newline(?![A-Za-z])"), r"\\\\"),
)
"""Commands MathJax knows and latex2mathml does not (of ~150 common ones tried), in latex2mathml's terms."""
_UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")
"""latex2mathml writes a command it does not know as text (``<mi>\\foo</mi>``)."""


@dataclass(frozen=True)
class FormulaProblem:
    """A formula the preview cannot render, and why."""

    tex: str
    """The formula as written between its delimiters."""
    reason: str

    def __str__(self) -> str:
        short = self.tex if len(self.tex) <= 60 else self.tex[:57] + "…"
        return f"formula \\({short}\\) cannot be rendered ({self.reason})"


def formulas_to_mathml(fragment: str) -> tuple[str, tuple[FormulaProblem, ...]]:
    """``fragment`` with every formula outside code replaced by MathML.

    A formula that cannot be converted stays as written, wrapped in
    ``<span class="nd-bad-formula">`` so the page can flag it.
    """
    if "\\(" not in fragment and "\\[" not in fragment:
        return fragment, ()
    problems: list[FormulaProblem] = []
    out: list[str] = []
    start = 0
    for code in _SKIPPED.finditer(fragment):
        out.append(_convert_text(fragment[start : code.start()], problems))
        out.append(code.group(0))
        start = code.end()
    out.append(_convert_text(fragment[start:], problems))
    return "".join(out), tuple(problems)


def formula_problems(*fragments: str) -> tuple[FormulaProblem, ...]:
    """The formulas in ``fragments`` (rendered card HTML) that cannot be rendered."""
    return tuple(p for fragment in fragments for p in formulas_to_mathml(fragment)[1])


def _convert_text(text: str, problems: list[FormulaProblem]) -> str:
    def replace(match: re.Match[str]) -> str:
        display = match.group("display") is not None
        tex = html.unescape(match.group("display") if display else match.group("inline"))
        mathml, reason = _mathml(tex, display)
        if reason:
            problems.append(FormulaProblem(tex, reason))
            return f'<span class="nd-bad-formula" title="{html.escape(reason)}">{match.group(0)}</span>'
        return mathml

    return _FORMULA.sub(replace, text)


@lru_cache(maxsize=1 << 15)
def _mathml(tex: str, display: bool) -> tuple[str, str]:
    """``(MathML, "")`` or ``("", reason)``.

    Remembered: notes repeat formulas, and ``preview --watch`` converts every
    formula of the deck again on each save (≈0.6 ms each: 3 s for 5,000).
    """
    from latex2mathml.converter import convert

    if not tex.strip():
        return "", "empty formula"
    depth = 0
    escaped = False
    for char in tex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "{}":
            depth += 1 if char == "{" else -1
            if depth < 0:
                return "", "a } without its {"
    if depth:
        return "", "a { without its }"
    spelled = tex
    for command, spelling in _MATHJAX_ONLY:
        spelled = command.sub(spelling, spelled)
    try:
        mathml = str(convert(spelled, display="block" if display else "inline"))
    except Exception as exc:  # latex2mathml raises many kinds (StopIteration, its own errors)
        return "", f"latex2mathml: {type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"
    unknown = _UNKNOWN_COMMAND.search(mathml)
    if unknown:
        return "", f"unknown command {unknown.group(1)}"
    return mathml, ""
