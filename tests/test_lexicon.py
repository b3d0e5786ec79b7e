"""The prompt-word tables become regular expressions: a trie must match exactly what a list would."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from cards.lexicon import PROMPT_VERBS, QUESTION_WORDS, all_words, alternation
from cards.questions import is_instruction


def plain(words: list[str]) -> str:
    """The alternation as it was written before the trie: longest word first."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(w.replace("'", "['’]").replace(" ", r"\s+") for w in ordered)


def test_the_trie_shares_prefixes() -> None:
    assert alternation(["describe", "define", "detail", "de"]) == "de(?:fine|scribe|tail)?"
    assert alternation(["a", "ab", "abc"]) == "a(?:bc?)?"
    assert alternation(["what's", "list of"]) == r"(?:list\s+of|what['’]s)"


WORDS = [*all_words(PROMPT_VERBS), *all_words(QUESTION_WORDS)]
made_up = st.text("abdeilst '", min_size=1, max_size=6)
words = st.lists(st.sampled_from(WORDS) | made_up, min_size=1, max_size=12)
probes = st.sampled_from(WORDS) | st.text("abdeilst '’,.?XY\t", max_size=14)


@given(words, probes, st.sampled_from(["", " more", ",", "s"]))
def test_the_trie_matches_what_the_plain_alternation_matches(ws: list[str], probe: str, tail: str) -> None:
    trie = re.compile(rf"^(?:{alternation(ws)})\b", re.IGNORECASE)
    listed = re.compile(rf"^(?:{plain(ws)})\b", re.IGNORECASE)
    text = probe + tail
    assert bool(trie.match(text)) == bool(listed.match(text))


def test_every_prompt_word_still_starts_a_prompt() -> None:
    pattern = re.compile(rf"^(?:{alternation(WORDS)})\b", re.IGNORECASE)
    assert all(pattern.match(word.replace("'", "’")) for word in WORDS)
    assert not pattern.match("Backpropagation computes gradients")


def test_an_instruction_is_found_in_any_case_and_script() -> None:
    assert is_instruction("Now ANSWER THE FOLLOWING questions.")
    assert is_instruction("Rispondi alle domande seguenti")
    assert is_instruction("Réponds: answer the following, please")  # not ASCII: the pattern decides
    assert not is_instruction("The following layer normalises its input.")


def test_what_the_reader_remembers_does_not_outlive_a_document() -> None:
    """The predicates' memory is per document: reading another file first changes nothing."""
    from cards.parse import parse_document
    from cards.questions import clean

    notes = "# Ch\n\n## What is bagging?\n\nAveraging models.\n\n## Explain dropout\n\nIt drops units.\n"
    other = "# Other\n\nDefine momentum\n\n**What is a kernel?**\n\nA matrix.\n"
    first = parse_document(notes, source="a.md")
    assert clean.cache_info().currsize == 0  # forgotten when the document is read
    parse_document(other, source="b.md")
    assert parse_document(notes, source="a.md") == first
