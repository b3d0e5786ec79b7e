"""The Keras API as the interpreter sees it: layers, symbolic tensors, Sequential and functional models.

Calling a layer computes its output at once, like Keras' symbolic tensors, so
every node knows its shape, parameters and receptive field
(:mod:`cards.generators.keras.layers` does the arithmetic). A layer called
twice is shared (one set of weights, one summary row, as in Keras); a model
called on a tensor is one layer of the outer model. Anything Keras itself
would refuse raises :class:`Rejected`; anything notedeck merely cannot follow
raises it with ``unsupported``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cards.generators.keras.interpreter import (
    HARMLESS_CALLS,
    Builtin,
    Function,
    Interpreter,
    Module,
    PyMethod,
    Rejected,
    Undefined,
)
from cards.generators.keras.layers import (
    KWARG_ALIASES,
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
    num,
    unresolved_in,
)
from cards.generators.keras.units import IMPLICIT_MODULES, MERGE_FUNCTIONS, MODEL_FUNCTIONS, CodeUnit, Problem

# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class KerasName:
    """A Keras class or function: a layer class, a merge helper, ``Input``, ``Sequential`` or ``Model``."""

    name: str


@dataclass(frozen=True)
class UnknownKeras:
    """A Keras class or function notedeck does not model (``layers.Lambda``, ``applications.VGG16``)."""

    name: str


@dataclass(frozen=True)
class KerasSubclass:
    """A class deriving from a Keras model or layer: its ``call`` is not followed."""

    name: str
    line: int


@dataclass
class LayerObj:
    config: LayerConfig
    name: str
    line: int
    input_shape: Shape | None = None
    used: bool = False
    trainable: bool = True
    model: SequentialObj | FunctionalObj | None = None
    """The model this layer stands for, when a model is called like a layer."""


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
    layers: list[LayerObj] = field(default_factory=list)
    """Every layer added, in order (InputLayer excluded), as ``model.layers`` lists them."""
    as_layer: LayerObj | None = None


@dataclass
class FunctionalObj:
    name: str
    line: int
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]
    as_layer: LayerObj | None = None


@dataclass(frozen=True)
class Method:
    owner: Any
    name: str


@dataclass
class Node:
    layer: LayerObj
    inputs: tuple[Tensor, ...]
    outcome: Outcome
    owner: int | None = None
    """Id of the Sequential model the node belongs to (None: functional)."""


def _model_kind(cls: str) -> LayerKind:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        raise KerasError("a model is computed by the interpreter")  # never called: see model_call

    return LayerKind(cls, (), {}, compute)


_MODEL_KINDS = {"Sequential": _model_kind("Sequential"), "Functional": _model_kind("Functional")}


# ---------------------------------------------------------------- the interpreter


class KerasInterpreter(Interpreter):
    """The interpreter with Keras' API: what a unit's code builds, node by node."""

    def __init__(self, unit: CodeUnit) -> None:
        super().__init__(unit.file_line)
        self.unit = unit
        self.nodes: list[Node] = []
        self.models: list[SequentialObj | FunctionalObj] = []
        self.layers: list[LayerObj] = []
        self.problems: list[Problem] = []
        self.counters: dict[str, int] = {}

    def run(self, tree: ast.Module) -> None:
        try:
            self.top_level(tree)
        except Rejected as exc:
            line = self.unit.file_line(exc.line) if exc.line else self.unit.first.line
            self.problems.append(Problem(line, exc.message, unsupported=exc.unsupported))
        except RecursionError:
            self.problems.append(
                Problem(
                    self.unit.first.line, "notedeck cannot follow code nested this deeply", unsupported=True
                )
            )

    # -- hooks

    def name_hook(self, name: str) -> Any:
        if name in IMPLICIT_MODULES:
            return Module(IMPLICIT_MODULES[name])
        if layer_kind(name) is not None or name in MODEL_FUNCTIONS or name in MERGE_FUNCTIONS:
            return KerasName(name)
        stars = self.globals.get("*", [])
        if any(not _is_keras_module(m.path) for m, _ in stars):
            line = next(line for m, line in stars if not _is_keras_module(m.path))
            return Unresolved(f"'{name}' may come from the star import ({self.at(line)})")
        return Undefined(name)

    def class_hook(self, stmt: ast.ClassDef) -> Any:
        if any(re.search(r"\b(?:Model|Layer|Sequential)\b", ast.unparse(b)) for b in stmt.bases):
            return KerasSubclass(stmt.name, stmt.lineno)
        return super().class_hook(stmt)

    def attribute_hook(self, base: Any, attr: str, line: int) -> Any:
        if isinstance(base, Module):
            if _is_keras_module(base.path) and (
                layer_kind(attr) is not None or attr in MODEL_FUNCTIONS or attr in MERGE_FUNCTIONS
            ):
                return KerasName(attr)
            if _is_keras_module(base.path) and attr[:1].isupper():
                return UnknownKeras(attr)
            return Module(f"{base.path}.{attr}".strip("."))
        if isinstance(base, SequentialObj | FunctionalObj):
            return self.model_attribute(base, attr, line)
        if isinstance(base, Tensor) and attr == "shape":
            return (None, *base.info.shape)  # KerasTensor.shape includes the batch axis
        if isinstance(base, LayerObj | Tensor | KerasName | Function):
            if attr in ("output", "input", "shape") and isinstance(base, LayerObj):
                return Unresolved(f"the attribute '.{attr}' of a layer ({self.at(line)})")
            return Method(base, attr)
        return super().attribute_hook(base, attr, line)

    def model_attribute(self, model: SequentialObj | FunctionalObj, attr: str, line: int) -> Any:
        if attr == "layers":
            if isinstance(model, SequentialObj):
                return list(model.layers)
            return list(
                dict.fromkeys(
                    self.nodes[n].layer
                    for n in self.graph(model)
                    if self.nodes[n].layer.config.kind.cls != "InputLayer"
                ).keys()
            )
        if isinstance(model, FunctionalObj) and attr in ("inputs", "outputs"):
            return list(getattr(model, attr))
        if isinstance(model, FunctionalObj) and attr in ("input", "output"):
            tensors = getattr(model, attr + "s")
            return tensors[0] if len(tensors) == 1 else list(tensors)
        if isinstance(model, SequentialObj) and attr == "output" and model.current is not None:
            return model.current
        return Method(model, attr)

    def store_attribute_hook(self, base: Any, attr: str, value: Any, line: int) -> None:
        if attr == "trainable" and isinstance(base, LayerObj | SequentialObj | FunctionalObj):
            if not isinstance(value, bool):
                raise self.cannot_follow(line, f"setting trainable to {value!r}")
            target = base if isinstance(base, LayerObj) else self.as_layer(base, line)
            target.trainable = value
            return
        if self.is_model_value(base):
            raise self.cannot_follow(line, f"setting the attribute '.{attr}' of a Keras object")

    def is_mutable_model_value(self, value: Any) -> bool:
        if isinstance(value, LayerObj | SequentialObj | FunctionalObj):
            return True
        if isinstance(value, tuple | list):
            return any(self.is_mutable_model_value(v) for v in value)
        if isinstance(value, dict):
            return any(self.is_mutable_model_value(v) for v in value.values())
        return False

    def is_model_value(self, value: Any) -> bool:
        if isinstance(value, LayerObj | Tensor | SequentialObj | FunctionalObj):
            return True
        if isinstance(value, tuple | list):
            return any(self.is_model_value(v) for v in value)
        if isinstance(value, dict):
            return any(self.is_model_value(v) for v in value.values())
        return False

    def call_hook(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        line = node.lineno
        if isinstance(func, KerasName):
            return self.keras_call(func.name, args, kwargs, line)
        if isinstance(func, KerasSubclass):
            # Valid Keras that notedeck does not analyse; other models of the code still get numbers.
            message = (
                f"notedeck cannot follow the subclassed model or layer {func.name} ({self.at(func.line)}), "
                "so it gets no exercise cards; the code may well be valid"
            )
            if all(p.message != message for p in self.problems):
                self.problems.append(
                    Problem(self.unit.file_line(func.line), message, fatal=False, unsupported=True)
                )
            return Unresolved(f"an instance of {func.name} ({self.at(line)})")
        if isinstance(func, UnknownKeras):
            what = f"{func.name}, a Keras class notedeck does not model ({self.at(line)})"
            if any(self.is_model_value(v) for v in [*args, *kwargs.values()]):
                raise self.cannot_follow(line, what)
            return Unresolved(what)
        if isinstance(func, Unresolved) and any(self.is_model_value(v) for v in args):
            raise self.cannot_follow(line, f"`{_call_text(node)}`", f"it calls {func.reason}")
        if isinstance(func, LayerObj):
            return self.apply(func, args, line)
        if isinstance(func, Method):
            return self.method(func, args, kwargs, node)
        if isinstance(func, SequentialObj | FunctionalObj):
            return self.apply(self.as_layer(func, line), args, line)
        if (
            isinstance(func, Module)
            and func.path.endswith("int_shape")
            and args
            and isinstance(args[0], Tensor)
        ):
            return (None, *args[0].info.shape)  # keras.backend.int_shape: the static shape with the batch
        return self.opaque_call(func, args, kwargs, node)

    # -- Keras calls

    def keras_call(self, name: str, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        if name == "Input":
            return self.input(args, kwargs, line)
        if name == "Sequential":
            return self.sequential(args, kwargs, line)
        if name == "Model":
            return self.functional(args, kwargs, line)
        if name in MERGE_FUNCTIONS:
            if not args and "inputs" not in kwargs:
                raise Rejected(line, f"{name}() needs a list of tensors")
            inputs = kwargs.pop("inputs", None) if not args else args[0]
            kind = layer_kind(MERGE_FUNCTIONS[name])
            assert kind is not None
            layer = self.construct(kind, list(args[1:]), kwargs, line)
            return self.apply(layer, [inputs], line)
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
            undefined = _undefined_in(value)
            if undefined is not None:
                raise Rejected(undefined.line or line, f"name '{undefined.name}' is not defined")
        converted = {k: self.argument(v, line) for k, v in values.items()}
        name = converted.get("name")
        if name is not None and not isinstance(name, str):
            if isinstance(name, Unresolved):
                raise self.cannot_follow(line, f"the name of this {kind.cls}", name.reason)
            raise Rejected(line, f"{kind.cls}: name must be a string")
        layer = LayerObj(
            LayerConfig(kind, Args(kind.cls, converted, kind.defaults)),
            name or self.auto_name(kind.cls),
            line,
        )
        if converted.get("trainable") is False:
            layer.trainable = False
        shape = converted.get("input_shape")
        # Keras 2's `input_dim=` on a first layer is its input size; an Embedding's input_dim is
        # its vocabulary instead, and its `input_length=` (Keras 2) gives the sequence length.
        if converted.get("input_dim") is not None and kind.cls != "Embedding":
            shape = (converted["input_dim"],)
        if shape is None and kind.cls == "Embedding" and isinstance(converted.get("input_length"), int):
            shape = (converted["input_length"],)
        unknown = unresolved_in(shape)
        if unknown is not None:
            raise self.cannot_follow(line, f"the input shape of this {kind.cls}", unknown.reason)
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

    def argument(self, value: Any, line: int) -> Any:
        """A call argument as the layer arithmetic sees it."""
        if isinstance(value, LayerObj):
            return value.config
        if isinstance(value, tuple | list):
            return type(value)(self.argument(v, line) for v in value)
        if isinstance(value, Module | KerasName | Method | Function | Builtin | PyMethod):
            return Unresolved(f"it is not a plain value ({self.at(line)})")
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
        for value in values.values():
            unknown = unresolved_in(value)
            if unknown is not None:
                raise self.cannot_follow(line, "this Input's shape", unknown.reason)
        layer = self.construct(kind, [], {k: v for k, v in values.items() if k != "tensor"}, line)
        tensor: Tensor = self.add_node(layer, (), line)
        return tensor

    def tensors_of(self, value: Any, what: str, line: int) -> list[Tensor]:
        items = list(value) if isinstance(value, tuple | list) else [value]
        for item in items:
            if isinstance(item, Undefined):
                raise Rejected(item.line or line, f"name '{item.name}' is not defined")
            if isinstance(item, Unresolved):
                raise self.cannot_follow(line, what, item.reason)
            if not isinstance(item, Tensor):
                raise Rejected(line, f"{what} must be Keras tensors, got {_what(item)}")
        return items

    def apply(self, layer: LayerObj, args: list[Any], line: int) -> Any:
        kind = layer.config.kind
        if kind.cls == "InputLayer":
            raise Rejected(line, "an InputLayer is not called on a tensor; use Input(shape=...)")
        if not args:
            raise Rejected(line, f"{kind.cls} layer '{layer.name}' is called on nothing")
        value = args[0]
        inputs = tuple(self.tensors_of(value, f"the inputs of {kind.cls} layer '{layer.name}'", line))
        if layer.model is not None:
            return self.model_call(layer, inputs, line)
        if kind.many_inputs != isinstance(value, tuple | list):
            need = "a list of tensors" if kind.many_inputs else "one tensor"
            raise Rejected(line, f"{kind.cls} must be called on {need}")
        if kind.many_inputs and len(inputs) < 1:
            raise Rejected(line, f"{kind.cls} needs at least 1 input")
        return self.add_node(layer, inputs, line)

    def add_node(
        self, layer: LayerObj, inputs: tuple[Tensor, ...], line: int, owner: int | None = None
    ) -> Any:
        try:
            outcome = layer.config.kind.compute(layer.config.args, [t.info for t in inputs])
        except KerasError as exc:
            if isinstance(exc, NotAnalysed):
                raise self.cannot_follow(line, f"{layer.name} ({layer.config.kind.cls})", str(exc)) from None
            raise Rejected(line, f"{layer.name} ({layer.config.kind.cls}): {exc}") from None
        return self.record(layer, inputs, outcome, line, owner)

    def record(
        self,
        layer: LayerObj,
        inputs: tuple[Tensor, ...],
        outcome: Outcome,
        line: int,
        owner: int | None = None,
    ) -> Any:
        earlier = next((n for n in self.nodes if n.layer is layer), None)
        if earlier is not None and earlier.outcome.trainable + earlier.outcome.non_trainable != (
            outcome.trainable + outcome.non_trainable
        ):
            raise Rejected(
                line,
                f"layer '{layer.name}' is shared, but its weights were built for inputs of another size "
                f"({num(earlier.outcome.trainable + earlier.outcome.non_trainable)} parameters then, "
                f"{num(outcome.trainable + outcome.non_trainable)} now)",
            )
        layer.used = True
        index = len(self.nodes)
        self.nodes.append(Node(layer, inputs, outcome, owner))
        tensors = tuple(Tensor(index, i, info) for i, info in enumerate(outcome.outputs))
        return tensors[0] if len(tensors) == 1 else list(tensors)

    # -- models as layers

    def as_layer(self, model: SequentialObj | FunctionalObj, line: int) -> LayerObj:
        if model.as_layer is None:
            cls = "Sequential" if isinstance(model, SequentialObj) else "Functional"
            kind = _MODEL_KINDS[cls]
            model.as_layer = LayerObj(LayerConfig(kind, Args(cls, {}, {})), model.name, line, model=model)
        return model.as_layer

    def model_call(self, layer: LayerObj, inputs: tuple[Tensor, ...], line: int) -> Any:
        """A model called on tensors: one layer of the outer model, with all the inner weights."""
        model = layer.model
        assert model is not None
        if isinstance(model, SequentialObj):
            if len(inputs) != 1:
                raise Rejected(line, f"Sequential model '{model.name}' takes one input")
            outcome = self.sequential_outcome(model, inputs[0].info, line)
        else:
            outcome = self.functional_outcome(model, inputs, line)
        return self.record(layer, inputs, outcome, line)

    def sequential_outcome(self, model: SequentialObj, x: TensorInfo, line: int) -> Outcome:
        start = model.nodes[0] if model.nodes else None
        if start is not None and self.nodes[start].layer.config.kind.cls == "InputLayer":
            expected = self.nodes[start].outcome.outputs[0].shape
            if len(expected) != len(x.shape) or any(
                e is not None and d is not None and e != d for e, d in zip(expected, x.shape, strict=True)
            ):
                raise Rejected(
                    line, f"model '{model.name}' expects inputs of shape {expected}, got {x.shape}"
                )
        info = TensorInfo(x.shape, x.field)
        trainable = non_trainable = 0
        for inner in model.layers:
            out = self.inner_outcome(model, inner, info, line)
            if len(out.outputs) != 1:
                raise Rejected(
                    line, f"{inner.config.kind.cls} returns several tensors; a Sequential model needs one"
                )
            info = out.outputs[0]
            t, n = split_params(inner, out)
            trainable, non_trainable = trainable + t, non_trainable + n
        formula = f"the layers of '{model.name}': {num(trainable + non_trainable)}"
        return Outcome((info,), trainable, non_trainable, formula, "", "")

    def inner_outcome(self, model: SequentialObj, inner: LayerObj, x: TensorInfo, line: int) -> Outcome:
        """One layer of a Sequential model that is called like a layer, on ``x``."""
        if inner.model is not None:
            if isinstance(inner.model, SequentialObj):
                return self.sequential_outcome(inner.model, x, line)
            raise self.cannot_follow(line, f"the functional model '{inner.model.name}' inside '{model.name}'")
        try:
            return inner.config.kind.compute(inner.config.args, [x])
        except KerasError as exc:
            if isinstance(exc, NotAnalysed):
                raise self.cannot_follow(line, f"{inner.name} ({inner.config.kind.cls})", str(exc)) from None
            raise Rejected(
                line, f"{inner.name} ({inner.config.kind.cls}) inside '{model.name}': {exc}"
            ) from None

    def functional_outcome(self, model: FunctionalObj, inputs: tuple[Tensor, ...], line: int) -> Outcome:
        if len(inputs) != len(model.inputs):
            raise Rejected(line, f"model '{model.name}' takes {len(model.inputs)} inputs, got {len(inputs)}")
        for given, own in zip(inputs, model.inputs, strict=True):
            a, b = given.info.shape, own.info.shape
            if len(a) != len(b) or any(
                x is not None and y is not None and x != y for x, y in zip(a, b, strict=True)
            ):
                raise self.cannot_follow(line, f"model '{model.name}' called on inputs of another shape")
        identity = all(t.info.rf is None or all(r == 1 and j == 1 for r, j in t.info.rf) for t in inputs)
        outputs = tuple(TensorInfo(t.info.shape, t.info.field if identity else None) for t in model.outputs)
        trainable = non_trainable = 0
        seen: set[int] = set()
        for n in self.graph(model):
            node = self.nodes[n]
            if id(node.layer) in seen:
                continue
            seen.add(id(node.layer))
            t, u = split_params(node.layer, node.outcome)
            trainable, non_trainable = trainable + t, non_trainable + u
        formula = f"the layers of '{model.name}': {num(trainable + non_trainable)}"
        return Outcome(outputs, trainable, non_trainable, formula, "", "")

    def graph(self, model: FunctionalObj) -> list[int]:
        """The nodes between a functional model's inputs and outputs."""
        seen: set[int] = set()
        stack = [t.node for t in model.outputs]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack.extend(t.node for t in self.nodes[n].inputs)
        return sorted(seen)

    # -- methods

    def method(self, method: Method, args: list[Any], kwargs: dict[str, Any], node: ast.Call) -> Any:
        owner, line = method.owner, node.lineno
        if isinstance(owner, SequentialObj) and method.name == "add":
            if len(args) != 1:
                raise Rejected(line, "Sequential.add() takes one layer")
            self.seq_add(owner, args[0], line)
            return None
        if isinstance(owner, SequentialObj) and method.name == "build" and "input_shape" in kwargs:
            args = [kwargs["input_shape"]]
        if isinstance(owner, SequentialObj) and method.name == "build" and args:
            if owner.current is None and isinstance(args[0], tuple | list):
                try:
                    shape = as_shape("Sequential.build", list(args[0]), 1)
                except KerasError as exc:
                    raise Rejected(line, str(exc)) from None
                self.seq_input(owner, shape, line)
            return None
        if isinstance(owner, SequentialObj) and method.name == "pop":
            raise self.cannot_follow(line, "Sequential.pop()")
        if method.name in HARMLESS_CALLS or method.name.startswith("get_"):
            return Unresolved(f"the result of .{method.name}() ({self.at(line)})")
        return self.opaque_call(method, args, kwargs, node)

    def sequential(self, args: list[Any], kwargs: dict[str, Any], line: int) -> SequentialObj:
        layers = kwargs.pop("layers", args[0] if args else None)
        name = kwargs.get("name")
        if isinstance(name, Unresolved):
            raise self.cannot_follow(line, "the name of this Sequential model", name.reason)
        model = SequentialObj(name if isinstance(name, str) else self.model_name("sequential"), line)
        self.models.append(model)
        if isinstance(layers, Unresolved):
            raise self.cannot_follow(line, "the layers of this Sequential model", layers.reason)
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
            raise Rejected(item.line or line, f"name '{item.name}' is not defined")
        if isinstance(item, Unresolved):
            raise self.cannot_follow(line, "what is added to the Sequential model", item.reason)
        if isinstance(item, Tensor) and self.nodes[item.node].layer.config.kind.cls == "InputLayer":
            if model.current is not None or model.nodes or model.waiting:
                raise Rejected(line, "an Input can only be the first item of a Sequential model")
            self.nodes[item.node].owner = id(model)
            model.nodes.append(item.node)
            model.current = item
            return
        if isinstance(item, SequentialObj | FunctionalObj):
            item = self.as_layer(item, line)
        if not isinstance(item, LayerObj):
            raise Rejected(line, "Sequential.add() needs a layer instance (did you forget the parentheses?)")
        if item.config.kind.cls == "InputLayer":
            if model.current is not None or model.nodes or model.waiting:
                raise Rejected(line, "an InputLayer can only be the first layer of a Sequential model")
            result = self.add_node(item, (), line, owner=id(model))
            model.nodes.append(result.node)
            model.current = result
            return
        model.layers.append(item)
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
        waiting = list(model.waiting)
        model.waiting.clear()
        for layer_ in waiting:
            self.seq_layer(model, layer_, layer_.line)

    def seq_layer(self, model: SequentialObj, layer: LayerObj, line: int) -> None:
        assert model.current is not None
        if layer.config.kind.many_inputs:
            raise Rejected(line, f"{layer.config.kind.cls} cannot be used in a Sequential model")
        if layer.model is not None:
            result = self.model_call(layer, (model.current,), line)
            self.nodes[result.node].owner = id(model)
        else:
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
        if isinstance(name, Unresolved):
            raise self.cannot_follow(line, "the name of this model", name.reason)
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            inputs = list(inputs.values()) if isinstance(inputs, dict) else inputs
            outputs = list(outputs.values()) if isinstance(outputs, dict) else outputs
        model = FunctionalObj(
            name if isinstance(name, str) else self.model_name("functional"),
            line,
            tuple(self.tensors_of(inputs, "Model inputs", line)),
            tuple(self.tensors_of(outputs, "Model outputs", line)),
        )
        self.models.append(model)
        return model


