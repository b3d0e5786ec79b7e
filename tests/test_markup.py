"""Flashcard markup students already write (README "Flashcard markup"), read into cards.

Fixtures follow the plugins' documented syntax: Obsidian Spaced Repetition
(single-line ``::``/``:::``, multi-line ``?``/``??``, ``==highlight==`` clozes),
Obsidian_to_Anki (``START`` … ``END``), Logseq (``#card``) and Anki's own
``{{c1::…}}``. Plain notes must never be surprised by them.
"""

from __future__ import annotations

import textwrap

from cards.parse import parse_document


def parse(text: str):
    return parse_document(textwrap.dedent(text).lstrip("\n"), source="n.md", deck="D")


SR = """
---
tags: [flashcards/biology]
---
# Cells

What is the powerhouse of the cell?::The mitochondrion
<!--SR:!2024-01-02,3,250-->

Osmosis:::diffusion of water through a membrane

Nucleus;;holds the DNA

Name the phases of mitosis
?
Prophase, metaphase,
anaphase, telophase

Ribosome
??
Where proteins are made

The ==cell membrane== controls what enters and ==leaves==.
"""


def test_obsidian_single_line_multi_line_and_cloze_cards() -> None:
    cards = parse(SR).cards
    assert [(c.line, c.kind) for c in cards] == [
        (6, "basic"),
        (9, "reversed"),
        (11, "basic"),
        (13, "basic"),
        (18, "reversed"),
        (22, "cloze"),
    ]
    assert (
        cards[0].question == "What is the powerhouse of the cell?" and cards[0].answer == "The mitochondrion"
    )
    assert "SR:" not in cards[0].answer
    assert cards[3].question == "Name the phases of mitosis" and "anaphase, telophase" in cards[3].answer
    assert cards[5].question == "The {{c1::cell membrane}} controls what enters and {{c2::leaves}}."
    assert cards[5].key == "the cell membrane controls what enters and leaves."


def test_a_multi_line_card_takes_the_list_right_below_it() -> None:
    notes = """
    ---
    tags: [flashcards]
    ---
    What attributes does a cookie have?
    ?
    - `expires`
    - `domain`

    Unrelated paragraph.
    """
    cards = parse(notes).cards
    assert len(cards) == 1 and "domain" in cards[0].answer and "Unrelated" not in cards[0].answer


def test_plain_notes_are_never_surprised() -> None:
    notes = """
    # C++

    ## What does std::vector do?

    A `std::vector` grows; the ==important== part is amortised O(1), see Foo::bar.

    collapsed:: true
    """
    cards = parse(notes).cards
    assert [(c.kind, c.question) for c in cards] == [("basic", "What does std::vector do?")]
    assert "==important==" in cards[0].answer


def test_three_separator_lines_make_a_plugin_document_without_the_tag() -> None:
    notes = """
    - Lorsque l'argent perd de la valeur, les prix:: augmentent.
    - Le taux dépasse 50 % par mois, on dit:: hyperinflation.

    IPP veut dire:: Indice des prix de la production
    """
    assert [c.question for c in parse(notes).cards] == [
        "Lorsque l'argent perd de la valeur, les prix",
        "Le taux dépasse 50 % par mois, on dit",
        "IPP veut dire",
    ]


def test_emoji_shortcodes_are_not_separators() -> None:
    notes = "tags:: x\n\ntype:: y\n\n:exclamation::exclamation: Careful here\n\n:a::b::c: text :d::e:\n"
    assert parse(notes).cards == ()  # properties and shortcodes: no plugin document, no cards


def test_obsidian_to_anki_blocks() -> None:
    notes = """
    ---
    TARGET DECK: Stochastics
    ---
    START
    Basic
    Front:
    Wiener process
    Back:
    A Gaussian process with
    - independent increments
    <!--ID: 1686256704936-->
    END

    START
    Cloze
    Text: The variance of {{c1::W(t)}} is {{c2::t}}.
    END
    """
    cards = parse(notes).cards
    assert [(c.kind, c.question) for c in cards] == [
        ("basic", "Wiener process"),
        ("cloze", "The variance of {{c1::W(t)}} is {{c2::t}}."),
    ]
    assert "independent increments" in cards[0].answer and "ID:" not in cards[0].answer


def test_logseq_card_blocks() -> None:
    notes = (
        "tags:: logseq\n\n"
        "- #card How to add a paragraph\n"
        "  collapsed:: true\n"
        "\t- use shift + enter\n"
        "- #card How to add code\n"
        "  card-last-interval:: 4\n"
        "\t- use backticks\n"
        "- a plain block\n"
    )
    cards = parse(notes).cards
    assert [c.question for c in cards] == ["How to add a paragraph", "How to add code"]
    assert "shift + enter" in cards[0].answer and "collapsed" not in cards[0].answer
    assert "card-last-interval" not in cards[1].answer


