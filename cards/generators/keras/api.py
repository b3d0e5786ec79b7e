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


@dataclass(frozen=True)
class Part:
    """A layer inside a model that is called like a layer, with what it computed there.

    A sub-model's parts hold its own layers in turn, so the weights of a model
    can be collected layer by layer and a layer reached twice counted once.
    """

    layer: LayerObj
    outcome: Outcome
    parts: tuple[Part, ...] = ()


@dataclass
class Node:
    layer: LayerObj
    inputs: tuple[Tensor, ...]
    outcome: Outcome
    owner: int | None = None
    """Id of the Sequential model the node belongs to (None: functional)."""
    parts: tuple[Part, ...] = ()
    """The layers inside, when the node is a model called like a layer."""


_INPUT_ARGS = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor", "optional")
"""Keras 3 ``Input``'s parameters in order: each may be given by position."""


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
        self.sizes: dict[int, int] = {}
        """Parameters of each layer called so far, by ``id``: a shared layer keeps its weights."""

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
            self.set_trainable(base if isinstance(base, LayerObj) else self.as_layer(base, line), value)
            return
        if self.is_model_value(base):
            raise self.cannot_follow(line, f"setting the attribute '.{attr}' of a Keras object")

    def set_trainable(self, layer: LayerObj, value: bool) -> None:
        """Keras' ``trainable`` setter: a model passes the flag on to every layer it holds now."""
        layer.trainable = value
        if layer.model is not None:
            for inner in self.model_attribute(layer.model, "layers", layer.line):
                self.set_trainable(inner, value)

    def reads_only(self, func: Any, node: ast.Call) -> bool:
        # Keras' getters (get_layer, get_weights, …) return what a model holds and change nothing.
        if isinstance(func, Method) and func.name.startswith("get_"):
            return True
        return super().reads_only(func, node)

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
            self.hand_over(func, args, kwargs, node)
            return Unresolved(f"an instance of {func.name} ({self.at(line)})")
        if isinstance(func, UnknownKeras):
            what = f"{func.name}, a Keras class notedeck does not model ({self.at(line)})"
            if any(self.is_model_value(v) for v in [*args, *kwargs.values()]):
                raise self.cannot_follow(line, what)
            self.hand_over(func, args, kwargs, node)
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
        except NotAnalysed as exc:
            raise self.cannot_follow(line, f"this {kind.cls}", str(exc)) from None
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
        value = self.known(value)
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
        if len(args) > len(_INPUT_ARGS):
            raise Rejected(line, f"Input() takes at most {len(_INPUT_ARGS)} positional arguments")
        values = dict(kwargs)
        for key, value in zip(_INPUT_ARGS, args, strict=False):
            if key in values:
                raise Rejected(line, f"Input() got multiple values for argument '{key}'")
            values[key] = value
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
            return self.add_node(layer, inputs, line)  # a model: one layer of the outer model
        if kind.many_inputs and not isinstance(value, tuple | list):
            raise Rejected(line, f"{kind.cls} must be called on a list of tensors")
        if not kind.many_inputs and isinstance(value, tuple | list):
            # Keras converts a list for some layers (an activation stacks it): not refused outright.
            raise self.cannot_follow(line, f"{kind.cls} layer '{layer.name}' called on a list of tensors")
        if kind.many_inputs and len(inputs) < 1:
            raise Rejected(line, f"{kind.cls} needs at least 1 input")
        return self.add_node(layer, inputs, line)

    def add_node(
        self, layer: LayerObj, inputs: tuple[Tensor, ...], line: int, owner: int | None = None
    ) -> Any:
        outcome, parts = self.layer_outcome(layer, [t.info for t in inputs], line)
        return self.record(layer, inputs, outcome, line, owner, parts)

    def layer_outcome(
        self, layer: LayerObj, inputs: Sequence[TensorInfo], line: int, inside: str = ""
    ) -> tuple[Outcome, tuple[Part, ...]]:
        """What ``layer`` computes on ``inputs`` (a model: its layers in turn), checked like Keras checks it.

        ``inside`` names the model that calls the layer, for the message.
        """
        if layer.model is not None:
            outcome, parts = self.model_outcome(layer.model, inputs, line)
        else:
            parts = ()
            try:
                outcome = layer.config.kind.compute(layer.config.args, inputs)
            except KerasError as exc:
                what = f"{layer.name} ({layer.config.kind.cls})"
                if isinstance(exc, NotAnalysed):
                    raise self.cannot_follow(line, what, str(exc)) from None
                raise Rejected(line, f"{what}{f' inside {inside!r}' if inside else ''}: {exc}") from None
        self.check_shared(layer, outcome, line)
        return outcome, parts

    def check_shared(self, layer: LayerObj, outcome: Outcome, line: int) -> None:
        """A layer called again keeps the weights it was built with: Keras refuses inputs of another size."""
        size = outcome.trainable + outcome.non_trainable
        built = self.sizes.setdefault(id(layer), size)
        if built != size:
            raise Rejected(
                line,
                f"layer '{layer.name}' is shared, but its weights were built for inputs of another size "
                f"({num(built)} parameters then, {num(size)} now)",
            )

    def record(
        self,
        layer: LayerObj,
        inputs: tuple[Tensor, ...],
        outcome: Outcome,
        line: int,
        owner: int | None = None,
        parts: tuple[Part, ...] = (),
    ) -> Any:
        layer.used = True
        index = len(self.nodes)
        self.nodes.append(Node(layer, inputs, outcome, owner, parts))
        tensors = tuple(Tensor(index, i, info) for i, info in enumerate(outcome.outputs))
        return tensors[0] if len(tensors) == 1 else list(tensors)

    # -- models as layers

    def as_layer(self, model: SequentialObj | FunctionalObj, line: int) -> LayerObj:
        if model.as_layer is None:
            cls = "Sequential" if isinstance(model, SequentialObj) else "Functional"
            kind = _MODEL_KINDS[cls]
            model.as_layer = LayerObj(LayerConfig(kind, Args(cls, {}, {})), model.name, line, model=model)
        return model.as_layer

    def model_outcome(
        self, model: SequentialObj | FunctionalObj, inputs: Sequence[TensorInfo], line: int
    ) -> tuple[Outcome, tuple[Part, ...]]:
        """A model run on ``inputs`` layer by layer, as Keras runs it when the model is called."""
        if isinstance(model, FunctionalObj):
            return self.functional_outcome(model, inputs, line)
        if len(inputs) != 1:
            # Keras hands a list on to the first layer (a merge layer may take it): not followed.
            raise self.cannot_follow(line, f"Sequential model '{model.name}' called on several tensors")
        return self.sequential_outcome(model, inputs[0], line)

    def sequential_outcome(
        self, model: SequentialObj, x: TensorInfo, line: int
    ) -> tuple[Outcome, tuple[Part, ...]]:
        expected = self.built_input(model)
        if expected is not None and len(expected) != len(x.shape):
            # Keras may squeeze or expand a size-1 last axis here (Functional._adjust_input_rank).
            raise self.cannot_follow(line, f"model '{model.name}' called on a tensor of another rank")
        # Other sizes are the layers' business (a Sequential has no input spec of its own): Keras runs
        # them on what they get, and a layer whose weights no longer fit is refused as shared.
        info = TensorInfo(x.shape, x.field)
        parts: list[Part] = []
        for inner in model.layers:
            out, inner_parts = self.layer_outcome(inner, [info], line, inside=model.name)
            if len(out.outputs) != 1:
                raise self.cannot_follow(
                    line, f"{inner.config.kind.cls} returning several tensors inside '{model.name}'"
                )
            info = out.outputs[0]
            parts.append(Part(inner, out, inner_parts))
        return _model_result(model.name, (info,), parts)

    def built_input(self, model: SequentialObj) -> Shape | None:
        """The input shape a built Sequential model has (None: not built yet)."""
        if model.current is None:
            return None
        node = self.nodes[model.current.node]
        while node.inputs:
            node = self.nodes[node.inputs[0].node]
        return node.outcome.outputs[0].shape

    def model_input(self, model: SequentialObj | FunctionalObj) -> Shape | None:
        """Keras' ``model.input_shape`` when it is one shape (a built model with one input), else None."""
        if isinstance(model, SequentialObj):
            return self.built_input(model)
        return model.inputs[0].info.shape if len(model.inputs) == 1 else None

    def functional_outcome(
        self, model: FunctionalObj, inputs: Sequence[TensorInfo], line: int
    ) -> tuple[Outcome, tuple[Part, ...]]:
        """The model's graph run again on ``inputs``: shapes and fields follow what it is called on."""
        if len(inputs) != len(model.inputs):
            raise Rejected(line, f"model '{model.name}' takes {len(model.inputs)} inputs, got {len(inputs)}")
        known: dict[tuple[int, int], TensorInfo] = {}
        for given, own in zip(inputs, model.inputs, strict=True):
            if self.nodes[own.node].layer.config.kind.cls != "InputLayer":
                raise self.cannot_follow(
                    line, f"model '{model.name}', whose inputs are not Input(...) tensors"
                )
            if not _compatible(own.info.shape, given.shape):
                raise self.cannot_follow(line, f"model '{model.name}' called on inputs of another shape")
            known[own.node, own.index] = given
        parts: list[Part] = []
        for n in self.graph(model):
            node = self.nodes[n]
            if (n, 0) in known:
                continue
            if not node.inputs:
                raise Rejected(
                    line,
                    f"the outputs of model '{model.name}' depend on input '{node.layer.name}', "
                    "which is not among the model's inputs",
                )
            args = [known[t.node, t.index] for t in node.inputs]
            outcome, inner_parts = self.layer_outcome(node.layer, args, line, inside=model.name)
            known.update(((n, i), info) for i, info in enumerate(outcome.outputs))
            parts.append(Part(node.layer, outcome, inner_parts))
        return _model_result(model.name, tuple(known[t.node, t.index] for t in model.outputs), parts)

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
            self.seq_add(owner, self.added_layer(args, kwargs, line), line)
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
            self.hand_over(method, args, kwargs, node)  # only functions handed to it (callbacks) may run
            return Unresolved(f"the result of .{method.name}() ({self.at(line)})")
        return self.opaque_call(method, args, kwargs, node)

    def added_layer(self, args: list[Any], kwargs: dict[str, Any], line: int) -> Any:
        """The layer of ``Sequential.add(layer, rebuild=True)``, bound as Python binds it."""
        unknown = set(kwargs) - {"layer", "rebuild"}
        twice = ("layer" in kwargs and args) or ("rebuild" in kwargs and len(args) == 2)
        if unknown or twice or len(args) > 2 or not (args or "layer" in kwargs):
            raise Rejected(line, "Sequential.add() takes one layer (and rebuild=)")
        if len(args) == 2 or "rebuild" in kwargs:
            raise self.cannot_follow(line, "Sequential.add() with its rebuild argument")
        return args[0] if args else kwargs["layer"]

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
            self.second_input(model, line)
            self.nodes[item.node].owner = id(model)
            model.nodes.append(item.node)
            model.current = item
            return
        if isinstance(item, SequentialObj | FunctionalObj):
            item = self.as_layer(item, line)
        if not isinstance(item, LayerObj):
            raise Rejected(line, "Sequential.add() needs a layer instance (did you forget the parentheses?)")
        if item.config.kind.cls == "InputLayer":
            self.second_input(model, line)
            result = self.add_node(item, (), line, owner=id(model))
            model.nodes.append(result.node)
            model.current = result
            return
        model.layers.append(item)
        if model.current is None and item.input_shape is not None and not model.waiting:
            self.seq_input(model, item.input_shape, line)
        first = model.waiting[0].model if len(model.waiting) == 1 else None
        shape = None if first is None or model.current is not None else self.model_input(first)
        if shape is not None:
            # Keras 3 builds a Sequential whose first layer is a built model with one input
            # from that model's input shape, once a second layer is added (`_maybe_rebuild`).
            self.seq_input(model, shape, line)
        if model.current is None:
            item.used = True
            model.waiting.append(item)
            return
        self.seq_layer(model, item, line)

    def second_input(self, model: SequentialObj, line: int) -> None:
        """An Input added to a Sequential that has layers: Keras refuses it once the model has an input.

        ``Sequential.add`` raises only when its first layer is an InputLayer; after layers
        without a shape it takes the Input and fails, if at all, when the model is built.
        """
        if model.current is not None or model.nodes:
            raise Rejected(line, f"Sequential model '{model.name}' already has an input, it takes no other")
        if model.waiting:
            raise self.cannot_follow(line, f"an Input added after the first layers of '{model.name}'")

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
        result = self.add_node(layer, (model.current,), line, owner=id(model))
        if isinstance(result, list):
            # Sequential hands the list on to the next layer, or returns it: Keras does not refuse it here.
            raise self.cannot_follow(
                line, f"{layer.config.kind.cls} returning several tensors in a Sequential model"
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


def held_weights(layer: LayerObj, outcome: Outcome, parts: Sequence[Part] = ()) -> dict[int, tuple[int, int]]:
    """(trainable, non-trainable) parameters per layer that owns weights, by ``id``.

    Keras counts a model's weights variable by variable, so a layer reached twice
    (shared inside a sub-model, or a sub-model used twice) counts once. Whether a
    weight trains is its own layer's flag: freezing a model sets the flag of every
    layer inside it at that moment (see ``store_attribute_hook``), as Keras does.
    """
    if layer.model is None:
        total = outcome.trainable + outcome.non_trainable
        return {id(layer): (outcome.trainable, outcome.non_trainable) if layer.trainable else (0, total)}
    return _parts_weights(parts)


def _parts_weights(parts: Sequence[Part]) -> dict[int, tuple[int, int]]:
    held: dict[int, tuple[int, int]] = {}
    for part in parts:
        for key, value in held_weights(part.layer, part.outcome, part.parts).items():
            held.setdefault(key, value)
    return held


def split_params(layer: LayerObj, outcome: Outcome, parts: Sequence[Part] = ()) -> tuple[int, int]:
    """(trainable, non-trainable) parameters as `model.summary()` counts them (`trainable = False` too)."""
    held = held_weights(layer, outcome, parts).values()
    return sum(t for t, _ in held), sum(n for _, n in held)


def _model_result(
    name: str, outputs: tuple[TensorInfo, ...], parts: Sequence[Part]
) -> tuple[Outcome, tuple[Part, ...]]:
    """A model's outcome as one layer of an outer model: its weights, each layer's once."""
    held = _parts_weights(parts).values()
    trainable, non_trainable = sum(t for t, _ in held), sum(n for _, n in held)
    formula = f"the layers of '{name}': {num(trainable + non_trainable)}"
    return Outcome(outputs, trainable, non_trainable, formula, "", ""), tuple(parts)


def _compatible(expected: Shape, given: Shape) -> bool:
    """Shapes of the same rank whose known sizes agree (None matches any size)."""
    return len(expected) == len(given) and all(
        a is None or b is None or a == b for a, b in zip(expected, given, strict=True)
    )


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
    "Part",
    "SequentialObj",
    "Tensor",
    "held_weights",
    "split_params",
    "to_snake_case",
]
