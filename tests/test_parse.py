"""The parser against golden fixtures and the first user's real notes.

Fixtures live in ``tests/fixtures/*.md`` (markdown-it's format: title, input,
expected card listing). The seed's card list is ``tests/golden/anndl-cards.txt``,
read by hand. After an intended change, regenerate both with
``NOTEDECK_UPDATE_GOLDEN=1 pytest tests/test_parse.py`` and review the diff.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from markdown_it.utils import read_fixture_file

from cards import parse_document
from cards.render import markdown_parser
from tests.card_listing import describe, golden_line

HERE = Path(__file__).resolve().parent
FIXTURES = sorted((HERE / "fixtures").glob("*.md"))
SEED = HERE.parent / "decks" / "notes" / "anndl-exam-notes.md"
GOLDEN = HERE / "golden" / "anndl-cards.txt"
UPDATE = os.environ.get("NOTEDECK_UPDATE_GOLDEN") == "1"

CASES = [
    pytest.param(path, title, text, expected, id=f"{path.stem}:{line}")
    for path in FIXTURES
    for line, title, text, expected in read_fixture_file(path)
]


def parse(text: str):
    return parse_document(text, source="notes.md", deck="D")


@pytest.mark.parametrize(("path", "title", "text", "expected"), CASES)
def test_fixture(path: Path, title: str, text: str, expected: str) -> None:
    got = describe(parse(text))
    if UPDATE and got != expected:
        _rewrite_fixture(path, title, text, got)
    assert got == expected


@pytest.mark.parametrize(("path", "title", "text", "expected"), CASES)
def test_fixture_with_crlf_and_bom_gives_the_same_cards(
    path: Path, title: str, text: str, expected: str
) -> None:
    assert describe(parse("\ufeff" + text.replace("\n", "\r\n"))) == describe(parse(text))


def test_fixtures_cover_every_rule() -> None:
    titles = " ".join(case.values[1] for case in CASES)
    for rule in (
        "bold",
        "blockquote",
        "task lists",
        "check marks",
        "boxed paragraphs",
        "dollars",
        "full-width",
        "zero-width",
        "inside code fences",
        "sub-heading",
        "context",
        "numbered",
        "front matter",
    ):
        assert rule in titles, rule


def _rewrite_fixture(path: Path, title: str, text: str, got: str) -> None:
    content = path.read_text(encoding="utf-8")
    for _, t, x, e in read_fixture_file(path):
        if t == title and x == text:
            content = content.replace(f"{t}\n.\n{x}.\n{e}.\n", f"{t}\n.\n{x}.\n{got}.\n", 1)
    path.write_text(content, encoding="utf-8")


# -- the seed ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return parse_document(SEED.read_text(encoding="utf-8"), source="anndl-exam-notes.md", deck="ANNDL")


def _card(result, key_start: str):
    return next(card for card in result.cards if card.key.startswith(key_start))


def test_seed_matches_the_golden_listing(seed) -> None:
    listing = "\n".join(golden_line(card) for card in seed.cards) + "\n"
    kinds = Counter(card.kind for card in seed.cards)
    summary = f"# {len(seed.cards)} cards: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) + "\n"
    got = summary + listing
    if UPDATE:
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")


def _headings(level_min: int = 2):
    tokens = markdown_parser().parse(SEED.read_text(encoding="utf-8"))
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and int(token.tag[1]) >= level_min and token.map:
            yield token.map[0] + 1, tokens[i + 1].content.strip()


def test_every_seed_heading_with_a_question_mark_is_exactly_one_card(seed) -> None:
    lines = Counter(card.line for card in seed.cards)
    asked = [(line, text) for line, text in _headings() if "?" in text]
    assert len(asked) > 50
    for line, text in asked:
        assert lines[line] == 1, (line, text)


def test_seed_headings_that_do_not_ask_make_no_card(seed) -> None:
    lines = {card.line for card in seed.cards}
    quiet = [
        "Exercise",
        "EXERCISE (09-02-2022)",
        "Keras",
        "Summary",
        "**Alternative Solution:**",
        "**Fast R-CNN**",
        "Definition",
        "Solution:",
        "QUESTION 3: CONVOLUTIONAL NEURAL NETWORKS",
    ]
    found = [(line, text) for line, text in _headings() if text.strip() in quiet]
    assert {text for _, text in found} == set(quiet)
    assert not [f for f in found if f[0] in lines]


def test_seed_cards_are_complete_and_tagged_by_chapter(seed) -> None:
    chapters = {
        "LSTM",
        "CNN",
        "GAN",
        "Autoencoders",
        "RNN",
        "Neural_Turing_Machine",
        "Miscellaneous",
        "EXERCISE",
        "Compute_Numbers_of_parameters",
    }
    assert {tag.split("::")[1] for card in seed.cards for tag in card.tags} == chapters
    for card in seed.cards:
        assert card.question.strip() and card.answer.strip(), card.line
        assert card.tags == (f"ANNDL::{card.chapter[0].replace(' ', '_')}",)
        assert "(1 punto)" not in card.question + card.answer
    assert len({card.key for card in seed.cards}) == len(seed.cards)


def test_seed_multiple_choice_fronts_never_show_the_answer(seed) -> None:
    mcqs = [card for card in seed.cards if card.kind == "multiple-choice"]
    assert len(mcqs) == 7
    for card in mcqs:
        assert "☒" not in card.question and "checked" not in card.question
        assert card.answer.startswith('<div class="correct">'), card.line


def test_seed_exercise_questions_carry_their_setup(seed) -> None:
    receptive = _card(seed, "what is the receptive field of a pixel")
    assert "BatchNormalization" in receptive.context and "Conv2DTranspose" in receptive.context
    autoencoder = _card(seed, "describe the training procedure")
    assert "Denoising Autoencoder is reported" in autoencoder.context
    linear = _card(seed, "is this a linear model?")
    assert "Answer the following questions" in linear.context and "GlobalAveragePooling2D" in linear.context
    assert not _card(seed, "how does a neural turing machine work").context


def test_seed_comment_line_between_code_is_not_a_chapter(seed) -> None:
    chapters = {block.chapter for block in seed.code_blocks}
    assert all(not c or not c[0].startswith("skip") for c in chapters)
    enumerate_card = _card(seed, "enumerate the building blocks")
    assert "# skip connections of the outputs" in enumerate_card.answer
    assert "Summary" in enumerate_card.answer


def test_seed_alternative_answers_are_separated(seed) -> None:
    card = _card(seed, "can word embedding overfit?")
    assert card.answer.count('<hr class="alternative">') == 2


def test_seed_warnings_name_the_line(seed) -> None:
    assert [str(w) for w in seed.warnings] == [
        "anndl-exam-notes.md:249: answer is a placeholder ('[compute model parameters]') — "
        "write the answer below it or add <!-- no-card -->"
    ]


# -- identity and lines ------------------------------------------------------------------


def test_identity_does_not_depend_on_position_or_answer() -> None:
    first = parse("## What is A?\n\nOne.\n\n## What is B?\n\nTwo.\n").cards
    moved = parse("# Intro\n\n## What is B?\n\nTwo, edited.\n\n## What  is  a？\n\nOne.\n").cards
    assert {c.key for c in first} == {c.key for c in moved} == {"what is a?", "what is b?"}


def test_card_line_is_the_questions_line() -> None:
    cards = parse("\n\n# C\n\nintro\n\n## Q?\n\nA.\n\nWhat comes next?\n\nB.\n").cards
    assert [c.line for c in cards] == [7, 11]


def test_options_written_as_entities_raw_checkboxes_or_trailing_marks_are_found() -> None:
    """The quick check for option marks looks at the decoded text and the raw HTML, like the rules."""
    text = (
        "## Which ones are right?\n\n&#9744; first option\n&#9746; second option\n\n"
        '## Which boxes?\n\n<input type="checkbox" class="task-list-item-checkbox" checked> yes one\n'
        '<input type="checkbox" class="task-list-item-checkbox"> no two\n\n'
        "## Plain question?\n\nAn answer ✅\n"
    )
    cards = parse_document(text, source="n.md").cards
    assert [c.kind for c in cards] == ["multiple-choice"] * 3
    assert "<li>☒ second option</li>" in cards[0].answer
    assert "<li>☒ yes one</li>" in cards[1].answer
