"""Compare what the notes claim about a model with what its code gives.

Claims come from three places: ``# par=…, out=…`` comments on a layer's line,
summary lines such as ``conv2d_2 (None, 16, 16, 64) has 64×(5×5×32)+64 = 51.264
parameters``, and ``model.summary()``-style rows (``conv1 (Conv2D) (None, 128,
256, 16) 16*5*5*3+16=1216``) in the text after the code, including tables and
fenced blocks there. The text is read through markdown-it (escapes, math and
tables resolved), then each line is matched.

A claim is compared only when it names exactly one analysed layer: by its
Keras name, or, when the notes number layers the old standalone-Keras way
(``conv2d_1`` is the first Conv2D, and no bare ``conv2d`` appears), by class
and position. Names used twice in the notes are skipped. Numbers accept
European thousands separators (``51.264``) and formulas with ``x``, ``×``,
``·``, ``\\times`` and implicit products (``8(5x5x3+1)``).
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from cards.generators.keras.extract import LayerReport, UnitAnalysis, to_snake_case
from cards.generators.keras.layers import num, shape_text
from cards.generators.keras.units import comments
from cards.model import NoteWarning

_ROW = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?P<name>[A-Za-z_][\w]*)\s*(?:\((?P<cls>[A-Za-z]\w*)\))?\s*"
    r"\(\s*None\s*,\s*(?P<shape>[^()]*?)\s*\)\s*(?P<rest>.*)$"
)
_NO_PARAMS = re.compile(r"\b(?:zero|no)\s+param", re.IGNORECASE)
_PAR = re.compile(r"\bpar(?:ams?)?\s*=\s*(?P<value>[^,;]+?(?:=\s*[\d.,]+)?)\s*(?:,|;|$)", re.IGNORECASE)
_OUT = re.compile(r"\bout\s*=\s*(?P<shape>[\d\sx×X*,()\[\]]+)", re.IGNORECASE)
_TOTAL = re.compile(
    r"^\s*(?P<which>total|trainable|non-trainable)\s+param(?:eter)?s?\s*[:=]\s*(?P<value>\d[\d.,]*)",
    re.IGNORECASE,
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")


@dataclass(frozen=True)
class Claim:
    """A number the notes state about one layer."""

    line: int
    """File line of the claim."""
    name: str | None
    """Layer name as written (``None`` for a code comment, attributed by line)."""
    code_line: int = 0
    shape: tuple[int, ...] | None = None
    params: int | None = None
    formula: str = ""
    """The notes' formula, when they give one before ``= value``."""
    formula_value: int | None = None


# ---------------------------------------------------------------- numbers


def parse_number(text: str) -> int | None:
    """``51.264`` / ``51,264`` / ``1216`` → int (a dot between digit triples is a thousands separator)."""
    text = text.strip().rstrip(".")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if _THOUSANDS.fullmatch(text):
        return int(re.sub(r"[.,]", "", text))
    return None


