"""Per-document conventions: how other authors mark questions (README "Writing notes").

Each test is a small note written the way real students write theirs, and
asserts what a student would take from it: which lines are cards, with which
answer, context and kind.
"""

from __future__ import annotations

import textwrap

from cards.blocks import split_blocks
from cards.conventions import read_conventions
from cards.ids import normalise_question
from cards.parse import parse_document
from cards.render import markdown_parser
from cards.signals import is_decoration, judged_text


def parse(text: str):
    return parse_document(textwrap.dedent(text), source="n.md", deck="D")


def questions(text: str) -> list[str]:
    return [c.key for c in parse(text).cards]


def test_numbering_marks_and_points_do_not_hide_a_question() -> None:
    assert judged_text("12) Define momentum ⭐️") == "Define momentum"
    assert judged_text("Q3: What is bagging? 🔥🔥") == "What is bagging?"
    assert judged_text("3.4.9 Explain dropout (4P)") == "Explain dropout"
    assert judged_text("b) Womit beschäftigt sich die Technik? (4P)") == "Womit beschäftigt sich die Technik?"
    assert judged_text("Attention [[src](https://x.y)]") == "Attention"


def test_card_keys_keep_the_question_as_written() -> None:
    """Judging strips the numbering; identities do not (an upgrade keeps every card's history)."""
    cards = parse("## 2. Explain what dropout is\n\nIt drops units.\n").cards
    assert [c.key for c in cards] == [normalise_question("2. Explain what dropout is")]


def test_prompts_in_other_languages_ask() -> None:
    notes = """
    ### Illustrare il ruolo dei dati in un sistema ERP

    Il ruolo dei dati è fondamentale.

    ### Nennen Sie zwei Datentypen

    int und char.

    ### Как передаются аргументы в функцию

    По ссылке.

    ### Secondo l'approccio BOAT, discutere le differenze

    Sono tre.
    """
    assert len(questions(notes)) == 4


def test_topic_heading_in_a_run_of_question_headings_is_a_card() -> None:
    notes = """
    ## 1. What is variance?

    The spread.

    ## 2. Why do we normalise?

    To compare.

    ## 3. How is the median found?

    Sort, take the middle.

    ## 4. Expected value

    The mean of the distribution.
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [2, 6, 10, 14]
    assert "mean of the distribution" in cards[-1].answer


def test_topic_headings_in_lecture_notes_are_not_cards() -> None:
    notes = """
    ### Activation functions

    They add non-linearity.

    ### Learning

    Gradient descent on the loss.

    ### Initialization

    Random weights, small.

    ### Why do we need depth?

    Depth composes features.
    """
    assert [c.line for c in parse(notes).cards] == [14]


def test_a_title_that_declares_questions_makes_its_topics_cards() -> None:
    notes = """
    # Interview questions

    ### Generators

    Functions that yield.

    ### Decorators

    Functions that wrap functions.

    ### Empty one

    ### Hash functions

    Map a value to a number.
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [4, 8, 14]
    assert not parse(notes).warnings  # a topic with nothing under it is no question left unanswered


def test_an_exercise_heading_over_its_own_questions_is_not_a_card() -> None:
    notes = """
    ## What is a CNN?

    A network of convolutions.

    ## Why pooling?

    Invariance.

    ## What is stride?

    The step.

    ## Exercise 3

    With reference to the network below, answer the following questions.

    ## Enumerate the layers

    Conv, pool, dense.
    """
    lines = [c.line for c in parse(notes).cards]
    assert 14 not in lines and 18 in lines


