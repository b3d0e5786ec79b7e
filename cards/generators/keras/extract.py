"""Keras model code → analysed models, by reading the ``ast`` (the code is never executed).

A tiny abstract interpreter walks the statements of a code unit (one fenced
block, or consecutive fences that continue one another). It knows constants
and arithmetic, tuples, the import aliases people use (``tf.keras.layers``,
``tfkl``, ``keras.layers``, ``from keras.layers import …``), ``Sequential``
with ``add`` or a list, functional calls ``x = tfkl.Conv2D(…)(y)`` and
``Model(inputs, outputs)``. Calling a layer computes its output immediately,
like Keras' symbolic tensors, so every layer knows its shape, parameters and
receptive field. Anything else evaluates to an opaque value that is harmless
until a layer needs it.

Code that Keras would reject yields :class:`Problem` records rather than
exceptions. A misspelt argument with an unambiguous meaning (``kernel=`` for
``kernel_size=``) is reported but read as meant, so the layers before the
first hard error still get numbers (used to check the notes' claims; such a
model never gets cards).
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cards.generators.keras.layers import (
    KWARG_ALIASES,
    RF,
    Args,
    KerasError,
    LayerConfig,
    LayerKind,
    NotAnalysed,
    Outcome,
    Shape,
    TensorInfo,
    UnknownArgument,
    Unresolved,
    as_shape,
    bind,
    layer_kind,
    spatial_identity,
)
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
_MAX_LOOP = 64
_MAX_ITEMS = 10_000
_MAX_STEPS = 20_000
"""Statements executed per code unit (loops unrolled); beyond that the code is not analysed."""
_MAX_REPAIR_LINE = 400
_JUNK = re.compile(r"[\w\s.,;:×*+\-/%<>→]+")
"""What a trailing annotation may contain: no brackets, quotes or '=' (those are real code)."""
_KNOWN_NAMES = frozenset(dir(builtins))
_KERAS_HINT = re.compile(
    r"\b(?:Sequential|Input|Model|Conv[123]D\w*|Dense|LSTM|GRU|SimpleRNN|MaxPooling[123]D|Embedding)\s*\("
)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Problem:
    """Something in the code that Keras (or Python) would reject."""

    line: int
    """1-based line in the notes file."""
    message: str
    fatal: bool = True
    """False for trailing junk that was read as a comment (the model is still analysed)."""
    unsupported: bool = False
    """Valid Keras that notedeck does not analyse (shared layers, nested models, …)."""


@dataclass(frozen=True)
class LayerReport:
    """One layer of an analysed model, as ``model.summary()`` would list it."""

    name: str
    cls: str
    line: int
    """1-based line in the notes file where the layer is created."""
    code_line: int
    """1-based line in the unit's code (for pointing at it on a card)."""
    output_shapes: tuple[Shape, ...]
    trainable: int
    non_trainable: int
    formula: str
    shape_note: str
    rf: RF | None
    rf_note: str
    inputs: tuple[str, ...]
    """Names of the layers feeding this one."""

    @property
    def output_shape(self) -> Shape:
        return self.output_shapes[0]

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class ModelReport:
    """An analysed model with the totals Keras' summary prints."""

    name: str
    kind: str
    """``sequential`` or ``functional``."""
    line: int
    layers: tuple[LayerReport, ...]
    index: int
    """Position of the model within its code unit (0 for the first)."""

    @property
    def trainable(self) -> int:
        return sum(layer.trainable for layer in self.layers)

    @property
    def non_trainable(self) -> int:
        return sum(layer.non_trainable for layer in self.layers)

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable


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


@dataclass(frozen=True)
class UnitAnalysis:
    """What a code unit yields: models (when Keras accepts it), problems, and partial numbers."""

    unit: CodeUnit
    models: tuple[ModelReport, ...]
    problems: tuple[Problem, ...]
    layers: tuple[LayerReport, ...]
    """Every layer that got numbers, even when a later line is rejected."""
    key: str
    """Hash of the normalised code: the identity of the exercise."""
    window_end: int = 0
    """File line where the next model's code starts (the notes about this one end there); 0: none."""

    @property
    def accepted(self) -> bool:
        return not any(p.fatal for p in self.problems)


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
        n for n in free if n not in IMPLICIT_MODULES and layer_kind(n) is None and n not in MODEL_FUNCTIONS
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


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Module:
    path: str


