"""Prompt words per language, as data: how exam questions start.

A heading or paragraph that starts with one of these words asks something,
even without a ``?`` (``Illustrare il ruolo…``, ``Nennen Sie zwei…``). The
tables are plain data so that adding a language is adding a row, and the
README's "Writing notes" can list them. Matching is case-insensitive and on
whole words; the verbs are the ones exam sheets use, in the forms they use
them (imperative, polite imperative, infinitive).
"""

from __future__ import annotations

from typing import Any

PROMPT_VERBS: dict[str, tuple[str, ...]] = {
    "en": (
        "describe",
        "illustrate",
        "discuss",
        "explain",
        "enumerate",
        "detail",
        "list",
        "compare",
        "contrast",
        "define",
        "provide",
        "justify",
        "motivate",
        "derive",
        "prove",
        "show",
        "compute",
        "calculate",
        "draw",
        "sketch",
        "give",
        "outline",
        "summarise",
        "summarize",
        "select",
        "mark",
        "choose",
        "indicate",
        "identify",
        "write",
        "propose",
        "suggest",
        "tell",
        "fill",
        "analyse",
        "analyze",
        "argue",
        "guideline",
        "determine",
        "evaluate",
        "convert",
        "solve",
    ),
    "it": (
        "descrivi",
        "spiega",
        "illustra",
        "elenca",
        "discuti",
        "definisci",
        "confronta",
        "indica",
        "calcola",
        "motiva",
        "descrivere",
        "spiegare",
        "illustrare",
        "elencare",
        "discutere",
        "definire",
        "confrontare",
        "indicare",
        "calcolare",
        "motivare",
        "introdurre",
        "rappresentare",
        "presentare",
        "dimostrare",
        "mostrare",
        "analizzare",
        "esporre",
        "commentare",
        "classificare",
        "enunciare",
        "derivare",
        "caratterizzare",
        "evidenziare",
        "fornire",
        "dire",
    ),
    "de": (
        "erläutern",
        "erläutere",
        "erklären",
        "erkläre",
        "beschreiben",
        "beschreibe",
        "nennen",
        "nenne",
        "geben",
        "gib",
        "konvertieren",
        "stellen",
        "berechnen",
        "berechne",
        "bestimmen",
        "bestimme",
        "zeigen",
        "zeige",
        "begründen",
        "begründe",
        "skizzieren",
        "skizziere",
        "vergleichen",
        "vergleiche",
        "definieren",
        "definiere",
        "zeichnen",
        "zeichne",
        "diskutieren",
        "diskutiere",
        "ermitteln",
        "ermittle",
        "wandeln",
        "formulieren",
        "formuliere",
        "untersuchen",
        "untersuche",
    ),
    "fr": (
        "expliquez",
        "expliquer",
        "décrivez",
        "décrire",
        "définissez",
        "définir",
        "citez",
        "citer",
        "comparez",
        "comparer",
        "justifiez",
        "justifier",
        "donnez",
        "donner",
        "présentez",
        "présenter",
        "montrez",
        "montrer",
        "calculez",
        "calculer",
        "analysez",
        "analyser",
        "discutez",
        "discuter",
        "énumérez",
        "énumérer",
        "illustrez",
        "illustrer",
        "indiquez",
        "indiquer",
    ),
    "es": (
        "explique",
        "explica",
        "explicar",
        "describa",
        "describe",
        "describir",
        "defina",
        "define",
        "definir",
        "enumere",
        "enumera",
        "enumerar",
        "compare",
        "compara",
        "comparar",
        "justifique",
        "justifica",
        "indique",
        "indica",
        "calcule",
        "calcula",
        "calcular",
        "mencione",
        "menciona",
        "cite",
        "cita",
        "analice",
        "analiza",
        "razone",
        "demuestre",
        "demuestra",
    ),
    "ru": (
        "объясните",
        "объясни",
        "опишите",
        "опиши",
        "расскажите",
        "расскажи",
        "назовите",
        "назови",
        "перечислите",
        "перечисли",
        "сравните",
        "сравни",
        "дайте",
        "приведите",
        "определите",
        "докажите",
        "покажите",
        "вычислите",
    ),
    "hu": ("ismertesse", "ismertesd", "definiálja", "definiáld", "magyarázza", "magyarázd", "írja", "írd"),
}
"""Verbs that open an exam prompt, by language."""

