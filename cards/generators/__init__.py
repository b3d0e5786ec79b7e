"""Card generators: plug-ins that make cards the notes do not spell out.

A generator reads what the parser found (its fenced code blocks, with the
text around them) and returns cards and warnings; it never opens files or
prints. The registry maps a name to a generator, the way markdown-it-py keeps
its rule table, so the Keras exercise generator is one module among many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from cards.model import Card, CodeBlock, NoteWarning, ParseResult


@dataclass(frozen=True)
class GeneratorOptions:
    """What a deck configures about generated cards."""

    cards_per_model: int = 4
    """How many exercise cards each model in the notes gets (the most instructive first)."""


@dataclass(frozen=True)
class Generated:
    """A generator's output for one notes file."""

    cards: tuple[Card, ...] = ()
    warnings: tuple[NoteWarning, ...] = ()


class CardGenerator(Protocol):
    """The plug-in contract.

    ``generate`` is pure: the code blocks of one notes file in, cards and
    warnings out. ``source`` labels them (``path:line``); ``deck`` prefixes the
    chapter tags. It must never raise on odd input: problems become warnings.
    """

    name: str

    def generate(
        self, blocks: Sequence[CodeBlock], *, source: str, deck: str, options: GeneratorOptions
    ) -> Generated: ...


def registry() -> Mapping[str, CardGenerator]:
    """Every known generator by name (imported lazily: most commands need none)."""
    from cards.generators.keras import KerasExercises

    generators: list[CardGenerator] = [KerasExercises()]
    return {g.name: g for g in generators}


def run_generators(
    result: ParseResult,
    *,
    source: str,
    deck: str,
    options: GeneratorOptions | None = None,
    names: Sequence[str] | None = None,
) -> Generated:
    """Run the registered generators (all, or ``names``) on one parsed notes file."""
    options = options or GeneratorOptions()
    cards: list[Card] = []
    warnings: list[NoteWarning] = []
    for name, generator in registry().items():
        if names is not None and name not in names:
            continue
        out = generator.generate(result.code_blocks, source=source, deck=deck, options=options)
        cards.extend(out.cards)
        warnings.extend(out.warnings)
    return Generated(tuple(cards), tuple(warnings))


__all__ = ["CardGenerator", "Generated", "GeneratorOptions", "registry", "run_generators"]
