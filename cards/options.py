"""How a deck asks notes to be read: the deck YAML's ``reading:`` section, as data.

By default every convention is detected per document (:mod:`cards.conventions`,
:mod:`cards.markup`). A deck can switch the detection off, force the
flashcard-plugin reading on, or name the separators its vault's plugin
settings use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Switch = Literal["auto", "on", "off"]

DEFAULT_ONE_WAY: tuple[str, ...] = ("::", ";;")
DEFAULT_BOTH_WAYS: tuple[str, ...] = (":::",)


@dataclass(frozen=True)
class ReaderOptions:
    """The ``reading:`` options of a deck."""

    conventions: Literal["auto", "off"] = "auto"
    """``off``: only explicit questions (``?``, prompt words, directives), no per-document conventions."""
    markup: Switch = "auto"
    """Obsidian spaced-repetition markup: detected (``auto``), always read (``on``) or never (``off``)."""
    one_way: tuple[str, ...] = DEFAULT_ONE_WAY
    """Single-line separators of one-way cards (``front::back``)."""
    both_ways: tuple[str, ...] = DEFAULT_BOTH_WAYS
    """Single-line separators of cards studied both ways (``front:::back``)."""

    def separators(self) -> tuple[tuple[str, Literal["basic", "reversed"]], ...]:
        """All separators with their kind, longest first (``:::`` is tried before ``::``)."""
        pairs = [(s, "basic") for s in self.one_way] + [(s, "reversed") for s in self.both_ways]
        ordered = sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)
        return tuple((s, "reversed" if k == "reversed" else "basic") for s, k in ordered)


DEFAULT = ReaderOptions()
