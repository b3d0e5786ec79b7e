"""Does this text ask something? The reading rules a student applies to notes.

Each predicate works on plain text (markup already removed) and is cheap:
anchored, precompiled regular expressions over at most a few hundred
characters, so the parser can ask them of every paragraph of a large file.
Prompt words come from :mod:`cards.lexicon` (several languages);
``<!-- card -->`` covers anything else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from cards.lexicon import CJK_QUESTION_WORDS, NOUN_VERBS, PROMPT_VERBS, QUESTION_WORDS, all_words, alternation
from cards.render import POINT_VALUE
from cards.signals import judged_text

MAX_QUESTION_CHARS = 900
"""A paragraph longer than this is prose, not an exam prompt."""

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"(?<=[.?!])\s+(?=\S)")
_TRAILING = re.compile(r"[\s*_»\"'”’)\]]+$")
_AFTER_QUESTION = re.compile(r"\?\s*\([^()]{0,80}\)[.!]?$")

_VERBS = alternation(all_words(PROMPT_VERBS))
_IMPERATIVE = re.compile(
    r"^(?:please,?\s+)?(?:now,?\s+)?(?:(?:briefly|shortly|concisely|brevemente)\s+)?"
    rf"(?:make\b[^.?!]{{0,25}}?\bexamples?|{_VERBS})\b",
    re.IGNORECASE,
)
_INTERROGATIVE = re.compile(rf"^(?:{alternation(all_words(QUESTION_WORDS))})\b", re.IGNORECASE)
_NOUN_VERBS = frozenset(NOUN_VERBS)
_CJK_QUESTION = re.compile(alternation(CJK_QUESTION_WORDS))
_FOR_EACH = re.compile(
    r"^(?:for (?:each|every|all)|given|with reference to)\b[^.?!]{0,200}?\b"
    r"(?:provide|describe|explain|give|tell|make|write|compute|draw|indicate|list|discuss|illustrate)\b",
    re.IGNORECASE,
)
_LEAD_CLAUSE = re.compile(rf"^(?:[^\s.?!,:;]+\s+){{2,10}}[^\s.?!,:;]+,\s*(?:{_VERBS})\b", re.IGNORECASE)
"""``Secondo l'approccio BOAT, discutere…``: a prompt after a short opening clause."""
_SETUP_CUE = re.compile(
    r"^(?:now,?\s+)?(?:consider|assume|suppose|imagine|given that|let us|let's|considera|supponi)\b",
    re.IGNORECASE,
)
_CONTINUES = re.compile(
    r"\b(?:above|now|also|previous|same|this network|the network|the model|this model)\b", re.IGNORECASE
)
_INSTRUCTION = re.compile(r"\banswer the following\b|\bfollowing questions\b|\brispondi\b", re.IGNORECASE)
_HINT = re.compile(r"^(?:hint|suggerimento)\b\s*:", re.IGNORECASE)
_BARE_PROMPT_FOLLOW = re.compile(r"^(?:consider|note|assume|suppose|given)\b", re.IGNORECASE)
_SUBHEADING = re.compile(
    r"^(?:alternative|solution|solutions|soluzione|answer|answers|risposta|summary|riassunto|definition|"
    r"definizione|keras|note|notes|nota|explanation|spiegazione|example|examples|esempio|proof|remark|"
    r"hint|code|codice|implementation|references?|correction|update|recap|details?|other)\b",
    re.IGNORECASE,
)
_ANSWER_LABEL = re.compile(
    r"^(?:answers?|solutions?|risposte|risposta|soluzioni|soluzione)\s*:?$", re.IGNORECASE
)
_PLACEHOLDER = re.compile(
    r"^(?:answer here|your answer(?: here)?|write (?:the|your) answer(?: here)?|todo|to do|tbd|tba|"
    r"fixme|xxx|wip|\.\.\.|…|\?+|-+|\[[^\]]*\])[.!]?$",
    re.IGNORECASE,
)
_BARE_NUMBER = re.compile(r"^\d{1,4}$")
_CONJUNCTION = re.compile(r"^(?:but|and|so|or|then|yet|ma|e|quindi|allora)\b", re.IGNORECASE)
_EMDASH = frozenset({"—", "–", "―"})