@dataclass(frozen=True)
class KerasName:
    """A Keras class or function: a layer class, ``Input``, ``Sequential`` or ``Model``."""

    name: str


@dataclass(frozen=True)
class Undefined:
    name: str


@dataclass
class LayerObj:
    config: LayerConfig
    name: str
    line: int
    input_shape: Shape | None = None
    used: bool = False


@dataclass(frozen=True)
class Tensor:
    node: int
    index: int
    info: TensorInfo


@dataclass
class SequentialObj:
    name: str
    line: int
    nodes: list[int] = field(default_factory=list)
    current: Tensor | None = None
    waiting: list[LayerObj] = field(default_factory=list)


@dataclass(frozen=True)
class FunctionalObj:
    name: str
    line: int
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]


@dataclass(frozen=True)
class Method:
    owner: Any
    name: str


@dataclass(frozen=True)
class Function:
    node: ast.FunctionDef


@dataclass
class Node:
    layer: LayerObj
    inputs: tuple[Tensor, ...]
    outcome: Outcome
    owner: int | None = None
    """Id of the Sequential model the node belongs to (None: functional)."""


class Rejected(Exception):
    """A hard error: Keras would stop here (or, if ``unsupported``, notedeck cannot follow)."""

    def __init__(self, line: int, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.unsupported = unsupported


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


# ---------------------------------------------------------------- interpreter


class Interpreter:
    """Walks the statements of one code unit; never runs any of it."""

    def __init__(self, unit: CodeUnit) -> None:
        self.unit = unit
        self.env: dict[str, Any] = {}
        self.nodes: list[Node] = []
        self.models: list[SequentialObj | FunctionalObj] = []
        self.layers: list[LayerObj] = []
        self.problems: list[Problem] = []
        self.counters: dict[str, int] = {}
        self.depth = 0
        self.steps = 0

    # -- statements

    def run(self, tree: ast.Module) -> None:
        try:
            self.block(tree.body)
        except Rejected as exc:
            self.problems.append(
                Problem(self.unit.file_line(exc.line), exc.message, unsupported=exc.unsupported)
            )
        except RecursionError:
            self.problems.append(
                Problem(self.unit.first.line, "the code nests too deeply to analyse", unsupported=True)
            )

    def block(self, body: Sequence[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        self.steps += 1
        if self.steps > _MAX_STEPS:
            raise Rejected(stmt.lineno, "the code runs too many statements to analyse", unsupported=True)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.env[alias.asname] = self.module(alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self.env[top] = Module(top)
        elif isinstance(stmt, ast.ImportFrom):
            base = Module(stmt.module or "")
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                self.env[alias.asname or alias.name] = self.attribute(base, alias.name)
        elif isinstance(stmt, ast.Assign):
            value = self.eval(stmt.value)
            for target in stmt.targets:
                self.assign(target, value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self.assign(stmt.target, self.eval(stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            current = self.eval(stmt.target) if isinstance(stmt.target, ast.Name) else Unresolved("")
            self.assign(stmt.target, self.binop(stmt.op, current, self.eval(stmt.value), stmt.lineno))
        elif isinstance(stmt, ast.Expr):
            self.eval(stmt.value)
        elif isinstance(stmt, ast.For):
            self.loop(stmt)
        elif isinstance(stmt, ast.If):
            test = self.eval(stmt.test)
            if isinstance(test, bool | int | float | str | tuple | list) or test is None:
                self.block(stmt.body if test else stmt.orelse)
            else:
                self.unknown(stmt, "assigned inside an if-statement")
        elif isinstance(stmt, ast.With | ast.Try):
            self.block(stmt.body)
        elif isinstance(stmt, ast.FunctionDef):
            self.env[stmt.name] = Function(stmt)
        elif isinstance(stmt, ast.Return):
            raise _Return(self.eval(stmt.value) if stmt.value is not None else None)
        else:
            self.unknown(stmt, f"assigned inside a '{type(stmt).__name__.lower()}' statement")

    def unknown(self, stmt: ast.stmt, reason: str) -> None:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.env[node.id] = Unresolved(f"'{node.id}' is {reason}")

    def loop(self, stmt: ast.For) -> None:
        items = self.eval(stmt.iter)
        if isinstance(items, tuple | list) and len(items) <= _MAX_LOOP:
            for item in items:
                self.assign(stmt.target, item)
                self.block(stmt.body)
        else:
            self.unknown(stmt, "assigned inside a loop notedeck cannot unroll")

    def assign(self, target: ast.expr, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            if isinstance(value, tuple | list) and len(value) == len(target.elts):
                for elt, item in zip(target.elts, value, strict=True):
                    self.assign(elt, item)
            else:
                for elt in target.elts:
                    self.assign(elt, Unresolved("comes from unpacking a value notedeck does not evaluate"))
        elif isinstance(target, ast.Starred):
            self.assign(target.value, Unresolved("a starred assignment"))

    # -- expressions

    def eval(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(self.eval(node.value), node.attr)
        if isinstance(node, ast.Tuple):
            return tuple(self.eval(e) for e in node.elts)
        if isinstance(node, ast.List):
            return [self.eval(e) for e in node.elts]
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.eval(node.left), self.eval(node.right), node.lineno)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node.op, self.eval(node.operand))
        if isinstance(node, ast.Subscript):
            return self.subscript(self.eval(node.value), node.slice)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Dict):
            return Unresolved("a dict")
        return Unresolved(f"a {type(node).__name__} expression")

    def name(self, name: str) -> Any:
        if name in self.env:
            return self.env[name]
        if name in IMPLICIT_MODULES:
            return Module(IMPLICIT_MODULES[name])
        if layer_kind(name) is not None or name in MODEL_FUNCTIONS:
            return KerasName(name)
        if name in ("range", "len", "int", "tuple", "list", "print", "True", "False", "None"):
            return KerasName(f"builtin:{name}")
        return Undefined(name)

    def module(self, path: str) -> Module:
        return Module(path)

    def attribute(self, base: Any, attr: str) -> Any:
        if isinstance(base, Module):
            if "keras" in base.path.split(".") and (layer_kind(attr) is not None or attr in MODEL_FUNCTIONS):
                return KerasName(attr)
            return Module(f"{base.path}.{attr}".strip("."))
        if isinstance(base, SequentialObj | FunctionalObj | LayerObj):
            return Method(base, attr)
        if isinstance(base, Undefined):
            return base
        return Unresolved(f"the attribute '{attr}'")

    def binop(self, op: ast.operator, left: Any, right: Any, line: int) -> Any:
        for side in (left, right):
            if isinstance(side, Undefined | Unresolved):
                return side
        try:
            if _is_number(left) and _is_number(right):
                return _bounded(_ARITH[type(op)](left, right))
            if isinstance(op, ast.Add) and isinstance(left, tuple) and isinstance(right, tuple):
                return left + right if len(left) + len(right) <= _MAX_ITEMS else Unresolved("a long tuple")
            if isinstance(op, ast.Add) and isinstance(left, list) and isinstance(right, list):
                return left + right if len(left) + len(right) <= _MAX_ITEMS else Unresolved("a long list")
            if isinstance(op, ast.Mult) and isinstance(left, tuple | list) and isinstance(right, int):
                return left * right if len(left) * right <= _MAX_ITEMS else Unresolved("a long sequence")
            if isinstance(op, ast.Add) and isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(op, ast.Mod) and isinstance(left, str):
                return Unresolved("string formatting")
        except (KeyError, ZeroDivisionError, OverflowError, TypeError, ValueError):
            pass
        return Unresolved("an operation notedeck does not evaluate")

    def unary(self, op: ast.unaryop, value: Any) -> Any:
        if _is_number(value):
            if isinstance(op, ast.USub):
                return -value
            if isinstance(op, ast.UAdd):
                return value
        if isinstance(op, ast.Not) and isinstance(value, bool):
            return not value
        return value if isinstance(value, Undefined | Unresolved) else Unresolved("an operation")

    def subscript(self, value: Any, index: ast.expr) -> Any:
        if not isinstance(value, tuple | list):
            return value if isinstance(value, Undefined) else Unresolved("an indexed value")
        try:
            if isinstance(index, ast.Slice):
                parts = [None if p is None else self.eval(p) for p in (index.lower, index.upper, index.step)]
                if all(p is None or isinstance(p, int) for p in parts):
                    return value[slice(*parts)]
            else:
                key = self.eval(index)
                if isinstance(key, int):
                    return value[key]
        except (IndexError, ValueError):
            pass
        return Unresolved("an indexed value")

    # -- calls

    def call(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        args = [self.eval(a) if not isinstance(a, ast.Starred) else Unresolved("*args") for a in node.args]
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                return Unresolved("**kwargs")
            kwargs[kw.arg] = self.eval(kw.value)
        line = node.lineno
        if isinstance(func, KerasName):
            return self.keras_call(func.name, args, kwargs, line)
        if isinstance(func, LayerObj):
            return self.apply(func, args, kwargs, line)
        if isinstance(func, Method):
            return self.method(func, args, kwargs, line)
        if isinstance(func, Function):
            return self.function(func.node, args, kwargs, line)
        if isinstance(func, SequentialObj | FunctionalObj):
            raise Rejected(
                line, "calling a model on a tensor (nested models) is not analysed", unsupported=True
            )
        return Unresolved("the result of a call notedeck does not evaluate")

    def keras_call(self, name: str, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        if name.startswith("builtin:"):
            return _builtin(name[8:], args)
        if name == "Input":
            return self.input(args, kwargs, line)
        if name == "Sequential":
            return self.sequential(args, kwargs, line)
        if name == "Model":
            return self.functional(args, kwargs, line)
        kind = layer_kind(name)
        assert kind is not None
        return self.construct(kind, args, kwargs, line)

    def construct(self, kind: LayerKind, args: list[Any], kwargs: dict[str, Any], line: int) -> LayerObj:
        try:
            values = bind(kind, args, kwargs)
        except UnknownArgument as exc:
            if exc.hint is None or KWARG_ALIASES.get(exc.name) != exc.hint or exc.hint in kwargs:
                raise Rejected(line, str(exc)) from None
            # Report it, but read the argument as meant so later layers still get numbers.
            self.problems.append(Problem(self.unit.file_line(line), str(exc)))
            fixed = {(exc.hint if k == exc.name else k): v for k, v in kwargs.items()}
            return self.construct(kind, args, fixed, line)
        except KerasError as exc:
            raise Rejected(line, str(exc)) from None
        for arg, value in values.items():
            if isinstance(value, Tensor):
                raise Rejected(
                    line,
                    f"{kind.cls}() got a tensor as its '{arg}' argument: create the layer, then call it on "
                    f"the tensor, e.g. {kind.cls}()(x)",
                )
            if isinstance(value, Undefined):
                raise Rejected(line, f"name '{value.name}' is not defined")
        converted = {k: self.argument(v) for k, v in values.items()}
        name = converted.get("name")
        if name is not None and not isinstance(name, str):
            raise Rejected(line, f"{kind.cls}: name must be a string")
        layer = LayerObj(
            LayerConfig(kind, Args(kind.cls, converted, kind.defaults)),
            name or self.auto_name(kind.cls),
            line,
        )
        shape = converted.get("input_shape")
        if converted.get("input_dim") is not None:
            shape = (converted["input_dim"],)
        if shape is None and kind.cls == "Embedding" and isinstance(converted.get("input_length"), int):
            shape = (converted["input_length"],)  # Keras 2 style; Keras 3 ignores input_length
        if shape is not None:
            try:
                layer.input_shape = as_shape(kind.cls, shape)
            except KerasError as exc:
                raise Rejected(line, str(exc)) from None
        for value in converted.values():
            if isinstance(value, LayerConfig):
                for other in self.layers:
                    if other.config is value:
                        other.used = True
        self.layers.append(layer)
        return layer

    def argument(self, value: Any) -> Any:
        """A call argument as the layer arithmetic sees it."""
        if isinstance(value, LayerObj):
            return value.config
        if isinstance(value, tuple | list):
            return type(value)(self.argument(v) for v in value)
        if isinstance(value, Module | KerasName | Method | Function):
            return Unresolved("it is not a plain value")
        return value

    def auto_name(self, cls: str) -> str:
        """Keras' default layer name: snake_case of the class, then ``_1``, ``_2``, …"""
        base = to_snake_case(cls)
        count = self.counters.get(base, 0)
        self.counters[base] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def input(self, args: list[Any], kwargs: dict[str, Any], line: int) -> Tensor:
        kind = layer_kind("InputLayer")
        assert kind is not None
        allowed = {
            "shape",
            "batch_size",
            "dtype",
            "sparse",
            "batch_shape",
            "name",
            "tensor",
            "optional",
            "ragged",
        }
        for key in kwargs:
            if key not in allowed:
                hint = " (did you mean shape=?)" if key == "input_shape" else ""
                raise Rejected(line, f"Input() got an unknown argument '{key}'{hint}")
        if len(args) > 1:
            raise Rejected(line, "Input() takes the shape as its only positional argument")
        values = dict(kwargs)
        if args:
            values["shape"] = args[0]
        layer = self.construct(kind, [], {k: v for k, v in values.items() if k != "tensor"}, line)
        tensor: Tensor = self.apply(layer, [], {}, line, is_input=True)
        return tensor

    def apply(
        self, layer: LayerObj, args: list[Any], kwargs: dict[str, Any], line: int, *, is_input: bool = False
    ) -> Any:
        kind = layer.config.kind
        if layer.used:
            raise Rejected(
                line, f"layer '{layer.name}' is used twice (shared layers are not analysed)", unsupported=True
            )
        inputs: tuple[Tensor, ...] = ()
        if not is_input:
            if kind.cls == "InputLayer":
                raise Rejected(line, "an InputLayer is not called on a tensor; use Input(shape=...)")
            if not args:
                raise Rejected(line, f"{kind.cls} layer '{layer.name}' is called on nothing")
            value = args[0]
            items = value if isinstance(value, tuple | list) else [value]
            for item in items:
                if isinstance(item, Undefined):
                    raise Rejected(line, f"name '{item.name}' is not defined")
                if not isinstance(item, Tensor):
                    raise Rejected(
                        line,
                        f"{kind.cls} layer '{layer.name}' is called on something that is not a Keras tensor",
                    )
            inputs = tuple(items)
            if kind.many_inputs != isinstance(value, tuple | list):
                need = "a list of tensors" if kind.many_inputs else "one tensor"
                raise Rejected(line, f"{kind.cls} must be called on {need}")
            if kind.many_inputs and len(inputs) < 2:
                raise Rejected(line, f"{kind.cls} needs at least 2 inputs")
        return self.add_node(layer, inputs, line)

    def add_node(
        self, layer: LayerObj, inputs: tuple[Tensor, ...], line: int, owner: int | None = None
    ) -> Any:
        try:
            outcome = layer.config.kind.compute(layer.config.args, [t.info for t in inputs])
        except KerasError as exc:
            message = f"{layer.name} ({layer.config.kind.cls}): {exc}"
            raise Rejected(line, message, unsupported=isinstance(exc, NotAnalysed)) from None
        layer.used = True
        index = len(self.nodes)
        self.nodes.append(Node(layer, inputs, outcome, owner))
        tensors = tuple(Tensor(index, i, info) for i, info in enumerate(outcome.outputs))
        return tensors[0] if len(tensors) == 1 else list(tensors)

    def method(self, method: Method, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        owner = method.owner
        if isinstance(owner, SequentialObj) and method.name == "add":
            if len(args) != 1:
                raise Rejected(line, "Sequential.add() takes one layer")
            self.seq_add(owner, args[0], line)
            return None
        if isinstance(owner, SequentialObj) and method.name == "build" and args:
            if owner.current is None and isinstance(args[0], tuple | list):
                self.seq_input(owner, as_shape("Sequential.build", list(args[0]), 1), line)
            return None
        if isinstance(owner, SequentialObj) and method.name == "pop":
            raise Rejected(line, "Sequential.pop() is not analysed", unsupported=True)
        return Unresolved(f"the result of .{method.name}()")

    def sequential(self, args: list[Any], kwargs: dict[str, Any], line: int) -> SequentialObj:
        layers = kwargs.pop("layers", args[0] if args else None)
        name = kwargs.get("name")
        model = SequentialObj(name if isinstance(name, str) else self.model_name("sequential"), line)
        self.models.append(model)
        if layers is not None:
            if not isinstance(layers, tuple | list):
                raise Rejected(line, "Sequential() takes a list of layers")
            for item in layers:
                self.seq_add(model, item, line)
        return model

    def model_name(self, base: str) -> str:
        count = self.counters.get(f"model:{base}", 0)
        self.counters[f"model:{base}"] = count + 1
        return base if count == 0 else f"{base}_{count}"

    def seq_add(self, model: SequentialObj, item: Any, line: int) -> None:
        if isinstance(item, Undefined):
            raise Rejected(line, f"name '{item.name}' is not defined")
        if isinstance(item, Tensor) and self.nodes[item.node].layer.config.kind.cls == "InputLayer":
            if model.current is not None or model.nodes:
                raise Rejected(line, "an Input can only be the first item of a Sequential model")
            self.nodes[item.node].owner = id(model)
            model.nodes.append(item.node)
            model.current = item
            return
        if not isinstance(item, LayerObj):
            raise Rejected(line, "Sequential.add() needs a layer instance (did you forget the parentheses?)")
        if item.config.kind.cls == "InputLayer":
            if model.current is not None or model.nodes or model.waiting:
                raise Rejected(line, "an InputLayer can only be the first layer of a Sequential model")
            result = self.add_node(item, (), line, owner=id(model))
            model.nodes.append(result.node)
            model.current = result
            return
        if model.current is None and item.input_shape is not None and not model.waiting:
            self.seq_input(model, item.input_shape, line)
        if model.current is None:
            item.used = True
            model.waiting.append(item)
            return
        self.seq_layer(model, item, line)

    def seq_input(self, model: SequentialObj, shape: Shape, line: int) -> None:
        kind = layer_kind("InputLayer")
        assert kind is not None
        layer = LayerObj(
            LayerConfig(kind, Args(kind.cls, {"shape": shape}, kind.defaults)),
            self.auto_name("InputLayer"),
            line,
        )
        model.current = self.add_node(layer, (), line, owner=id(model))
        for waiting in model.waiting:
            waiting.used = False
            self.seq_layer(model, waiting, waiting.line)
        model.waiting.clear()

    def seq_layer(self, model: SequentialObj, layer: LayerObj, line: int) -> None:
        assert model.current is not None
        if layer.used:
            raise Rejected(
                line, f"layer '{layer.name}' is used twice (shared layers are not analysed)", unsupported=True
            )
        if layer.config.kind.many_inputs:
            raise Rejected(line, f"{layer.config.kind.cls} cannot be used in a Sequential model")
        result = self.add_node(layer, (model.current,), line, owner=id(model))
        if isinstance(result, list):
            raise Rejected(
                line, f"{layer.config.kind.cls} returns several tensors; a Sequential model needs one"
            )
        model.nodes.append(result.node)
        model.current = result

    def functional(self, args: list[Any], kwargs: dict[str, Any], line: int) -> FunctionalObj:
        inputs = kwargs.get("inputs", args[0] if args else None)
        outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.get("name")
        model = FunctionalObj(
            name if isinstance(name, str) else self.model_name("functional"),
            line,
            self.tensors(inputs, "inputs", line),
            self.tensors(outputs, "outputs", line),
        )
        self.models.append(model)
        return model

    def tensors(self, value: Any, what: str, line: int) -> tuple[Tensor, ...]:
        items = list(value) if isinstance(value, tuple | list) else [value]
        for item in items:
            if isinstance(item, Undefined):
                raise Rejected(line, f"name '{item.name}' is not defined")
            if not isinstance(item, Tensor):
                raise Rejected(line, f"Model {what} must be Keras tensors")
        return tuple(items)

    def function(self, node: ast.FunctionDef, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        if self.depth > 8:
            raise Rejected(line, "functions nest too deeply to analyse", unsupported=True)
        saved = dict(self.env)
        params = node.args.args
        defaults = [None] * (len(params) - len(node.args.defaults)) + list(node.args.defaults)
        for i, (param, default) in enumerate(zip(params, defaults, strict=True)):
            if i < len(args):
                self.env[param.arg] = args[i]
            elif param.arg in kwargs:
                self.env[param.arg] = kwargs[param.arg]
            elif default is not None:
                self.env[param.arg] = self.eval(default)
            else:
                self.env[param.arg] = Undefined(param.arg)
        self.depth += 1
        try:
            self.block(node.body)
            result: Any = None
        except _Return as ret:
            result = ret.value
        finally:
            self.depth -= 1
            self.env = saved
        return result


_ARITH: dict[type, Any] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a**b if abs(b) <= 64 and abs(a) <= 10**6 else None,
}


def _bounded(value: Any) -> Any:
    """Numbers beyond any real layer size are not evaluated (and cannot grow without limit)."""
    if isinstance(value, int | float) and abs(value) > 10**15:
        return Unresolved("a number too large to be a layer size")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float)


def _builtin(name: str, args: list[Any]) -> Any:
    if name == "range" and 1 <= len(args) <= 3 and all(isinstance(a, int) for a in args):
        values = range(*args)
        return list(values) if len(values) <= _MAX_LOOP else Unresolved("a long range")
    if name in ("tuple", "list") and len(args) == 1 and isinstance(args[0], tuple | list):
        return tuple(args[0]) if name == "tuple" else list(args[0])
    if name == "len" and len(args) == 1 and isinstance(args[0], tuple | list):
        return len(args[0])
    if name == "int" and len(args) == 1 and isinstance(args[0], int | float):
        return int(args[0])
    return Unresolved(f"{name}()")


def to_snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: ``Conv2DTranspose`` → ``conv2d_transpose``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


# ---------------------------------------------------------------- models


def analyse_blocks(blocks: Sequence[CodeBlock]) -> list[UnitAnalysis]:
    """Every Keras code unit of a notes file, analysed."""
    units = code_units(blocks)
    analyses = []
    for i, (unit, tree, problems) in enumerate(units):
        end = units[i + 1][0].first.line if i + 1 < len(units) else 0
        analyses.append(replace(analyse_unit(unit, tree, problems), window_end=end))
    return analyses


def analyse_code(code: str, *, line: int = 1, language: str = "python") -> list[UnitAnalysis]:
    """Analyse a single piece of code (tests, drills, the CLI)."""
    block = CodeBlock(code=code, language=language, line=line - 1, chapter=(), after="")
    return analyse_blocks([block])


def analyse_unit(unit: CodeUnit, tree: ast.Module | None, problems: list[Problem]) -> UnitAnalysis:
    key = _unit_key(unit, tree)
    if tree is None:
        return UnitAnalysis(unit, (), tuple(problems), (), key)
    interp = Interpreter(unit)
    interp.run(tree)
    all_problems = sorted([*problems, *interp.problems], key=lambda p: p.line)
    models: list[ModelReport] = []
    if not any(p.fatal for p in all_problems):
        try:
            models = list(_models(interp))
        except Rejected as exc:
            all_problems.append(Problem(unit.file_line(exc.line), exc.message))
            models = []
    if any(p.fatal for p in all_problems):
        models = []
    layers = tuple(_report(interp, i) for i in range(len(interp.nodes)))
    return UnitAnalysis(unit, tuple(models), tuple(all_problems), layers, key)


def _unit_key(unit: CodeUnit, tree: ast.Module | None) -> str:
    """Hash of the code's syntax tree: comments, spacing and the notes around it do not count."""
    text = ast.dump(tree, annotate_fields=False) if tree is not None else re.sub(r"\s+", " ", unit.code)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _models(interp: Interpreter) -> Iterator[ModelReport]:
    owned: set[int] = set()
    index = 0
    for model in interp.models:
        if isinstance(model, SequentialObj):
            if model.waiting or model.current is None:
                # Valid Keras (the model is built on first use), but it has no numbers yet.
                continue
            nodes = [n for n in model.nodes if interp.nodes[n].layer.config.kind.cls != "InputLayer"]
            owned |= set(model.nodes)
            line = interp.unit.file_line(model.line)
            yield _model_report(interp, model.name, "sequential", line, nodes, index)
        else:
            nodes = _functional_nodes(interp, model)
            owned |= set(nodes)
            start = interp.nodes[nodes[0]].layer.line if nodes else model.line  # where its code begins
            yield _model_report(interp, model.name, "functional", interp.unit.file_line(start), nodes, index)
        index += 1
    rest = [i for i, n in enumerate(interp.nodes) if i not in owned and n.owner is None]
    explicit = any(isinstance(m, FunctionalObj) for m in interp.models)
    if not explicit and rest and any(interp.nodes[i].layer.config.kind.cls != "InputLayer" for i in rest):
        for layer in interp.layers:
            if not layer.used and layer.config.kind.cls != "InputLayer":
                raise Rejected(
                    layer.line, f"layer '{layer.name}' ({layer.config.kind.cls}) is created but never called"
                )
        first = interp.nodes[rest[0]]
        yield _model_report(
            interp, "model", "functional", interp.unit.file_line(first.layer.line), rest, index
        )


def _functional_nodes(interp: Interpreter, model: FunctionalObj) -> list[int]:
    inputs = {t.node for t in model.inputs}
    for t in model.inputs:
        if interp.nodes[t.node].layer.config.kind.cls != "InputLayer":
            raise Rejected(model.line, "Model inputs must come from Input(...)")
    seen: set[int] = set()
    stack = [t.node for t in model.outputs]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        node = interp.nodes[n]
        if node.layer.config.kind.cls == "InputLayer" and n not in inputs:
            raise Rejected(
                model.line,
                f"the outputs depend on input '{node.layer.name}', which is not among the model's inputs",
            )
        stack.extend(t.node for t in node.inputs)
    missing = inputs - seen
    if missing:
        name = interp.nodes[min(missing)].layer.name
        raise Rejected(model.line, f"input '{name}' is not connected to the outputs")
    return sorted(seen)


def _model_report(
    interp: Interpreter, name: str, kind: str, line: int, nodes: list[int], index: int
) -> ModelReport:
    reports = tuple(_report(interp, n) for n in nodes)
    names = [r.name for r in reports]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise Rejected(
            interp.nodes[nodes[0]].layer.line, f"layer name '{duplicates[0]}' is used twice in one model"
        )
    return ModelReport(name, kind, line, reports, index)


def _report(interp: Interpreter, index: int) -> LayerReport:
    node = interp.nodes[index]
    outcome = node.outcome
    trainable, non_trainable = outcome.trainable, outcome.non_trainable
    args = node.layer.config.args
    if args.given("trainable") and args.values.get("trainable") is False:
        trainable, non_trainable = 0, trainable + non_trainable
    return LayerReport(
        name=node.layer.name,
        cls=node.layer.config.kind.cls,
        line=interp.unit.file_line(node.layer.line),
        code_line=node.layer.line,
        output_shapes=tuple(t.shape for t in outcome.outputs),
        trainable=trainable,
        non_trainable=non_trainable,
        formula=outcome.formula,
        shape_note=outcome.shape_note,
        rf=outcome.outputs[0].rf,
        rf_note=outcome.rf_note,
        inputs=tuple(interp.nodes[t.node].layer.name for t in node.inputs),
    )


__all__ = [
    "CodeUnit",
    "LayerReport",
    "ModelReport",
    "Problem",
    "UnitAnalysis",
    "analyse_blocks",
    "analyse_code",
    "spatial_identity",
    "to_snake_case",
]
