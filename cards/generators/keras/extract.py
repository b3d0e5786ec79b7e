"""Keras model code → analysed models, by reading the ``ast`` (the code is never executed).

The work is split by job: :mod:`.units` groups fences into code units and
parses them, :mod:`.interpreter` follows the Python, :mod:`.api` models the
Keras API on top of it and :mod:`.layers` does each layer's arithmetic. This
module turns what the interpreter built into reports: one :class:`ModelReport`
per model, as ``model.summary()`` would list it.

Code that Keras would reject yields :class:`Problem` records rather than
exceptions; so does code notedeck cannot follow (``unsupported``), and then
the unit gets no models rather than wrong numbers. A misspelt argument with
an unambiguous meaning (``kernel=`` for ``kernel_size=``) is reported but
read as meant, so the layers before the first hard error still get numbers
(used to check the notes' claims; such a model never gets cards).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from cards.generators.keras.api import (
    FunctionalObj,
    KerasInterpreter,
    SequentialObj,
    held_weights,
    split_params,
    to_snake_case,
)
from cards.generators.keras.interpreter import Rejected
from cards.generators.keras.layers import RF, Shape, spatial_identity
from cards.generators.keras.units import CodeUnit, Problem, code_units
from cards.model import CodeBlock

Interpreter = KerasInterpreter


# ---------------------------------------------------------------- results


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
            all_problems.append(Problem(unit.file_line(exc.line), exc.message, unsupported=exc.unsupported))
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
            yield _frozen(model, _model_report(interp, model.name, "sequential", line, nodes, index))
        else:
            nodes = _functional_nodes(interp, model)
            owned |= set(nodes)
            start = interp.nodes[nodes[0]].layer.line if nodes else model.line  # where its code begins
            line = interp.unit.file_line(start)
            report = _model_report(interp, model.name, "functional", line, nodes, index)
            yield _frozen(model, report)
        index += 1
    rest = [i for i, n in enumerate(interp.nodes) if i not in owned and n.owner is None]
    explicit = any(isinstance(m, FunctionalObj) for m in interp.models)
    if not explicit and rest and any(interp.nodes[i].layer.config.kind.cls != "InputLayer" for i in rest):
        for layer in interp.layers:
            if not layer.used and layer.config.kind.cls != "InputLayer":
                raise Rejected(
                    layer.line,
                    f"notedeck cannot tell which model layer '{layer.name}' ({layer.config.kind.cls}) "
                    "belongs to: it is created but never called",
                    unsupported=True,
                )
        first = interp.nodes[rest[0]]
        yield _model_report(
            interp, "model", "functional", interp.unit.file_line(first.layer.line), rest, index
        )


def _frozen(model: SequentialObj | FunctionalObj, report: ModelReport) -> ModelReport:
    """A model set ``trainable = False`` trains nothing, whatever its layers say.

    Keras' ``trainable_weights`` is empty for such a model, while a model holding it
    goes by each weight's own flag (see :func:`held_weights`).
    """
    if model.as_layer is None or model.as_layer.trainable:
        return report
    layers = tuple(replace(layer, trainable=0, non_trainable=layer.params) for layer in report.layers)
    return replace(report, layers=layers)


def _functional_nodes(interp: Interpreter, model: FunctionalObj) -> list[int]:
    inputs = {t.node for t in model.inputs}
    for t in model.inputs:
        if interp.nodes[t.node].layer.config.kind.cls != "InputLayer":
            # Keras 3 accepts intermediate tensors as inputs (it clones the graph); notedeck does not.
            raise Rejected(
                model.line,
                "notedeck cannot follow a model whose inputs are not Input(...) tensors",
                unsupported=True,
            )
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
        raise Rejected(
            model.line,
            f"notedeck cannot follow a model whose input '{name}' is not connected to the outputs",
            unsupported=True,
        )
    return sorted(seen)


def _model_report(
    interp: Interpreter, name: str, kind: str, line: int, nodes: list[int], index: int
) -> ModelReport:
    # A shared layer is one row with one set of weights, however often it is called (as in Keras).
    first: dict[int, int] = {}
    for n in nodes:
        first.setdefault(id(interp.nodes[n].layer), n)
    rows = [n for n in nodes if first[id(interp.nodes[n].layer)] == n]
    _refuse_weights_in_two_rows(interp, rows)
    reports = tuple(_report(interp, n) for n in rows)
    names = [r.name for r in reports]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise Rejected(
            interp.nodes[nodes[0]].layer.line, f"layer name '{duplicates[0]}' is used twice in one model"
        )
    return ModelReport(name, kind, line, reports, index)


def _refuse_weights_in_two_rows(interp: Interpreter, rows: list[int]) -> None:
    """A layer both inside a sub-model's row and in another row: Keras' total counts it once.

    The summary's rows would then add up to more than its total; notedeck's totals
    are the sum of the rows, so such a model gets no numbers rather than a wrong one.
    """
    owner: dict[int, str] = {}
    for n in rows:
        node = interp.nodes[n]
        for key in held_weights(node.layer, node.outcome, node.parts):
            if key in owner:
                raise Rejected(
                    node.layer.line,
                    f"notedeck cannot follow a model whose rows '{owner[key]}' and '{node.layer.name}' "
                    "hold the same layer: Keras counts its weights once, so the total is not the sum of "
                    "the rows",
                    unsupported=True,
                )
            owner[key] = node.layer.name


def _report(interp: Interpreter, index: int) -> LayerReport:
    node = interp.nodes[index]
    outcome = node.outcome
    trainable, non_trainable = split_params(node.layer, outcome, node.parts)
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