def test_a_heading_with_a_details_answer_is_a_task() -> None:
    notes = """
    ## Probes

    ### Create an nginx pod with a liveness probe

    <details><summary>show</summary>

    ```bash
    kubectl run nginx --image=nginx
    ```

    </details>

    ### Using Helm repo

    <details><summary>show</summary>

    helm repo add

    </details>
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [4, 14]
    assert "kubectl" in cards[0].answer and "<details" not in cards[0].answer
    assert not cards[0].context


def test_quoted_sub_questions_show_their_heading_as_context() -> None:
    notes = """
    ## Static scheduling

    > Main concepts

    Scheduling at compile time.

    > Main benefits

    Simple hardware.

    ### Dynamic scheduling

    > How does it work?

    Reservation stations.
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [4, 8, 14]
    assert [("Static" in c.context, "Dynamic" in c.context) for c in cards] == [
        (True, False),
        (True, False),
        (False, True),
    ]
    assert "Simple hardware" in cards[1].answer and "Dynamic" not in cards[1].answer


def test_a_single_quote_after_a_question_stays_its_answer() -> None:
    notes = """
    **What is dropout?**

    > Units are dropped at random while training.
    """
    cards = parse(notes).cards
    assert len(cards) == 1 and "dropped at random" in cards[0].answer


def test_lettered_options_with_a_correct_answer_line_are_multiple_choice() -> None:
    notes = """
    1. Which service stores objects?
        - A. EC2
        - B. S3
        - C. VPC

        <details><summary>Answer</summary>
          Correct answer: B
        </details>

    2. Which two are regions? (Select TWO)
        - A. eu-west-1
        - B. Edge
        - C. us-east-1

        <details><summary>Answer</summary>
          Correct answer: A, C
        </details>
    """
    cards = parse(notes).cards
    assert [c.kind for c in cards] == ["multiple-choice", "multiple-choice"]
    assert "☐ B. S3" in cards[0].question and "☒" not in cards[0].question
    assert "☒ B. S3" in cards[0].answer and "EC2" not in cards[0].answer
    assert "Correct answer: B" in cards[0].answer and "<details" not in cards[0].answer
    assert "☒ A. eu-west-1" in cards[1].answer and "☒ C. us-east-1" in cards[1].answer


def test_task_list_options_inside_numbered_questions() -> None:
    notes = """
    1. Una circunstancia desfavorable es:
    \t- [ ] Un riesgo.
    \t- [x] Una amenaza.

    2. ¿Qué opción se toma?
    \t- [x] Asumir.
    \t- [ ] Reducir.
    """
    cards = parse(notes).cards
    assert [c.kind for c in cards] == ["multiple-choice", "multiple-choice"]
    assert "☐ Una amenaza." in cards[0].question and "☒ Una amenaza." in cards[0].answer


def test_lettered_list_without_a_solution_stays_a_basic_answer() -> None:
    notes = """
    1. Which letters are vowels?
        - A. first letter
        - B. second letter
    2. Why?
        - because
    """
    assert [c.kind for c in parse(notes).cards] == ["basic", "basic"]


def test_status_lines_are_decoration() -> None:
    assert is_decoration(":white_check_mark: __Q7__")
    assert is_decoration("⭐️⭐️")
    assert not is_decoration("Consider a CNN")


def test_conventions_are_named() -> None:
    text = "## What is A?\n\nx\n\n## What is B?\n\ny\n\n## What is C?\n\nz\n\n## D\n\nw\n"
    tokens = markdown_parser().parse(text)
    reading = read_conventions(tokens, split_blocks(tokens))
    assert reading.names() == ["question headings (level 2)"]


def test_the_same_quoted_sub_question_under_two_headings_is_two_cards() -> None:
    notes = """
    ## Static scheduling

    > Main benefits

    Simple hardware.

    > Main drawbacks

    Portability.

    ## Dynamic scheduling

    > How does it work?

    Reservation stations.

    > Main benefits

    Speed.
    """
    result = parse(notes)
    assert not result.warnings
    keys = [c.key for c in result.cards]
    assert len(set(keys)) == 4 and keys[0] == "static scheduling › main benefits"


def test_a_quoted_sub_question_takes_the_list_below_as_its_answer() -> None:
    notes = """
    ## Reorder buffer

    > What is it for?

    Keep order.

    > Fields of the ROB

    - Busy
    - Value

    > Stages

    1) Issue
    """
    cards = parse(notes).cards
    assert "Busy" in cards[1].answer and "Busy" not in cards[1].question


