"""The rewording measure: near misses on both sides of the threshold."""

from __future__ import annotations

import pytest

from cards import normalise_question
from exporter.rematch import THRESHOLD, is_typo, rematch, similarity

KEPT = [
    # typo fixes, whatever the question's length
    ("Can word embedding overfit?", "Can word embeddings overfit?"),
    ("What is overfiting?", "What is overfitting?"),
    ("Why do we recieve gradients?", "Why do we receive gradients?"),  # swapped letters
    (
        "What is an LSTM and why does it help with vanishing gradient?",
        "What is an LSTM and why does it help with vanishing gradients?",
    ),
    # one word added or removed (3+ words)
    ("What is GAN?", "What is a GAN?"),
    ("What is the dropout?", "What is dropout?"),
    ("Can word embedding overfit?", "Can word embedding models overfit?"),
    # two words added to a question of six words or more
    ("What is the receptive field of a CNN?", "What exactly is the receptive field of a deep CNN?"),
    # one word swapped in a question of seven words or more
    (
        "How data representation is learned via convolutional neural networks?",
        "How data representation is learned via recurrent neural networks?",
    ),
    # a word added next to a typo
    ("What is alpha bravo?", "What is really aplha bravo?"),
    # case, spacing and punctuation do not count
    ("what is  a GAN", "What is a GAN?"),
]

NOT_KEPT = [
    # one word swapped in a short question: usually the subject
    ("What is dropout?", "What is pooling?"),
    ("What is an LSTM?", "What is an RNN?"),
    ("What is ReLU?", "What is ELU?"),  # 3-letter words are never typos
    ("What does the encoder learn?", "What does the decoder learn?"),  # a changed initial is not a typo
    # numbers name things
    ("What is the output shape of layer 1?", "What is the output shape of layer 2?"),
    ("What does conv2d compute in this model?", "What does conv3d compute in this model?"),
    # one word added to a two-word question
    ("Why ReLU?", "Why use ReLU?"),
    # two words added to a five-word question
    ("What is the receptive field?", "What exactly is the receptive field size?"),
    # unrelated
    (
        "What is early stopping and why does it help with overfitting?",
        "What is weight decay and why does it help with overfitting?",
    ),
    ("Describe the Word2Vec architecture", "What is the pain behind text encoding? What is the relief?"),
]


@pytest.mark.parametrize(("old", "new"), KEPT)
def test_slight_rewording_reaches_the_threshold(old: str, new: str) -> None:
    assert similarity(normalise_question(old), normalise_question(new)) >= THRESHOLD


@pytest.mark.parametrize(("old", "new"), NOT_KEPT)
def test_a_different_question_stays_below_the_threshold(old: str, new: str) -> None:
    assert similarity(normalise_question(old), normalise_question(new)) < THRESHOLD


def test_the_documented_scores() -> None:
    def score(a: str, b: str) -> float:
        return round(similarity(normalise_question(a), normalise_question(b)), 3)

    assert score("What is GAN?", "What is a GAN?") == 0.857  # 3 -> 4 words
    assert score("What is dropout?", "What is pooling?") == 0.667
    assert score("What is an LSTM?", "What is an RNN?") == 0.75
    assert score("a b c d e f", "a b x d e f") == 0.833  # swap in six words: rejected
    assert score("a b c d e f g", "a b x d e f g") == 0.857  # swap in seven words: kept


@pytest.mark.parametrize(
    ("x", "y", "typo"),
    [
        ("embedding", "embeddings", True),
        ("recieve", "receive", True),
        ("network", "netwrok", True),
        ("model", "modal", True),
        ("relu", "elu", False),
        ("encoder", "decoder", False),
        ("input", "output", False),
        ("overfit", "overfitting", False),
        ("conv2", "conv3", False),
        ("gan", "can", False),
    ],
)
def test_typo_rule(x: str, y: str, typo: bool) -> None:
    assert is_typo(x, y) is typo
    assert is_typo(y, x) is typo


def test_rematch_is_one_to_one_and_prefers_the_most_similar() -> None:
    old = ["what is a generative adversarial network?", "what is a generative network?"]
    new = ["what is a generative adversarial networks?"]
    assert [(i, j) for i, j, _ in rematch(new, old)] == [(0, 0)]
    two_new = ["what is a generative adversarial networks?", "what is a generative adversarial network?"]
    assert [(i, j) for i, j, _ in rematch(two_new, old[:1])] == [(1, 0)]  # the exact one wins


def test_rematch_is_deterministic_on_ties() -> None:
    old = ["why use dropout layers?", "why use dropout layer?"]
    new = ["why use dropout layerz?"]
    first = rematch(new, old)
    assert first == rematch(new, list(old))
    assert [(i, old[j]) for i, j, _ in first] == [(0, "why use dropout layer?")]


def test_the_index_finds_what_comparing_every_pair_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    import exporter.rematch

    rng = random.Random(5)
    vocab = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(60)]
    old = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 9))) for _ in range(250)]
    new = []
    for key in old:
        ws = key.split()
        k = rng.randrange(len(ws))
        change = rng.choice(["add", "drop", "typo", "swap"])
        if change == "add":
            ws.insert(k, rng.choice(vocab))
        elif change == "drop" and len(ws) > 1:
            del ws[k]
        elif change == "typo" and len(ws[k]) >= 4:
            ws[k] = ws[k][0] + ws[k][2] + ws[k][1] + ws[k][3:]
        else:
            ws[k] = rng.choice(vocab)
        new.append(" ".join(ws))
    indexed = rematch(new, old)
    assert len(new) * len(old) > exporter.rematch._BRUTE_FORCE_PAIRS
    monkeypatch.setattr(exporter.rematch, "_BRUTE_FORCE_PAIRS", 10**9)
    assert rematch(new, old) == indexed
    assert len(indexed) > 100