NOUN_VERBS: tuple[str, ...] = (
    "list",
    "lists",
    "show",
    "draw",
    "mark",
    "detail",
    "details",
    "outline",
    "sketch",
    "fill",
    "write",
    "select",
    "name",
    "state",
    "design",
    "compute",
    "proof",
)
"""Prompt verbs that are nouns too: a heading of just this word (``### list``) names a topic."""

QUESTION_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("what", "what's", "why", "how", "when", "where", "which", "who", "whose", "whom"),
    "it": ("cosa", "che cosa", "come", "perché", "perche", "quale", "quali", "quando", "dove", "chi"),
    "de": (
        "was",
        "wie",
        "warum",
        "wieso",
        "weshalb",
        "wann",
        "wo",
        "wer",
        "welche",
        "welcher",
        "welches",
        "welchen",
        "welchem",
        "womit",
        "wofür",
        "woran",
        "wozu",
        "wodurch",
        "wieviel",
        "wieviele",
    ),
    "fr": ("qu'est-ce", "quel", "quelle", "quels", "quelles", "pourquoi", "comment", "combien"),
    "es": ("qué", "cuál", "cuáles", "por qué", "cómo", "cuándo", "dónde", "quién", "cuánto", "cuántos"),
    "ru": (
        "что",
        "как",
        "какой",
        "какая",
        "какое",
        "какие",
        "каков",
        "зачем",
        "почему",
        "чем",
        "где",
        "когда",
        "кто",
        "сколько",
        "в чём",
        "в чем",
    ),
    "hu": ("miért", "hogyan", "mikor", "melyik", "milyen", "mennyi"),
}
"""Words that open a question (headings may leave out the ``?``), by language."""

CJK_QUESTION_WORDS: tuple[str, ...] = (
    "什么",
    "为什么",
    "为何",
    "如何",
    "怎么",
    "怎样",
    "哪些",
    "是否",
    "简述",
    "解释",
)
"""Chinese question words: they ask anywhere in a heading (Chinese has no spaces between words)."""

QUESTION_DOCUMENT_TITLES: tuple[str, ...] = (
    "questions",
    "question",
    "faq",
    "interview",
    "quiz",
    "exam questions",
    "q&a",
    "domande",
    "fragen",
    "preguntas",
    "questions d'examen",
    "вопросы",
    "вопрос",
    "面试题",
    "问题",
    "kérdések",
)
"""Title words by which an author declares a document to be a list of questions."""

SOLUTION_HEADINGS: tuple[str, ...] = (
    "solutions",
    "solution",
    "answers",
    "lösungen",
    "lösung",
    "soluzioni",
    "risposte",
    "soluciones",
    "respuestas",
    "réponses",
    "corrigé",
    "ответы",
    "答案",
    "megoldások",
)
"""Headings of the part of an exam sheet that holds the answers."""


EXERCISE_HEADINGS: tuple[str, ...] = (
    "exercise",
    "exercises",
    "esercizio",
    "esercizi",
    "aufgabe",
    "übung",
    "exercice",
    "ejercicio",
    "problem",
    "problema",
    "упражнение",
    "задача",
    "练习",
    "习题",
    "feladat",
)
"""Heading words that open an exercise: its setup is context for the question headings after it."""


def alternation(words: tuple[str, ...] | list[str]) -> str:
    """A regular-expression alternation of ``words`` (spaces as ``\\s+``), written as a trie.

    ``describe|define|detail`` becomes ``d(?:e(?:scribe|fine|tail))``: the same
    words, but the regular-expression engine tries a word's first letter once
    instead of trying several hundred words one by one at every paragraph.
    Longer words are tried first, as in a longest-first alternation.
    """
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for atom in _atoms(word):
            node = node.setdefault(atom, {})
        node[""] = {}
    return _trie_pattern(trie)


def _atoms(word: str) -> list[str]:
    return ["['’]" if ch == "'" else r"\s+" if ch == " " else ch for ch in word]


def _trie_pattern(node: dict[str, Any]) -> str:
    """The alternation of a trie node's continuations (``""`` marks a word's end)."""
    branches = [atom + _trie_pattern(child) for atom, child in sorted(node.items()) if atom]
    if not branches:
        return ""
    inner = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return inner
    return inner + "?" if len(branches) > 1 or len(inner) == 1 else f"(?:{inner})?"


def all_words(table: dict[str, tuple[str, ...]]) -> list[str]:
    """Every word of a per-language table."""
    return [word for words in table.values() for word in words]
