"""The identity contract: what makes two questions the same card."""

from __future__ import annotations

import pytest

from cards.ids import guid_for, normalise_question


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("What is dropout?", "what  is\\tdropout ?".replace("\\t", "\t")),
        ("What is dropout?", "What is dropout？"),
        ("What is dropout?", "What is\u200b drop\u00adout?"),
        ("What’s a “GAN”?", 'What\'s a "GAN"?'),
        ("Fast R–CNN vs Faster R‑CNN?", "Fast R-CNN vs Faster R-CNN?"),
    ],
)
def test_same_question(a: str, b: str) -> None:
    assert normalise_question(a) == normalise_question(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("What is dropout?", "What is dropout"), ("What is a GAN?", "What is an RNN?")],
)
def test_different_questions(a: str, b: str) -> None:
    assert normalise_question(a) != normalise_question(b)


def test_guid_depends_on_deck_and_key_only() -> None:
    assert guid_for(1, "what is dropout?") == guid_for(1, "what is dropout?")
    assert guid_for(1, "what is dropout?") != guid_for(2, "what is dropout?")
    assert guid_for(1, "a") != guid_for(1, "b")