def evaluate(expr: str) -> int | None:
    """Value of an arithmetic formula as students write it, or ``None``."""
    text = expr.replace("\\times", "*").replace("\\cdot", "*").replace("\\left", "").replace("\\right", "")
    text = re.sub(r"[×·∙⋅]", "*", text)
    text = re.sub(r"(?<=[\d)\]])\s*[xX]\s*(?=[\d(\[])", "*", text)
    text = text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
    text = re.sub(r"(?<=\d)\s+(?=\d)", "", text) if re.search(r"\d\s\d{3}\b", text) else text
    text = re.sub(r"(?<=[\d)])\s*\(", "*(", text)
    text = re.sub(r"\)\s*(?=\d)", ")*", text)
    text = re.sub(r"\b(\d{1,3}(?:\.\d{3})+)\b(?!\.\d)", lambda m: m.group(1).replace(".", ""), text)
    if not re.fullmatch(r"[\d\s+\-*/().]+", text) or not re.search(r"\d", text):
        return None
    try:
        value = _arith(ast.parse(text.strip(), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, RecursionError):
        return None
    return int(value) if value is not None and float(value).is_integer() else None


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _arith(node: ast.expr) -> float | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        left, right = _arith(node.left), _arith(node.right)
        if left is None or right is None:
            return None
        return float(_OPS[type(node.op)](left, right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _arith(node.operand)
        return None if value is None else -value
    return None


def parse_params(text: str) -> tuple[int | None, str, int | None]:
    """``64 × (5×5×32) + 64 = 51.264`` → (51264, formula, value of the formula)."""
    text = text.strip().strip("$").strip()
    if _NO_PARAMS.search(text):
        return 0, "", None
    text = re.split(r"\bparam", text, maxsplit=1, flags=re.IGNORECASE)[0]
    text = re.sub(r"^\s*has\b", "", text).strip().strip("$").strip()
    if not text:
        return None, "", None
    parts = [p.strip() for p in text.split("=")]
    stated = parse_number(parts[-1].strip("[]() "))
    if stated is None:
        stated = evaluate(parts[-1])
    if stated is None:
        return None, "", None
    if len(parts) > 1:
        formula = parts[-2]
        return stated, formula, evaluate(formula)
    return stated, "", None


def parse_shape(text: str) -> tuple[int, ...] | None:
    """``16, 16, 64`` / ``[256 256 3]`` / ``[8*8*64]`` / ``256x256x128`` → dims."""
    text = text.strip().strip("[]() ")
    if not text:
        return None
    pieces = (
        re.split(r"\s*,\s*|\s+|\s*[xX×]\s*(?=\d)", text)
        if "*" not in text
        else re.split(r"\s*,\s*|\s+", text)
    )
    dims = []
    for piece in pieces:
        if not piece:
            continue
        value = parse_number(piece) if "*" not in piece else evaluate(piece)
        if value is None:
            return None
        dims.append(value)
    return tuple(dims) or None


# ---------------------------------------------------------------- finding claims


def text_lines(markdown: str, *, skip_fences_at: Sequence[int] = ()) -> tuple[tuple[int, str], ...]:
    """(0-based line, plain text) of every line of Markdown, as a reader sees it.

    Inline markup is resolved (``conv2d\\_1`` → ``conv2d_1``, ``$…$`` → its
    TeX), table rows are joined cell by cell, and fenced blocks yield their
    lines, except fences starting at the lines in ``skip_fences_at``.
    """
    return _text_lines(markdown, tuple(skip_fences_at))


@lru_cache(maxsize=32)
def _text_lines(markdown: str, skip_fences_at: tuple[int, ...]) -> tuple[tuple[int, str], ...]:
    return tuple(_walk_lines(markdown, skip_fences_at))


def _walk_lines(markdown: str, skip_fences_at: tuple[int, ...]) -> Iterator[tuple[int, str]]:
    from cards.render import markdown_parser

    tokens = markdown_parser().parse(markdown)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "tr_open" and token.map:
            cells = []
            j = i + 1
            while j < len(tokens) and tokens[j].type != "tr_close":
                if tokens[j].type == "inline":
                    cells.append(_inline_text(tokens[j]))
                j += 1
            yield token.map[0], "  ".join(cells)
            i = j + 1
            continue
        if token.type == "inline" and token.map:
            for k, text in enumerate(_inline_text(token).split("\n")):
                yield token.map[0] + k, text
        elif token.type in ("fence", "code_block") and token.map and token.map[0] not in skip_fences_at:
            offset = 1 if token.type == "fence" else 0
            for k, text in enumerate(token.content.split("\n")):
                yield token.map[0] + offset + k, text
        i += 1


def _inline_text(token: object) -> str:
    parts = []
    for child in getattr(token, "children", None) or []:
        if child.type in ("text", "code_inline", "math_inline", "math_inline_double"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
            parts.append(child.markup)  # 8*8*64 reads as emphasis in Markdown
    return "".join(parts)


def window(analysis: UnitAnalysis) -> tuple[int, str, list[int]]:
    """The notes after the code: (file line of its first line, Markdown, its own fences to skip)."""
    first = analysis.unit.first
    start = first.line + first.code.count("\n") + 2
    own = [b.line - start for b in analysis.unit.blocks[1:]]
    markdown = first.after
    if analysis.window_end > start:
        markdown = "\n".join(markdown.split("\n")[: analysis.window_end - start])
    return start, markdown, own


def claims_after(analysis: UnitAnalysis) -> list[Claim]:
    """Claims in the text that follows the code."""
    start, markdown, own = window(analysis)
    claims = []
    for offset, text in text_lines(markdown, skip_fences_at=own):
        match = _ROW.match(text.replace("\t", " "))
        if not match:
            continue
        shape = parse_shape(match.group("shape"))
        params, formula, formula_value = parse_params(match.group("rest"))
        if shape is None and params is None:
            continue
        claims.append(Claim(start + offset, match.group("name"), 0, shape, params, formula, formula_value))
    return claims


def total_claims(analysis: UnitAnalysis) -> list[tuple[int, str, int]]:
    """``Total params: 52,163`` lines: (file line, which total, value)."""
    start, markdown, own = window(analysis)
    found = []
    for offset, text in text_lines(markdown, skip_fences_at=own):
        match = _TOTAL.match(text)
        value = parse_number(match.group("value")) if match else None
        if match and value is not None:
            found.append((start + offset, match.group("which").lower(), value))
    return found


def claims_in_code(analysis: UnitAnalysis) -> list[Claim]:
    """``# par=…, out=…`` comments, attributed to the layer created on their line."""
    claims = []
    for row, _, comment in comments(analysis.unit.code):
        par, out = _PAR.search(comment), _OUT.search(comment)
        params, formula, formula_value = parse_params(par.group("value")) if par else (None, "", None)
        shape = parse_shape(out.group("shape")) if out else None
        if params is None and shape is None:
            continue
        claims.append(Claim(analysis.unit.file_line(row), None, row, shape, params, formula, formula_value))
    return claims


_RF_WORDS = r"(?:receptive\s+field|\bRF\b)"
_RF_NUM = r"(?P<num>\d+(?:\s*[x×X]\s*\d+)*)\b"
_RF_IN_CODE = re.compile(_RF_WORDS + r"\s*(?:of|=|:|is)?\s*" + _RF_NUM, re.IGNORECASE)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ORDINAL_CONV = r"(?P<ord>first|second|third|fourth|fifth|last)\s+conv(?:olution(?:al)?)?\s+layer"


@dataclass(frozen=True)
class FieldClaim:
    """A receptive-field size the notes state for one layer (``receptive field 5x5``, ``RF = 12``)."""

    line: int
    layer: LayerReport
    sizes: tuple[int, ...]


def field_claims(analysis: UnitAnalysis) -> list[FieldClaim]:
    """Receptive-field claims that name exactly one layer, in the code's comments or the text after it.

    A comment on a layer's line speaks of that layer (``# RF = 5``). In the text,
    a claim names its layer right next to the number: ``the receptive field of
    conv2 is 10x10``, ``after the second conv layer is 20x20``, ``conv2 has a
    receptive field of 10``. Lines that do not mention the receptive field are
    not read.
    """
    claims: list[FieldClaim] = []
    for code_line, _, text in comments(analysis.unit.code):
        found = [layer for layer in analysis.layers if layer.code_line == code_line]
        match = _RF_IN_CODE.search(text)
        if match and len(found) == 1:
            claims.append(
                FieldClaim(analysis.unit.file_line(code_line), found[0], _sizes(match.group("num")))
            )
    start, markdown, own = window(analysis)
    patterns = _field_patterns(analysis.layers)
    for offset, text in text_lines(markdown, skip_fences_at=own):
        if not re.search(_RF_WORDS, text, re.IGNORECASE):
            continue
        for pattern in patterns:
            for match in pattern.finditer(text):
                layer = _field_layer(match, analysis.layers)
                if layer is not None:
                    claims.append(FieldClaim(start + offset, layer, _sizes(match.group("num"))))
    return claims


def _field_patterns(layers: Sequence[LayerReport]) -> list[re.Pattern[str]]:
    names = sorted({layer.name for layer in layers if layer.rf is not None}, key=len, reverse=True)
    named = "|".join(re.escape(n) for n in names) or r"(?!x)x"
    ref = rf"(?:(?<![\w.])(?P<name>{named})(?!\w)(?:\s+layer)?|{_ORDINAL_CONV})"
    return [
        re.compile(rf"(?:of|after|at)\s+(?:the\s+)?{ref}\s*(?:is|=|:)\s*{_RF_NUM}", re.IGNORECASE),
        re.compile(rf"{ref}\s*(?:has\s+an?\s+)?{_RF_WORDS}\s*(?:of|=|:|is)?\s*{_RF_NUM}", re.IGNORECASE),
    ]


def _field_layer(match: re.Match[str], layers: Sequence[LayerReport]) -> LayerReport | None:
    if match.group("name"):
        found = [layer for layer in layers if layer.name.casefold() == match.group("name").casefold()]
        return found[0] if len(found) == 1 else None
    convs = [layer for layer in layers if re.fullmatch(r"Conv[123]D", layer.cls)]
    n = _ORDINAL[match.group("ord").lower()]
    if not convs or n > len(convs):
        return None
    return convs[n - 1 if n > 0 else -1]


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.split(r"\s*[x×X]\s*", text))


def _field_message(claim: FieldClaim) -> str | None:
    """A warning when the claim disagrees with the code; ``None`` when it agrees or cannot be compared."""
    rf = claim.layer.rf
    if rf is None:
        return None
    actual = tuple(r for r, _ in rf)
    said = claim.sizes * len(actual) if len(claim.sizes) == 1 else claim.sizes
    if len(claim.sizes) == 1 and len(set(actual)) > 1:
        return None  # one number for a field that differs per axis: which axis is meant?
    if len(said) != len(actual) or all(s == a for s, a in zip(said, actual, strict=True)):
        return None
    said_text = "×".join(map(str, claim.sizes))
    gives = "×".join(num(a) for a in actual)
    return f"notes say receptive field {said_text} for {claim.layer.name}; the code gives {gives}"


# ---------------------------------------------------------------- comparing


def check_claims(analysis: UnitAnalysis, *, source: str) -> list[NoteWarning]:
    """Warnings for every claim that disagrees with the code (or with its own formula)."""
    layers = analysis.layers
    after = claims_after(analysis)
    resolve = _resolver(layers, [c.name for c in after if c.name])
    warnings: list[NoteWarning] = []
    for claim in [*claims_in_code(analysis), *after]:
        if claim.name is None:
            found = [layer for layer in layers if layer.code_line == claim.code_line]
            layer, label = (found[0], found[0].name) if len(found) == 1 else (None, "")
        else:
            layer, label = resolve(claim.name)
        if layer is None:
            continue
        warnings += [NoteWarning(source, claim.line, m) for m in _compare(claim, layer, label)]
    for field_claim in field_claims(analysis):
        message = _field_message(field_claim)
        if message is not None:
            warnings.append(NoteWarning(source, field_claim.line, message))
    if len(analysis.models) == 1:
        model = analysis.models[0]
        actual = {"total": model.total, "trainable": model.trainable, "non-trainable": model.non_trainable}
        for line, which, value in total_claims(analysis):
            if value != actual[which]:
                warnings.append(
                    NoteWarning(
                        source,
                        line,
                        f"notes say {which} params {num(value)}; the code gives {num(actual[which])}",
                    )
                )
    return warnings


def _compare(claim: Claim, layer: LayerReport, label: str) -> list[str]:
    messages = []
    if claim.shape is not None and not _same_shape(claim.shape, layer.output_shape):
        said = shape_text(claim.shape)
        messages.append(
            f"notes say output {said} for {label}; the code gives {shape_text(layer.output_shape)}"
        )
    if claim.params is not None and claim.params != layer.params:
        formula = layer.formula.split(" = ")[0] if layer.params else "no weights"
        said, gives = num(claim.params), num(layer.params)
        messages.append(f"notes say {said} parameters for {label}; the code gives {gives} — {formula}")
    elif claim.formula_value is not None and claim.params is not None and claim.formula_value != claim.params:
        value, said = num(claim.formula_value), num(claim.params)
        messages.append(f"for {label} the notes' formula {claim.formula} gives {value}, not {said}")
    return messages


def _same_shape(claimed: tuple[int, ...], actual: tuple[int | None, ...]) -> bool:
    if len(claimed) != len(actual):
        return False
    return all(a is None or a == c for c, a in zip(claimed, actual, strict=True))


Resolver = Callable[[str], tuple[LayerReport | None, str]]


def _resolver(layers: Sequence[LayerReport], claimed: Sequence[str]) -> Resolver:
    """Map a name in the notes to exactly one layer (or none), with how to call it in a message."""
    by_name: dict[str, list[LayerReport]] = {}
    for layer in layers:
        for key in {layer.name, layer.name.casefold()}:
            by_name.setdefault(key, []).append(layer)
    written = [n.casefold() for n in claimed]
    one_based = {
        base for n in written if (m := re.fullmatch(r"(.+)_1", n)) and (base := m.group(1)) not in written
    }

    def resolve(name: str) -> tuple[LayerReport | None, str]:
        if written.count(name.casefold()) > 1:
            return None, ""
        exact = by_name.get(name) or by_name.get(name.casefold()) or []
        if len(exact) == 1 and not _is_old_style(name, one_based):
            return exact[0], name
        m = re.fullmatch(r"(.+)_(\d+)", name.casefold())
        if m and m.group(1) in one_based:
            same_class = [layer for layer in layers if to_snake_case(layer.cls) == m.group(1)]
            n = int(m.group(2))
            if 1 <= n <= len(same_class) and same_class[n - 1].name.startswith(m.group(1)):
                layer = same_class[n - 1]
                return layer, f"{name} (the {_ordinal(n)} {layer.cls}, {layer.name} in Keras 3)"
        return None, ""

    return resolve


def _is_old_style(name: str, one_based: set[str]) -> bool:
    m = re.fullmatch(r"(.+)_\d+", name.casefold())
    return bool(m and m.group(1) in one_based)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


__all__ = [
    "Claim",
    "FieldClaim",
    "check_claims",
    "claims_after",
    "claims_in_code",
    "evaluate",
    "field_claims",
    "parse_number",
    "parse_params",
    "parse_shape",
    "text_lines",
]
