"""Code units: consecutive fenced blocks that read as one piece of Python, parsed with repairs.

Notes split a model over several fences and annotate lines with their results
(``model.add(...) 42x42``); this module decides which fences belong together
and turns such trailing junk into comments (with a warning) before ``ast``
parses the code. Nothing here knows Keras beyond the names that mark Keras code.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cards.generators.keras.layers import layer_kind
from cards.model import CodeBlock

PYTHON_LANGUAGES = frozenset(
    {"", "python", "py", "python3", "ipython", "ipython3", "keras", "tensorflow", "pycon"}
)
IMPLICIT_MODULES = {
    "tf": "tensorflow",
    "tfk": "tensorflow.keras",
    "tfkl": "tensorflow.keras.layers",
    "keras": "keras",
    "layers": "keras.layers",
    "kl": "keras.layers",
}
"""Aliases notes use without importing them (exam snippets rarely show imports)."""
MODEL_FUNCTIONS = frozenset({"Input", "Sequential", "Model"})
MERGE_FUNCTIONS = {
    "concatenate": "Concatenate",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "dot": "Dot",
}
"""Keras' functional merge helpers: ``concatenate([a, b], axis=-1)`` is ``Concatenate(axis=-1)([a, b])``."""
_MAX_REPAIR_LINE = 400
_JUNK = re.compile(r"[\w\s.,;:×*+\-/%<>→]+")
"""What a trailing annotation may contain: no brackets, quotes or '=' (those are real code)."""
_KNOWN_NAMES = frozenset(dir(builtins))
_KERAS_HINT = re.compile(
    r"\b(?:Sequential|Input|Model|Conv[123]D\w*|Dense|LSTM|GRU|SimpleRNN|MaxPooling[123]D|Embedding)\s*\("
)


@dataclass(frozen=True)
class Problem:
    """Something in the code that Keras (or Python) would reject, or that notedeck cannot follow."""

    line: int
    """1-based line in the notes file."""
    message: str
    fatal: bool = True
    """False for trailing junk that was read as a comment (the model is still analysed)."""
    unsupported: bool = False
    """notedeck cannot follow the code here; Keras may well accept it."""


@dataclass(frozen=True)
class CodeUnit:
    """One or more consecutive fenced blocks read as one piece of code."""

    blocks: tuple[CodeBlock, ...]
    code: str
    """The code as analysed (junk after statements turned into comments)."""
    line_map: tuple[int, ...]
    """File line of each code line (index 0 is code line 1)."""

    @property
    def first(self) -> CodeBlock:
        return self.blocks[0]

    def file_line(self, code_line: int) -> int:
        if 1 <= code_line <= len(self.line_map):
            return self.line_map[code_line - 1]
        return self.first.line

    def code_line(self, file_line: int) -> int:
        return self.line_map.index(file_line) + 1 if file_line in self.line_map else 0


# ---------------------------------------------------------------- code units


def code_units(blocks: Sequence[CodeBlock]) -> list[tuple[CodeUnit, ast.Module | None, list[Problem]]]:
    """Group consecutive fences that continue one another and parse them.

    Block B continues the unit before it when B directly follows it (only blank
    lines or prose between, no heading), and B uses a name the unit defines
    (``conv1 = …(input_layer)`` after ``input_layer = …``). Blocks without
    Keras code are left out.
    """
    units: list[tuple[CodeUnit, ast.Module | None, list[Problem]]] = []
    current: list[CodeBlock] = []
    defined: set[str] = set()
    previous: CodeBlock | None = None
    for block in blocks:
        if block.language.lower() not in PYTHON_LANGUAGES:
            previous = None
            continue
        tree = _block_tree(block)
        if current and previous is not None and _continues(defined, previous, block, tree):
            current.append(block)
        else:
            if current:
                units.append(_parse_unit(current))
            current, defined = [block], set()
        defined |= _assigned_names(tree) if tree is not None else set()
        previous = block
    if current:
        units.append(_parse_unit(current))
    return [u for u in units if _has_keras(u[0].code, u[1])]


def _block_tree(block: CodeBlock) -> ast.Module | None:
    lines = block.code.split("\n")[: block.code.count("\n") or 1]
    tree, _ = _parse_with_repairs(lines, [block.line + 1 + i for i in range(len(lines))])
    return tree


