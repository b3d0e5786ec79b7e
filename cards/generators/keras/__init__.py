"""Keras exercise cards: parameter counts, output shapes and receptive fields from model code.

The code is read, never run: ``units`` groups fences into code units,
``interpreter`` follows the Python, ``api`` models Keras' API on top of it,
``layers`` knows Keras 3's arithmetic per layer class (``formula`` writes each
formula once, ``receptive`` works out exact receptive fields) and ``extract``
turns it all into model reports. ``cards`` picks the exercises, ``check``
compares the notes' claims, ``drill`` invents fresh networks to practise on.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards.generators import Generated, GeneratorOptions
from cards.generators.keras.cards import asked_receptive_fields, make_cards
from cards.generators.keras.check import check_claims, text_lines, window
from cards.generators.keras.extract import UnitAnalysis, analyse_blocks
from cards.generators.keras.units import Problem
from cards.model import Card, CodeBlock, NoteWarning

REJECTED = "Keras would reject this code, so it gets no exercise cards"
UNSUPPORTED = "the code may well be valid, but it gets no exercise cards"


class KerasExercises:
    """The ``keras`` card generator."""

    name = "keras"

    def generate(
        self, blocks: Sequence[CodeBlock], *, source: str, deck: str, options: GeneratorOptions
    ) -> Generated:
        cards: list[Card] = []
        warnings: list[NoteWarning] = []
        try:
            analyses = analyse_blocks(blocks)
        except Exception as exc:  # a bug here must cost the exercises, never the build
            return Generated((), (_internal(source, blocks[0].line if blocks else 0, exc),))
        for analysis in analyses:
            try:
                warnings += unit_warnings(analysis, source)
                warnings += check_claims(analysis, source=source)
                if analysis.accepted and options.cards_per_model > 0:
                    cards += make_cards(
                        analysis,
                        source=source,
                        tags=exercise_tags(deck, analysis.unit.first.chapter),
                        count=options.cards_per_model,
                        asked=asked_in_notes(analysis),
                    )
            except Exception as exc:
                warnings.append(_internal(source, analysis.unit.first.line, exc))
        return Generated(tuple(cards), tuple(warnings))


def _internal(source: str, line: int, exc: Exception) -> NoteWarning:
    return NoteWarning(
        source, line, f"notedeck could not analyse this code ({type(exc).__name__}: {exc}) — please report it"
    )


def unit_warnings(analysis: UnitAnalysis, source: str) -> list[NoteWarning]:
    """The code's problems as warnings; hard ones say that the model gets no cards."""
    return [NoteWarning(source, p.line, _with_consequence(p)) for p in analysis.problems]


def _with_consequence(problem: Problem) -> str:
    if not problem.fatal:
        return problem.message
    return f"{problem.message} — {UNSUPPORTED if problem.unsupported else REJECTED}"


def asked_in_notes(analysis: UnitAnalysis) -> list[str]:
    """Layers whose receptive field the text after the code asks for."""
    _, markdown, own = window(analysis)
    text = "\n".join(line for _, line in text_lines(markdown, skip_fences_at=own))
    return asked_receptive_fields(text, analysis.layers)


def exercise_tags(deck: str, chapter: tuple[str, ...]) -> tuple[str, ...]:
    """``<Deck>::<Chapter>::exercise`` and ``generated``."""
    from cards.model import chapter_tag

    return (f"{chapter_tag(deck, chapter)}::exercise" if (deck or chapter) else "exercise", "generated")


__all__ = ["KerasExercises", "analyse_blocks", "exercise_tags", "unit_warnings"]
