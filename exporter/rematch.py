"""Rematching a reworded question to the card it replaced.

When a question's key changes (a typo fixed, a word added), the card would get
a new GUID and lose its review history. Within one build, every card that
appeared is compared with every card that disappeared; a pair whose
similarity reaches :data:`THRESHOLD` is treated as the same card.

**The measure: typo-tolerant word Dice.** Both keys (already normalised:
case-folded, whitespace collapsed) are split into words (``\\w+``, so
punctuation does not count). The word sequences are aligned
(:class:`difflib.SequenceMatcher`); words facing each other in a changed stretch
still match when one is a *typo* of the other: both have four or more
letters, the same first letter, no digit, and one letter added, removed,
changed or two neighbours swapped. With ``m`` matched words out of ``a`` and
``b``, the similarity is ``2m / (a + b)``. Questions whose numbers differ
(``layer 1`` / ``layer 2``, ``conv2d`` / ``conv3d``) never match: numbers name
things.

**The threshold: 0.85.** That accepts any number of typos, one word added or
removed from a question of three or more words (3 → 4 words: 0.857), and two
words in questions of six or more; it rejects one word swapped for another
in questions under seven words (``What is dropout?`` → ``What is pooling?``:
0.67; ``What is an LSTM?`` → ``What is an RNN?``: 0.75), where the swapped
word is usually the subject. A character-level ratio cannot draw that line:
it scores ``What is ReLU?`` / ``What is ELU?`` at 0.96, above a genuine
one-word addition. Longer questions tolerate a swap (``…via convolutional
neural networks?`` → ``…via recurrent neural networks?``: 0.89), which a
build reports ("kept history: …") so a wrong guess is visible; pinning an id
on the new question undoes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from difflib import SequenceMatcher

THRESHOLD = 0.85
"""Minimum similarity for a disappeared card to pass its identity to a new one."""

_WORD = re.compile(r"\w+")


def words(key: str) -> tuple[str, ...]:
    """The words of a key, as compared by :func:`similarity`."""
    return tuple(_WORD.findall(key))


def similarity(old: str, new: str) -> float:
    """Typo-tolerant word Dice coefficient of two keys, 0.0 … 1.0 (see the module doc)."""
    return _similarity(words(old), words(new))


def _similarity(a: Sequence[str], b: Sequence[str]) -> float:
    if not a or not b or _numbers(a) != _numbers(b):
        return 0.0
    matched = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            matched += i2 - i1
        elif tag == "replace":
            matched += _typo_pairs(a[i1:i2], b[j1:j2])
    return 2 * matched / (len(a) + len(b))


def _typo_pairs(xs: Sequence[str], ys: Sequence[str]) -> int:
    """Most words of ``xs`` and ``ys`` that pair up as typos, in order (a tiny LCS).

    A changed stretch is short (a word or two), so the quadratic table is cheap;
    it lines up ``really aplha`` with ``alpha`` where pairing by position would not.
    """
    row = [0] * (len(ys) + 1)
    for x in xs:
        previous = row[:]
        for j, y in enumerate(ys, start=1):
            row[j] = previous[j - 1] + 1 if is_typo(x, y) else max(previous[j], row[j - 1])
    return row[-1]


def _numbers(ws: Sequence[str]) -> list[str]:
    return sorted(w for w in ws if any(c.isdigit() for c in w))


def is_typo(x: str, y: str) -> bool:
    """True if ``y`` is ``x`` with one slip: a letter added, removed, changed or two swapped.

    Only for words of four or more letters with the same first letter and no
    digit: short words and a changed initial are real changes (``ReLU``/``ELU``,
    ``encoder``/``decoder``).
    """
    if x == y:
        return True
    if min(len(x), len(y)) < 4 or x[0] != y[0] or abs(len(x) - len(y)) > 1:
        return False
    if any(c.isdigit() for c in x + y):
        return False
    return _one_edit(x, y)


def _one_edit(x: str, y: str) -> bool:
    """Damerau–Levenshtein distance exactly one (``x != y``, lengths differ by ≤ 1)."""
    if len(x) > len(y):
        x, y = y, x
    start = 0
    while start < len(x) and x[start] == y[start]:
        start += 1
    if len(x) < len(y):  # one insertion
        return x[start:] == y[start + 1 :]
    if x[start + 1 :] == y[start + 1 :]:  # one substitution
        return True
    return (  # one transposition of neighbours
        start + 1 < len(x)
        and x[start] == y[start + 1]
        and x[start + 1] == y[start]
        and x[start + 2 :] == y[start + 2 :]
    )


def rematch(new_keys: Sequence[str], old_keys: Sequence[str]) -> list[tuple[int, int, float]]:
    """Pair new keys with old ones: ``(new index, old index, similarity)``, one-to-one.

    The most similar pairs are taken first; among equal scores the closer
    spelling (character ratio) wins, then the earlier new card, then the
    smaller old key, so the result is deterministic.
    """
    if not new_keys or not old_keys:
        return []
    old_words = [words(k) for k in old_keys]
    old_tokens = [{t for w in ws for t in _tokens(w)} for ws in old_words]
    index = _WordIndex(old_tokens) if len(new_keys) * len(old_keys) > _BRUTE_FORCE_PAIRS else None
    candidates: list[tuple[float, float, int, str, int]] = []
    for i, key in enumerate(new_keys):
        a = words(key)
        options = [_tokens(w) for w in a]
        for j in index.candidates(options) if index else range(len(old_words)):
            b = old_words[j]
            if not _could_reach(len(a), len(b)):
                continue
            # Cheap upper bound first: new words with an equal or typo partner at all.
            present = old_tokens[j]
            partners = sum(1 for ts in options if not present.isdisjoint(ts))
            if 2 * min(partners, len(b)) < THRESHOLD * (len(a) + len(b)):
                continue
            score = _similarity(b, a)
            if score >= THRESHOLD:
                spelling = SequenceMatcher(None, old_keys[j], key, autojunk=False).ratio()
                candidates.append((-score, -spelling, i, old_keys[j], j))
    candidates.sort()
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    pairs = []
    for negative, _, i, _, j in candidates:
        if i not in taken_new and j not in taken_old:
            taken_new.add(i)
            taken_old.add(j)
            pairs.append((i, j, -negative))
    return pairs


_BRUTE_FORCE_PAIRS = 40_000
"""Below this many pairs, comparing every pair is quicker than building the index."""


class _WordIndex:
    """Which old keys could reach the threshold with a new key (a prefix filter).

    A similarity of at least T needs ``m >= T/(2-T) · a`` of the new key's
    ``a`` words matched (when the old key is as short as it may be). So an old
    key that shares none of the new key's ``a - m + 1`` rarest words cannot
    qualify. Words are indexed with their one-letter deletions (the first
    letter kept), so that a typo pair always shares an entry (symmetric delete).
    Thousands of questions reworded at once (a search and replace, a change
    in how keys are made) then cost about linear time instead of quadratic.
    """

    def __init__(self, keys: Sequence[set[str]]) -> None:
        self.postings: dict[str, list[int]] = {}
        for j, tokens in enumerate(keys):
            for token in tokens:
                self.postings.setdefault(token, []).append(j)

    def candidates(self, options: Sequence[Sequence[str]]) -> set[int]:
        """Old keys sharing a token with one of the rarest words (``options``: each word's tokens)."""
        if not options:
            return set()
        needed = math.ceil(THRESHOLD / (2 - THRESHOLD) * len(options) - 1e-9)
        rarest = sorted(options, key=lambda ts: sum(len(self.postings.get(t, ())) for t in ts))
        found: set[int] = set()
        for tokens in rarest[: len(options) - needed + 1]:
            for token in tokens:
                found.update(self.postings.get(token, ()))
        return found


def _tokens(word: str) -> tuple[str, ...]:
    """The word and, where a typo is possible, its one-letter deletions after the first letter."""
    if len(word) < 4 or any(c.isdigit() for c in word):
        return (word,)
    return (word, *{word[:k] + word[k + 1 :] for k in range(1, len(word))})


def _could_reach(a: int, b: int) -> bool:
    """Whether word counts ``a`` and ``b`` leave room for a similarity ≥ THRESHOLD."""
    return a > 0 and b > 0 and 2 * min(a, b) >= THRESHOLD * (a + b)