def test_anki_clozes_anywhere() -> None:
    notes = """
    ## Anatomy

    The heart has {{c1::four::number}} chambers.

    ```
    not {{c1::a cloze}} in code
    ```
    """
    cards = parse(notes).cards
    assert [(c.kind, c.question) for c in cards] == [
        ("cloze", "The heart has {{c1::four::number}} chambers.")
    ]


def test_a_deck_names_its_vaults_separators_and_switches_markup(tmp_path) -> None:
    from click.testing import CliRunner

    from exporter.cli import cli
    from tests.cli_support import write_deck

    notes = "Term one -> first\n\nTerm two -> second\n\nA phrase with ==highlight== here.\n"
    deck = write_deck(
        tmp_path,
        "name: D\nid: 7\nnotes: [notes.md]\nreading: {markup: on, separators: {one_way: ['->']}}\n",
        notes=notes,
    )
    import json

    result = CliRunner().invoke(cli, ["list", str(deck), "--json"])
    assert result.exit_code == 0, result.output
    assert [(c["kind"], c["front"]) for c in json.loads(result.stdout)] == [
        ("basic", "Term one"),
        ("basic", "Term two"),
        ("cloze", "A phrase with {{c1::highlight}} here."),
    ]
    off = write_deck(
        tmp_path, "name: D\nid: 7\nnotes: [notes.md]\nreading: {markup: off}\n", "off.yaml", notes=SR
    )
    result = CliRunner().invoke(cli, ["list", str(off), "--json"])
    assert all(c["kind"] == "basic" and "::" not in c["front"] for c in json.loads(result.stdout))


def test_conventions_off_reads_only_explicit_questions() -> None:
    from cards.options import ReaderOptions

    notes = "## 1. What is A?\n\na\n\n## 2. What is B?\n\nb\n\n## 3. What is C?\n\nc\n\n## 4. Variance\n\nd\n"
    auto = parse_document(notes, source="n.md")
    off = parse_document(notes, source="n.md", options=ReaderOptions(conventions="off"))
    assert len(auto.cards) == 4 and len(off.cards) == 3


def test_q_and_a_lines() -> None:
    notes = """
    Q: What is bagging?
    A: Training models on bootstrap samples
    and averaging them.

    Q2. Why does it reduce variance?

    A2. Errors of independent models cancel out.
    - mostly

    Q: Unanswered question here?

    Plain paragraph.
    """
    cards = parse(notes).cards
    assert [c.question for c in cards[:2]] == ["What is bagging?", "Why does it reduce variance?"]
    assert "averaging them" in cards[0].answer and "Q2" not in cards[0].answer
    assert "cancel out" in cards[1].answer and "mostly" in cards[1].answer and "A2" not in cards[1].answer


def test_several_question_mark_cards_without_blank_lines() -> None:
    notes = """
    ---
    tags: [flashcards]
    ---
    Even parity, even number of ones?
    ?
    0
    Even parity, odd number of ones?
    ?
    1
    """
    cards = parse(notes).cards
    assert [(c.line, c.question, c.answer) for c in cards] == [
        (4, "Even parity, even number of ones?", "0"),
        (7, "Even parity, odd number of ones?", "1"),
    ]


def test_highlights_may_hold_emphasis_and_code_or_stay_open() -> None:
    notes = """
    ---
    tags: [flashcards]
    ---
    SOP restricts ==how one *origin* can reach another==

    Sent to URLs of the form ==`http://*.domain/path*`==

    If a cookie is HttpOnly ==scripts cannot read it

    Here a == b is a comparison.
    """
    cards = parse(notes).cards
    assert [c.question for c in cards] == [
        "SOP restricts {{c1::how one <em>origin</em> can reach another}}",
        "Sent to URLs of the form {{c1::<code>http://*.domain/path*</code>}}",
        "If a cookie is HttpOnly {{c1::scripts cannot read it}}",
    ]


def test_a_spaced_repetition_card_shows_the_heading_it_sits_under() -> None:
    notes = """
    ---
    tags: [flashcards]
    ---
    ## Limits of the CPI

    They are (4):
    ?
    - basket choice
    - quality changes

    ## Causes
    ?
    Demand and costs.
    """
    cards = parse(notes).cards
    assert "Limits of the CPI" in cards[0].context
    assert cards[1].question == "Causes" and not cards[1].context


def test_obsidian_to_anki_settings_lines_are_not_cards() -> None:
    notes = """
    ---
    tags: [flashcards]
    ---
    TARGET DECK: Biology::Cells

    Osmosis::diffusion of water
    """
    assert [c.question for c in parse(notes).cards] == ["Osmosis"]
