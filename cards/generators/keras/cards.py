"""Analysed models → a few well-chosen exercise cards each.

Per model, candidates in order of what they teach: the totals (trainable /
non-trainable), the receptive field where the notes ask for one, a transposed
convolution, a BatchNormalization, a convolution, the first Dense after a
Flatten, separable/depthwise convolutions, recurrent layers, an Embedding and
finally the receptive field at the deepest spatial layer. The first
``cards_per_model`` distinct ones become cards.

A card's identity is ``keras:<hash of the code's syntax tree>:<model>:<layer>:<what>``:
it survives moving the exercise, editing comments or the answers around it,
and changes only when the model itself changes (a different exercise).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cards.generators.keras.extract import LayerReport, ModelReport, UnitAnalysis
from cards.generators.keras.layers import RF, num, shape_text
from cards.generators.keras.units import comments
from cards.model import Card

_CONV = re.compile(r"^(Conv[123]D)$")
_RECURRENT = ("LSTM", "GRU", "SimpleRNN", "Bidirectional")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ASK_RF = re.compile(r"receptive\s+field", re.IGNORECASE)
_FOLLOW_UP = re.compile(r"\s*(?:\d+[.)]\s*)?(?:how|what)\s+about\b", re.IGNORECASE)
_ORDINAL_LAYER = re.compile(
    r"\b(first|second|third|fourth|fifth|last)\s+(?:conv(?:olutional)?|convolution)(?:al)?\s*(?:layer|block)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Exercise:
    """One question about one layer (or the whole model)."""

    what: str
    """``totals``, ``layer`` or ``receptive-field``."""
    layer: LayerReport | None


def choose(model: ModelReport, asked_rf: Sequence[str], count: int) -> list[Exercise]:
    """The ``count`` most instructive exercises of a model."""
    layers = model.layers
    picks: list[Exercise] = [Exercise("totals", None)]
    picks += [Exercise("receptive-field", layer) for layer in layers if layer.name in asked_rf and layer.rf]
    picks += [Exercise("layer", layer) for layer in _teaching_layers(layers)]
    deepest = [layer for layer in layers if layer.rf is not None and layer.cls != "InputLayer"]
    if deepest:
        picks.append(Exercise("receptive-field", deepest[-1]))
    unique: list[Exercise] = []
    seen: set[tuple[str, str]] = set()
    for pick in picks:
        key = (pick.what, pick.layer.name if pick.layer else "")
        if key not in seen:
            seen.add(key)
            unique.append(pick)
    return unique[: max(count, 0)]


def _teaching_layers(layers: Sequence[LayerReport]) -> Iterator[LayerReport]:
    def first(predicate: object) -> LayerReport | None:
        return next((layer for layer in layers if predicate(layer)), None)  # type: ignore[operator]

    convs = [layer for layer in layers if _CONV.match(layer.cls)]
    tricky = [
        c for c in convs if "'valid'" in c.shape_note or ("⌈" in c.shape_note and "/1⌉" not in c.shape_note)
    ]
    conv = tricky[0] if tricky else (convs[1] if len(convs) > 1 else (convs[0] if convs else None))
    after_flatten = None
    seen_flatten = False
    for layer in layers:
        # The first Dense on a flattened vector: after Flatten, global pooling or a recurrent layer.
        seen_flatten = seen_flatten or layer.cls in ("Flatten", *_RECURRENT) or layer.cls.startswith("Global")
        if seen_flatten and layer.cls == "Dense":
            after_flatten = layer
            break
    candidates = [
        first(lambda x: x.cls.endswith("Transpose")),
        first(lambda x: x.cls == "BatchNormalization"),
        conv,
        after_flatten,
        first(lambda x: x.cls.startswith(("SeparableConv", "DepthwiseConv"))),
        *(first(lambda x, c=cls: x.cls == c) for cls in _RECURRENT),
        first(lambda x: x.cls == "Embedding"),
        first(lambda x: x.cls == "LayerNormalization"),
    ]
    yield from (c for c in candidates if c is not None)


def asked_receptive_fields(text: str, layers: Sequence[LayerReport]) -> list[str]:
    """Layers whose receptive field the notes ask for, by name or as 'the second conv layer'.

    A sentence asks when it mentions the receptive field, or follows one that
    does with "How about …" / "What about …".
    """
    names: list[str] = []
    convs = [layer for layer in layers if _CONV.match(layer.cls)]
    sentences = [s for s in re.split(r"(?<=[?.!])\s+|\n", text) if s.strip()]
    for i, sentence in enumerate(sentences):
        follow_up = i > 0 and bool(_ASK_RF.search(sentences[i - 1])) and bool(_FOLLOW_UP.match(sentence))
        if not (_ASK_RF.search(sentence) or follow_up):
            continue
        names += [
            layer.name for layer in layers if layer.cls != "InputLayer" and _mentions(sentence, layer.name)
        ]
        for match in _ORDINAL_LAYER.finditer(sentence):
            n = _ORDINALS[match.group(1).lower()]
            if convs and n <= len(convs):
                names.append(convs[n - 1 if n > 0 else -1].name)
    return list(dict.fromkeys(names))


def _mentions(sentence: str, name: str) -> bool:
    """Whether a sentence names a layer; a plain word (``output``) only as '<name> layer'."""
    plain = name.isalpha() and name.islower()
    pattern = rf"(?<![\w.]){re.escape(name)}" + (r"\s+layer\b" if plain else r"(?!\w)")
    return re.search(pattern, sentence, re.IGNORECASE) is not None


# ---------------------------------------------------------------- rendering


def make_cards(
    analysis: UnitAnalysis,
    *,
    source: str,
    tags: tuple[str, ...],
    count: int,
    asked: Sequence[str] = (),
) -> list[Card]:
    """The exercise cards of every model in an accepted code unit."""
    cards: list[Card] = []
    if not analysis.models:
        return cards
    code = Highlighted(display_code(analysis.unit.code))
    for model in analysis.models:
        for exercise in choose(model, asked, count):
            cards.append(_card(analysis, model, exercise, code, source, tags))
    return cards


def _card(
    analysis: UnitAnalysis,
    model: ModelReport,
    ex: Exercise,
    code: Highlighted,
    source: str,
    tags: tuple[str, ...],
) -> Card:
    layer = ex.layer
    context = code.pointing_at(layer.code_line if layer else 0)
    if ex.what == "totals":
        question = (
            "How many parameters does this model have in total, and how many are trainable / "
            f"non-trainable?{_which(analysis, model)}"
        )
        answer = _totals_answer(model)
    elif ex.what == "receptive-field" and layer is not None:
        question = (
            f"Receptive field (size and jump, in input pixels) of one output pixel of "
            f"<code>{html.escape(layer.name)}</code> ({layer.cls})?"
        )
        answer = _rf_answer(model, layer)
    else:
        assert layer is not None
        extra = (
            " (trainable / non-trainable)" if layer.non_trainable or layer.cls == "BatchNormalization" else ""
        )
        question = (
            f"Output shape and number of parameters{extra} of "
            f"<code>{html.escape(layer.name)}</code> ({layer.cls})?"
        )
        answer = _layer_answer(layer)
    name = layer.name if layer else "*"
    return Card(
        question=question,
        answer=answer,
        key=f"keras:{analysis.key}:{model.index}:{name}:{ex.what}",
        context=context,
        tags=tags,
        chapter=analysis.unit.first.chapter,
        kind="generated",
        source=source,
        line=layer.line if layer else model.line,
    )


def _which(analysis: UnitAnalysis, model: ModelReport) -> str:
    if len(analysis.models) == 1:
        return ""
    return f" (model <code>{html.escape(model.name)}</code>)"


def _layer_answer(layer: LayerReport) -> str:
    shapes = ", ".join(f"<code>{shape_text(s)}</code>" for s in layer.output_shapes)
    parts = [
        f"<p>Output shape: {shapes}"
        + (f" — {html.escape(layer.shape_note, quote=False)}" if layer.shape_note else "")
        + "</p>"
    ]
    split = ""
    if layer.non_trainable and "non-trainable" not in layer.formula:
        split = f" (trainable {num(layer.trainable)}, non-trainable {num(layer.non_trainable)})"
    parts.append(f"<p>Parameters: {html.escape(layer.formula, quote=False)}{split}</p>")
    return "\n".join(parts)


def _totals_answer(model: ModelReport) -> str:
    head = (
        f"<p>Total params: {num(model.total)} — trainable {num(model.trainable)}, "
        f"non-trainable {num(model.non_trainable)}</p>"
    )
    rows = "\n".join(
        f"<tr><td>{html.escape(layer.name)} ({layer.cls})</td><td>{shape_text(layer.output_shape)}</td>"
        f"<td>{html.escape(layer.formula if layer.params else '0', quote=False)}</td></tr>"
        for layer in model.layers
    )
    table = f"<table>\n<tr><th>Layer (type)</th><th>Output shape</th><th>Param #</th></tr>\n{rows}\n</table>"
    return f"{head}\n{table}"


def rf_text(rf: RF) -> tuple[str, str]:
    return "×".join(num(r) for r, _ in rf), "×".join(num(j) for _, j in rf)


def _rf_answer(model: ModelReport, target: LayerReport) -> str:
    assert target.rf is not None
    size, jump = rf_text(target.rf)
    steps = []
    by_name = {layer.name: layer for layer in model.layers}
    ancestors = _ancestors(model, target, by_name)
    for layer in ancestors:
        if layer.rf_note:
            steps.append(f"<li>{html.escape(layer.name)}: {html.escape(layer.rf_note, quote=False)}</li>")
    listing = "<ol>\n" + "\n".join(steps) + "\n</ol>" if steps else ""
    uneven = any(layer.cls.endswith("Transpose") or layer.cls.startswith("UpSampling") for layer in ancestors)
    apart = "on average " if uneven else ""
    after = (
        " After upsampling or a transposed convolution neighbouring units step unevenly, so the "
        "field is counted unit by unit and the largest is given."
        if uneven
        else ""
    )
    return (
        f"<p>{size} pixels (neighbouring outputs are {apart}{jump} input pixels apart). "
        "Start from r = 1, j = 1 at the input; each window of size k and stride s gives "
        f"r ← r + (k − 1)·j, j ← j·s.{after}</p>\n" + listing
    )


def _ancestors(model: ModelReport, target: LayerReport, by_name: dict[str, LayerReport]) -> list[LayerReport]:
    wanted = {target.name}
    stack = [target]
    while stack:
        layer = stack.pop()
        for name in layer.inputs:
            if name not in wanted and name in by_name:
                wanted.add(name)
                stack.append(by_name[name])
    return [layer for layer in model.layers if layer.name in wanted]


_CLAIM_COMMENT = re.compile(r"\b(par|params?|parameters|out)\s*[=:]", re.IGNORECASE)


def display_code(code: str) -> str:
    """The code as shown on a card: comments stating answers (``# par=…``) removed."""
    lines = code.split("\n")
    for row, col, comment in reversed(comments(code)):
        if _CLAIM_COMMENT.search(comment):
            lines[row - 1] = lines[row - 1][:col].rstrip()
    return "\n".join(lines).rstrip("\n")


class Highlighted:
    """Code highlighted once by Pygments, then shown with any one line pointed out."""

    def __init__(self, code: str) -> None:
        from pygments import highlight

        lexer, formatter = _pygments()
        html_text = str(highlight(code + "\n", lexer, formatter)).strip()
        first = html_text.find('<span id="L-1">')
        last = html_text.rfind("\n</span>") + len("\n</span>")
        self.head, self.tail = html_text[:first], html_text[last:]
        self.lines = [m.group(1) for m in _LINE_SPAN.finditer(html_text, first, last)]

    def pointing_at(self, line: int) -> str:
        """The HTML with code line ``line`` (1-based; 0: none) in ``<span class="hll layer-pointer">``."""
        body = "".join(
            f'<span class="hll layer-pointer">{text}\n</span>' if n == line else f"{text}\n"
            for n, text in enumerate(self.lines, start=1)
        )
        return self.head + body + self.tail


@lru_cache(maxsize=1)
def _pygments() -> tuple[Any, Any]:
    """One lexer and formatter for all cards (building a formatter renders a whole stylesheet)."""
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    # Each line in <span id="L-n">…\n</span> so a card can mark its line without lexing again.
    return PythonLexer(), HtmlFormatter(cssclass="highlight", linespans="L")


_LINE_SPAN = re.compile(r'<span id="L-\d+">(.*?)\n</span>', re.DOTALL)


def highlighted(code: str, line: int) -> str:
    """Pygments HTML of ``code`` with code line ``line`` (1-based; 0: none) pointed out."""
    return Highlighted(code).pointing_at(line)


__all__ = [
    "Exercise",
    "asked_receptive_fields",
    "choose",
    "display_code",
    "highlighted",
    "make_cards",
    "rf_text",
]