def test_an_exam_sheet_with_its_solutions_at_the_end() -> None:
    notes = """
    ### Mock exam

    #### Task 1 (5P)

    Consider the alphabet.

    a) Which letter comes first? (1P)

    b) Which letter comes last? (4P)

    c) Draw the alphabet as a tree. (2P)

    #### Task 2 (3P)

    a) Why is the sky blue? (3P)

    ### Solutions

    #### Task 1

    a) A

    b)

    Z, the last one.

    c) ![tree]()

    #### Task 2

    a) Scattering.
    """
    result = parse(notes)
    cards = result.cards
    assert [c.line for c in cards] == [8, 10, 16]
    assert "A" in cards[0].answer and "Z, the last one." in cards[1].answer
    assert "Scattering" in cards[2].answer and "Z, the" not in cards[2].answer
    assert all("Consider the alphabet" in c.context for c in cards[:2]) and not cards[2].context
    assert [w.line for w in result.warnings] == [12]  # its solution is an image with no link


def test_solutions_pair_by_task_and_letter_not_by_position() -> None:
    notes = """
    #### Task 1

    a) What is one? (1P)

    #### Task 2

    a) What is two? (1P)

    ### Solutions

    #### Task 2

    a) Two.
    """
    cards = parse(notes).cards
    assert [(c.line, "Two." in c.answer) for c in cards] == [(8, True)]


def test_a_glossary_list_gives_a_card_per_term() -> None:
    notes = """
    ### list

    - `lst.append(value)`: adds at the end, O(1)
    - `lst.pop()`：removes the last item
    - **Slicing** — a copy of a range
    - plain item without a term
    """
    cards = parse(notes).cards
    assert [c.key for c in cards] == ["lst.append(value)", "lst.pop()", "slicing"]
    assert "adds at the end" in cards[0].answer and "removes the last" in cards[1].answer


def test_a_list_of_terms_inside_an_answer_stays_the_answer() -> None:
    notes = """
    ## What are the parts of a CNN?

    - **Conv**: filters
    - **Pool**: downsampling
    - **Dense**: classifier
    """
    cards = parse(notes).cards
    assert len(cards) == 1 and "downsampling" in cards[0].answer


def test_two_terms_are_not_a_glossary() -> None:
    notes = "### Notes\n\n- **A**: first\n- **B**: second\n"
    assert parse(notes).cards == ()


def test_a_one_word_heading_that_is_also_a_noun_is_a_topic() -> None:
    assert questions("### list\n\nSome text.\n") == []
    assert len(questions("## Enumerate\n\nConv, pool.\n")) == 1


def test_a_topic_heading_with_its_own_answer_and_sub_questions() -> None:
    notes = """
    ## What is a generator?

    A function that yields.

    ## Why use iterators?

    Laziness.

    ## How do closures work?

    Captured cells.

    ## GIL (Global Interpreter Lock)

    A lock around the interpreter.

    ### Why was it designed?

    Simplicity.

    ## Other notes

    ### Conversions

    - list(x)
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [2, 6, 10, 14, 18]
    assert "A lock around" in cards[3].answer


def test_a_heading_of_the_run_that_groups_questions() -> None:
    notes = """
    # Interview questions

    ### Generators

    Functions that yield.

    ### A few puzzles

    #### What does this print?

    Two.

    #### is or ==

    Identity against equality.

    ### CI/CD

    #### Continuous integration

    Merge and test often.

    #### Continuous delivery

    Ship often.
    """
    cards = parse(notes).cards
    assert [c.line for c in cards] == [4, 10, 14, 18]
    assert "Ship often" in cards[-1].answer


def test_a_miscellany_heading_in_a_seen_question_run_is_no_card() -> None:
    notes = """
    ## What is a generator?

    Yields.

    ## What is an iterator?

    Next.

    ## What is a closure?

    Cells.

    ## Other notes

    ### Conversions

    ```python
    list(x)
    ```
    """
    assert [c.line for c in parse(notes).cards] == [2, 6, 10]