def split_params(layer: LayerObj, outcome: Outcome) -> tuple[int, int]:
    """(trainable, non-trainable) parameters as `model.summary()` counts them (`trainable = False` too)."""
    if not layer.trainable:
        return 0, outcome.trainable + outcome.non_trainable
    return outcome.trainable, outcome.non_trainable


def _call_text(node: ast.Call) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 50 else text[:47] + "…"


def _undefined_in(value: Any) -> Undefined | None:
    if isinstance(value, Undefined):
        return value
    if isinstance(value, tuple | list):
        return next((u for u in map(_undefined_in, value) if u is not None), None)
    return None


def _is_keras_module(path: str) -> bool:
    return "keras" in path.split(".")


def _what(value: Any) -> str:
    if isinstance(value, LayerObj):
        return f"the layer '{value.name}' itself (call it on a tensor first)"
    return type(value).__name__


def to_snake_case(name: str) -> str:
    """Keras' ``to_snake_case``: ``Conv2DTranspose`` → ``conv2d_transpose``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


__all__ = [
    "MERGE_FUNCTIONS",
    "FunctionalObj",
    "KerasInterpreter",
    "KerasName",
    "LayerObj",
    "Method",
    "Node",
    "SequentialObj",
    "Tensor",
    "split_params",
    "to_snake_case",
]