def _continues(defined: set[str], previous: CodeBlock, block: CodeBlock, nxt: ast.Module | None) -> bool:
    if nxt is None:
        return False
    gap = _gap(previous, block)
    if gap is None or _has_heading(gap):
        return False
    used = {n.id for n in ast.walk(nxt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    free = used - _assigned_names(nxt) - _KNOWN_NAMES
    free = {
        n
        for n in free
        if n not in IMPLICIT_MODULES
        and layer_kind(n) is None
        and n not in MODEL_FUNCTIONS
        and n not in MERGE_FUNCTIONS
    }
    if not free or not _has_keras(block.code, nxt):
        return False
    # It continues the unit if it uses what the unit defines, or is a fragment
    # (no model of its own) that cannot stand alone.
    return bool(free & defined) or not _starts_model(nxt)


def _starts_model(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in MODEL_FUNCTIONS or name == "InputLayer":
                return True
    return False


def _gap(previous: CodeBlock, block: CodeBlock) -> str | None:
    """The Markdown between two fences, read from the first one's ``after``."""
    after_start = previous.line + previous.code.count("\n") + 2
    lines = previous.after.split("\n")
    index = block.line - after_start
    if index < 0 or index >= len(lines) or not lines[index].lstrip().startswith(("```", "~~~")):
        return None
    return "\n".join(lines[:index])


def _has_heading(markdown: str) -> bool:
    from cards.render import markdown_parser

    return any(t.type == "heading_open" for t in markdown_parser().parse(markdown))


def _assigned_names(tree: ast.Module) -> set[str]:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def _has_keras(code: str, tree: ast.Module | None) -> bool:
    if tree is None:
        return bool(_KERAS_HINT.search(code))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if layer_kind(name) is not None or name in MODEL_FUNCTIONS:
                return True
    return False


def _parse_unit(blocks: list[CodeBlock]) -> tuple[CodeUnit, ast.Module | None, list[Problem]]:
    lines: list[str] = []
    line_map: list[int] = []
    for block in blocks:
        for i, text in enumerate(block.code.split("\n")[: block.code.count("\n") or 1]):
            lines.append(text)
            line_map.append(block.line + 1 + i)
    tree, problems = _parse_with_repairs(lines, line_map)
    unit = CodeUnit(tuple(blocks), "\n".join(lines) + "\n", tuple(line_map))
    return unit, tree, problems


def _parse_with_repairs(lines: list[str], line_map: list[int]) -> tuple[ast.Module | None, list[Problem]]:
    """Parse, turning junk after a complete one-line statement into a comment.

    Notes often annotate a line with its result (``model.add(...) 42x42``) or
    leave a trailing comma in an import; those lines are read as if the junk
    were a comment, with a warning. Any other syntax error is reported.
    """
    problems: list[Problem] = []
    for _ in range(len(lines) + 1):
        try:
            return ast.parse("\n".join(lines) + "\n"), problems
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
            problems.append(
                Problem(line_map[0] if line_map else 0, f"cannot read the code as Python ({exc})")
            )
            return None, problems
        except SyntaxError as exc:
            index = (exc.lineno or 1) - 1
            if not 0 <= index < len(lines):
                index = len(lines) - 1
            cut = _junk_start(lines[index])
            where = line_map[index] if line_map else 0
            if cut is None:
                problems.append(Problem(where, f"Python syntax error: {exc.msg}"))
                return None, problems
            junk = lines[index][cut:].strip()
            lines[index] = lines[index][:cut].rstrip() + "  # " + junk
            todo = f"make it a comment: '# {junk}'" if any(c.isalnum() for c in junk) else "remove it"
            problems.append(
                Problem(
                    where,
                    f"'{junk}' after the statement is not Python; read as a comment — {todo}",
                    fatal=False,
                )
            )
    return None, problems


def _junk_start(line: str) -> int | None:
    """Where trailing junk starts: the longest prefix that is a statement on its own."""
    stripped = line.rstrip()
    if len(stripped) > _MAX_REPAIR_LINE:
        return None
    indent = len(line) - len(line.lstrip())
    for cut in range(len(stripped) - 1, indent, -1):
        rest = stripped[cut:].strip()
        if not rest or rest.startswith("#") or not _JUNK.fullmatch(rest):
            continue
        try:
            ast.parse(stripped[indent:cut])
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        return cut
    return None


Comment = tuple[int, int, str]
"""A ``#`` comment of a code unit: 1-based row, column, text."""


@lru_cache(maxsize=256)
def comments(code: str) -> tuple[Comment, ...]:
    """The comments of ``code``, tokenized once for the claim checks and the card's display.

    Code without a ``#`` has none (most code: no tokenizing at all); code
    Python cannot tokenize has none either.
    """
    if "#" not in code:
        return ()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return ()
    return tuple((tok.start[0], tok.start[1], tok.string) for tok in tokens if tok.type == tokenize.COMMENT)