@cache
def clean(text: str) -> str:
    """Plain text as a reader sees it: one line, Unicode width folded, no invisibles.

    Cached while a document is read (see ``cards.parse``): every rule asks about the same
    paragraph, so each is cleaned once.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.split())  # the same as collapsing \s+ and stripping, in C


def _strip_points(text: str) -> str:
    words = text.rsplit("(", 1)
    if len(words) == 2 and POINT_VALUE.match("(" + words[1].strip()):
        return words[0].rstrip()
    return text


def _ends_asking(text: str) -> bool:
    text = _TRAILING.sub("", text)
    return text.endswith("?") or bool(_AFTER_QUESTION.search(text))


def is_imperative(sentence: str) -> bool:
    """Starts with an exam prompt verb (``Describe…``, ``Make an example…``)."""
    return bool(_IMPERATIVE.match(sentence) or _FOR_EACH.match(sentence) or _LEAD_CLAUSE.match(sentence))


@cache
def asks_heading(text: str, *, nested: bool = False) -> bool:
    """A heading that asks: it has a ``?``, or starts with a prompt verb or a wh-word.

    ``nested`` headings (deeper than an open question's own heading) must carry a
    ``?``: ``### How it works`` under a question is a sub-heading of its answer.
    """
    text = judged_text(clean(text))
    if "?" in text:
        return True
    if nested or not text or text.casefold() in _NOUN_VERBS:
        return False
    if is_imperative(text) or _INTERROGATIVE.match(text) or _CJK_QUESTION.search(text):
        return True
    sentences = _SENTENCE.split(text)  # ``Consider these four functions. Discuss each of them``
    return 1 < len(sentences) <= 4 and is_imperative(sentences[-1])


@cache
def asks_paragraph(text: str) -> bool:
    """A stand-alone paragraph that asks, the way exam prompts are written in notes.

    It ends with ``?``; or it opens with a prompt verb (``Illustrate…``,
    ``For each … provide…``); or it contains a question and its last sentence
    is a question or a prompt (``What does … mean? … Describe the model``).
    ``Why do we need it? Imagine…`` followed by explanation is an answer.
    """
    if len(text) > MAX_QUESTION_CHARS * 2:
        return False
    text = judged_text(_strip_points(clean(text)))
    if not text or len(text) > MAX_QUESTION_CHARS:
        return False
    if "?" not in text:  # the usual answer paragraph: only a prompt verb can make it ask
        return is_imperative(text)
    if _ends_asking(text) or is_imperative(text):
        return True
    sentences = _SENTENCE.split(text)
    if len(sentences) > 6:
        return False
    last = sentences[-1]
    return is_imperative(last) or _ends_asking(last)


def follows_up(text: str) -> bool:
    """A question that only makes sense after the one before it (``Why?``, ``But how…?``).

    Inside an open answer such a paragraph is a sub-heading, not a new card.
    """
    text = clean(text)
    return len(text.split()) <= 2 or bool(_CONJUNCTION.match(text))


def is_point_value(text: str) -> bool:
    """``(1 punto)``, ``(30 Points)``: an exam's score, not content."""
    if text.isascii() and not text.lstrip().startswith("("):
        return False  # the usual paragraph, known without cleaning it
    return bool(POINT_VALUE.match(clean(text)))


def is_setup_cue(text: str) -> bool:
    """A paragraph that sets up a new exam scenario (``Consider…``, ``Assume…``)."""
    return bool(_SETUP_CUE.match(clean(text)))


def continues_setup(text: str) -> bool:
    """A setup paragraph that builds on the previous one (``the network is now…``)."""
    return bool(_CONTINUES.search(clean(text)))


def is_instruction(text: str) -> bool:
    """``Answer the following questions…``: introduces a list of questions."""
    text = clean(text)
    if text.isascii():  # the usual paragraph: no key word at all, checked without a regular expression
        lowered = text.lower()
        if "following" not in lowered and "rispondi" not in lowered:
            return False
    return bool(_INSTRUCTION.search(text))


def continues_question(text: str, question: str) -> bool:
    """A paragraph right after a question that still belongs to it.

    ``HINT: …`` always does; after a bare one-word prompt (``## Enumerate``),
    so does the ``Consider that…`` paragraph that completes it.
    """
    text = clean(text)
    if _HINT.match(text):
        return True
    return len(clean(question).split()) <= 2 and bool(_BARE_PROMPT_FOLLOW.match(text))


def ends_open(text: str) -> bool:
    """A prompt that runs on into a list (``…Please indicate``, ``…as follows:``)."""
    text = _TRAILING.sub("", clean(text))
    return bool(text) and text[-1] not in ".?!"


def is_subheading_name(text: str) -> bool:
    """Heading names that structure an answer (``Solution:``, ``Summary``, ``Keras``)."""
    text = clean(text).strip("*_ ")
    return bool(_SUBHEADING.match(text)) or text.endswith(":")


def is_answer_label(text: str) -> bool:
    """``Answers:`` above a numbered list of answers."""
    return bool(_ANSWER_LABEL.match(clean(text)))


def is_placeholder(text: str) -> bool:
    """``Answer here``, ``TODO``, ``[compute model parameters]``: not an answer yet."""
    return bool(_PLACEHOLDER.match(clean(text)))


def is_bare_number(text: str) -> bool:
    """A lone page number left over from a pasted exam sheet."""
    return bool(_BARE_NUMBER.match(clean(text)))


def is_emdash(text: str) -> bool:
    """A paragraph made of a single dash: the notes' separator between alternative answers."""
    return clean(text) in _EMDASH


def words(text: str) -> str:
    """Lower-case words joined by single spaces, for containment tests."""
    return " ".join(_WORD.findall(clean(text).casefold()))


def contained(text: str, question: str) -> bool:
    """True if ``text`` repeats part of ``question`` (a sub-heading of its answer)."""
    needle = words(text)
    return bool(needle) and f" {needle} " in f" {words(question)} "
