"""Keras 3 layer arithmetic: output shape, parameters and receptive field per layer class.

Each layer class is a :class:`LayerKind`: its Keras 3 signature (so unknown
arguments are rejected the way Keras rejects them) and a ``compute`` function
from the resolved arguments and input tensors to an :class:`Outcome`. Shapes
never include the batch dimension; ``None`` marks a size Keras leaves open.

Receptive fields are exact: each tensor carries, per spatial axis, which
input pixels each of its units sees (:mod:`.receptive`), moved through every
layer by Keras' index arithmetic, padding offsets included. A layer reports
the largest field of its units and the average jump between them. Layers that
mix every position (Flatten, Reshape, global pooling, recurrent layers) have
none; neither has interpolating upsampling.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from cards.generators.keras import receptive
from cards.generators.keras.formula import Expr, count, largest, lit, product
from cards.generators.keras.receptive import Field

Dim = int | None
Shape = tuple[Dim, ...]
Axis = tuple[Fraction, Fraction]
"""Receptive field of one spatial axis: (size, jump) in input pixels."""
RF = tuple[Axis, ...]


class KerasError(Exception):
    """Something Keras itself would reject; the message says what, in Keras' terms."""


class NotAnalysed(KerasError):
    """Valid Keras that notedeck does not work out (``channels_first``, …)."""


REQUIRED: Any = object()
"""Default marking an argument without a default value."""


@dataclass(frozen=True)
class TensorInfo:
    """What the analysis knows about a symbolic tensor."""

    shape: Shape
    field: Field | None = None
    """Which input pixels each unit sees, per spatial axis (None: no spatial field)."""

    @property
    def rf(self) -> RF | None:
        """Receptive field per axis as (largest size, average jump)."""
        if self.field is None:
            return None
        return tuple((Fraction(axis.size), axis.jump) for axis in self.field)


@dataclass(frozen=True)
class Outcome:
    """What one layer call produces."""

    outputs: tuple[TensorInfo, ...]
    trainable: int = 0
    non_trainable: int = 0
    formula: str = "0"
    """How the parameters are counted, e.g. ``16·(5·5·3 + 1) = 1,216``."""
    shape_note: str = ""
    """How the output size follows from the input size."""
    rf_note: str = ""
    """How the receptive field grows at this layer (empty when it does not change)."""


@dataclass(frozen=True)
class LayerKind:
    """A Keras layer class: its signature and its arithmetic."""

    cls: str
    """Class name as Keras spells it (also the base of the default layer name)."""
    positional: tuple[str, ...]
    defaults: Mapping[str, Any]
    compute: Callable[[Args, Sequence[TensorInfo]], Outcome]
    many_inputs: bool = False
    """Called on a list of tensors (merge layers)."""
    extra: frozenset[str] = field(default_factory=frozenset)
    """Accepted keyword arguments that do not change the arithmetic."""

    lenient: bool = False
    """Arguments are not checked (layers whose arguments never change shapes or weights)."""

    def accepts(self, name: str) -> bool:
        return self.lenient or name in self.defaults or name in self.extra or name in BASE_KWARGS


BASE_KWARGS = frozenset(
    {"name", "trainable", "dtype", "autocast", "activity_regularizer", "input_shape", "input_dim"}
)
"""Keyword arguments every Keras 3 layer takes (``Layer.__init__``)."""

KWARG_ALIASES = {
    "kernel": "kernel_size",
    "kernel_shape": "kernel_size",
    "filter": "filters",
    "nb_filter": "filters",
    "stride": "strides",
    "unit": "units",
    "pool": "pool_size",
    "dilation": "dilation_rate",
    "dilations": "dilation_rate",
}
"""Common misspellings whose meaning is unambiguous; used for 'did you mean' and for checking claims."""


class Args:
    """A layer's resolved arguments, with typed accessors that fail like Keras."""

    def __init__(self, cls: str, values: Mapping[str, Any], defaults: Mapping[str, Any]) -> None:
        self.cls = cls
        self.values = dict(values)
        self.defaults = defaults

    def raw(self, name: str) -> Any:
        value = self.values[name] if name in self.values else self.defaults.get(name)
        if value is REQUIRED:
            raise KerasError(f"{self.cls}() is missing the required argument '{name}'")
        unknown = unresolved_in(value)
        if unknown is not None:
            raise NotAnalysed(f"its '{name}': {unknown.reason}")
        return value

    def given(self, name: str) -> bool:
        return name in self.values

    def integer(self, name: str, *, minimum: int = 1) -> int:
        """A positive int; Keras 3 checks ``filters``, ``groups`` and ``units`` itself (``<= 0`` raises).

        Other values Keras takes without a check (a float, a bool, ``0`` elsewhere)
        and fails on later, if at all: notedeck does not follow them.
        """
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise NotAnalysed(f"{self.cls}: its '{name}' is {value!r}, not an int")
        if value < minimum:
            if name in _CHECKED_POSITIVE:
                raise KerasError(f"{self.cls}: '{name}' must be at least {minimum}, got {value}")
            raise NotAnalysed(f"{self.cls}: its '{name}' is {value}")
        return value

    def ints(self, name: str, rank: int, *, minimum: int = 1) -> tuple[int, ...]:
        """An int or ``rank`` ints, as Keras' ``standardize_tuple`` reads them.

        Keras refuses a value that is neither an int nor an iterable of ``rank``
        items, an item ``int()`` refuses, and an item below ``minimum``; it keeps
        floats and bools as they are, which notedeck does not follow.
        """
        value = self.raw(name)
        items = (value,) * rank if isinstance(value, int) else value
        if isinstance(items, dict):
            raise NotAnalysed(f"{self.cls}: its '{name}' is a dict")
        if not isinstance(items, tuple | list | str) or len(items) != rank:
            raise KerasError(f"{self.cls}: '{name}' must be an int or {rank} ints, got {value!r}")
        for item in items:
            if not isinstance(item, int | float) or (item <= 0 if minimum >= 1 else item < 0):
                raise KerasError(f"{self.cls}: '{name}' must hold integers ≥ {minimum}, got {value!r}")
        if any(isinstance(item, bool) or not isinstance(item, int) for item in items):
            raise NotAnalysed(f"{self.cls}: its '{name}' is {value!r}, not ints")
        return tuple(items)

    def number(self, name: str) -> float:
        """A number; Keras checks a rate's range only when it is one (``Dropout``)."""
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise NotAnalysed(f"{self.cls}: its '{name}' is {value!r}, not a number")
        return float(value)

    def flag(self, name: str) -> bool:
        """True or False; Keras takes any value and tests its truth, which notedeck does not follow."""
        value = self.raw(name)
        if not isinstance(value, bool):
            raise NotAnalysed(f"{self.cls}: its '{name}' is {value!r}, not True or False")
        return value

    def choice(self, name: str, options: Sequence[Any], *, lower: bool = True) -> Any:
        """One of ``options``; ``lower``: Keras lower-cases the string first (``standardize_padding``)."""
        value = self.raw(name)
        if isinstance(value, str) and lower:
            value = value.lower()
        if value not in options:
            shown = ", ".join(repr(o) for o in options)
            raise KerasError(f"{self.cls}: '{name}' must be one of {shown}, got {value!r}")
        return value


_CHECKED_POSITIVE = frozenset({"filters", "groups", "units"})
"""Arguments whose ``value <= 0`` Keras 3 refuses in ``__init__`` (BaseConv, Dense, the RNN cells)."""


@dataclass(frozen=True)
class Unresolved:
    """An argument value the analysis could not evaluate (it is only an error if needed)."""

    reason: str


def unresolved_in(value: Any) -> Unresolved | None:
    """The first value notedeck could not work out inside an argument (tuples and lists included)."""
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, tuple | list):
        for item in value:
            found = unresolved_in(item)
            if found is not None:
                return found
    return None


@dataclass(frozen=True)
class LayerConfig:
    """A constructed layer (the object before it is called): kind plus arguments."""

    kind: LayerKind
    args: Args


# ---------------------------------------------------------------- formatting


def num(n: int | Fraction) -> str:
    """``51264`` → ``51,264``; fractions as ``7/2``."""
    if isinstance(n, Fraction) and n.denominator != 1:
        return f"{n.numerator}/{n.denominator}"
    return f"{int(n):,}"


def shape_text(shape: Shape) -> str:
    """Keras summary style: ``(None, 32, 32, 16)``."""
    return "(" + ", ".join(["None", *("None" if d is None else str(d) for d in shape)]) + ")"


def _mul(dims: Sequence[Dim]) -> Dim:
    total = 1
    for d in dims:
        if d is None:
            return None
        total *= d
    return total


# ---------------------------------------------------------------- helpers


def _spatial(cls: str, x: TensorInfo, rank: int) -> tuple[Shape, Dim]:
    """Split ``(…spatial…, channels)`` and check the rank a layer needs."""
    if len(x.shape) != rank + 1:
        raise KerasError(
            f"{cls} expects inputs of shape ({', '.join(['d'] * rank)}, channels) without the batch "
            f"dimension, got {shape_text(x.shape)}"
        )
    return x.shape[:-1], x.shape[-1]


def _channels(cls: str, dim: Dim) -> int:
    if dim is None:
        raise KerasError(f"{cls}: the channel dimension of its input must be known")
    return dim


def _window_rf(
    x: TensorInfo,
    kernel: Sequence[int],
    strides: Sequence[int],
    dil: Sequence[int],
    padding: str,
    what: str,
) -> tuple[Field | None, str]:
    """Grow a receptive field through a sliding window (conv or pooling), with Keras' padding offsets."""
    if x.field is None or len(x.field) != len(kernel):
        return None, ""
    lefts: list[int] = []
    for n, k, s, d in zip(x.shape[:-1], kernel, strides, dil, strict=True):
        k_eff = d * (k - 1) + 1
        left = {"valid": 0, "causal": k_eff - 1}.get(padding, receptive.same_left(n, k_eff, s))
        if left is None:
            return None, ""
        lefts.append(left)
    field = receptive.window(x.field, kernel, strides, dil, lefts)
    if field is None:
        return None, ""
    steps = [d * (k - 1) + 1 for k, d in zip(kernel, dil, strict=True)]
    return field, _rf_step(x.field, field, steps, what)


def _rf_step(old: Field, new: Field, grow: Sequence[int], what: str, *, per: str = "k") -> str:
    """``r = r_in + (k − 1)·j_in = r_out, j = j_out`` per axis; unit by unit when units step unevenly."""
    parts = []
    for a, b, k in zip(old, new, grow, strict=True):
        if a.uniform:
            label = f"({k} − 1)" if per == "k" else f"({per}{k} − 1)"
            parts.append(f"r = {num(a.size)} + {label}·{num(a.jump)} = {num(b.size)}, j = {num(b.jump)}")
        else:
            parts.append(
                f"r = {num(b.size)} (counted unit by unit: the units above step unevenly), j = {num(b.jump)}"
            )
    if len(set(parts)) == 1:
        return f"{what}: {parts[0]}"
    return f"{what}: " + "; ".join(parts)


def conv_length_expr(length: int, k: int, s: int, d: int, padding: str) -> Expr:
    """Keras 3 ``compute_conv_output_shape`` for one axis, as a worked formula."""
    k_eff = d * (k - 1) + 1
    if padding == "valid":
        return (lit(length) - k_eff).floor_div(s) + 1
    return lit(length).ceil_div(s)


def conv_length(length: Dim, k: int, s: int, d: int, padding: str, cls: str) -> Dim:
    """Keras 3 ``compute_conv_output_shape`` for one axis."""
    if length is None:
        return None
    k_eff = d * (k - 1) + 1
    out = conv_length_expr(length, k, s, d, padding).value
    if padding == "valid" and (length < k_eff or out <= 0):
        raise KerasError(
            f"{cls}: the input size {length} is smaller than the (dilated) kernel {k_eff} "
            "with padding='valid' (the output size would be negative)"
        )
    return out


def _conv_note(
    lengths: Shape, kernel: Sequence[int], strides: Sequence[int], dil: Sequence[int], padding: str
) -> str:
    parts = [
        "None" if n is None else conv_length_expr(n, k, s, d, padding).shown(thousands=False)
        for n, k, s, d in zip(lengths, kernel, strides, dil, strict=True)
    ]
    return _axes_note(padding, parts)


def _axes_note(padding: str, parts: Sequence[str]) -> str:
    """``'valid' padding: …`` with one worked length per axis, said once when all axes agree."""
    label = f"'{padding}' padding"
    if len(set(parts)) == 1:
        return f"{label}: {parts[0]}" + (" per axis" if len(parts) > 1 else "")
    return f"{label}: " + " × ".join(parts)


def _padding(args: Args, rank: int, *, causal: bool = False) -> str:
    options = ["valid", "same", "causal"] if causal and rank == 1 else ["valid", "same"]
    return str(args.choice("padding", options))


def _data_format(args: Args) -> None:
    if args.raw("data_format") not in (None, "channels_last"):
        raise NotAnalysed(f"{args.cls}: only data_format='channels_last' is analysed")


def _weights(units: int, inputs: Expr, bias: bool) -> tuple[int, str]:
    """``units·(inputs + 1)`` parameters (``units·inputs`` without bias) and the worked formula."""
    expr = lit(units) * (inputs + 1) if bias else lit(units) * inputs
    return expr.value, expr.shown() + ("" if bias else " (no bias)")


# ---------------------------------------------------------------- convolutions


def _conv_input(args: Args, inputs: Sequence[TensorInfo], rank: int) -> tuple[TensorInfo, int]:
    """A convolution's one input, checked for ``rank`` spatial axes, and its (known) channel count."""
    (x,) = inputs
    _dims, cin = _spatial(args.cls, x, rank)
    return x, _channels(args.cls, cin)


@dataclass(frozen=True)
class _Window:
    """The window a convolution slides over its input: what every convolution class shares.

    Each layer reads its other arguments before and after :meth:`read` in a fixed
    order, so a call with several wrong arguments always reports the same one first.
    """

    x: TensorInfo
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dil: tuple[int, ...]
    padding: str

    @classmethod
    def read(cls, args: Args, x: TensorInfo, *, causal: bool = False) -> _Window:
        """``kernel_size``, ``strides``, ``dilation_rate`` and ``padding`` of a layer called on ``x``."""
        rank = len(x.shape) - 1
        kernel = args.ints("kernel_size", rank)
        strides = args.ints("strides", rank)
        dil = args.ints("dilation_rate", rank)
        return cls(x, kernel, strides, dil, _padding(args, rank, causal=causal))

    @property
    def spatial(self) -> Shape:
        return self.x.shape[:-1]

    @property
    def k_eff(self) -> list[int]:
        """The dilated kernel, ``d·(k − 1) + 1`` per axis."""
        return [d * (k - 1) + 1 for k, d in zip(self.kernel, self.dil, strict=True)]

    @property
    def kernel_text(self) -> str:
        return "×".join(map(str, self.kernel))

    def refuse_strided_dilation(self, cls: str) -> None:
        """Keras refuses strides and dilation both above 1 in every convolution."""
        if max(self.strides) > 1 and max(self.dil) > 1:
            raise KerasError(f"{cls}: strides > 1 together with dilation_rate > 1 is not supported")

    def outcome(self, cls: str, channels: int, total: int, formula: str, what: str) -> Outcome:
        """The output of a (forward) convolution with ``channels`` channels and ``total`` parameters.

        ``what`` names the layer in the receptive-field note, after the kernel size
        (``3×3 depthwise conv``).
        """
        out = tuple(
            conv_length(n, k, s, d, self.padding, cls)
            for n, k, s, d in zip(self.spatial, self.kernel, self.strides, self.dil, strict=True)
        )
        rf, rf_note = _window_rf(
            self.x, self.kernel, self.strides, self.dil, self.padding, f"{self.kernel_text} {what}"
        )
        return Outcome(
            (TensorInfo((*out, channels), rf),),
            trainable=total,
            formula=formula,
            shape_note=_conv_note(self.spatial, self.kernel, self.strides, self.dil, self.padding),
            rf_note=rf_note,
        )


def _conv(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        x, cin = _conv_input(args, inputs, rank)
        filters = args.integer("filters")
        win = _Window.read(args, x, causal=True)
        groups = args.integer("groups")
        bias = args.flag("use_bias")
        _data_format(args)
        win.refuse_strided_dilation(args.cls)
        if filters % groups:
            raise KerasError(f"{args.cls}: filters={filters} is not divisible by groups={groups}")
        if cin % groups:
            raise KerasError(f"{args.cls}: the {cin} input channels are not divisible by groups={groups}")
        per_channel = Expr(cin // groups, f"({cin}/{groups})") if groups > 1 else lit(cin)
        total, formula = _weights(filters, product(*win.kernel) * per_channel, bias)
        what = "conv" + (f", dilation {max(win.dil)}" if max(win.dil) > 1 else "")
        what += f", stride {'×'.join(map(str, win.strides))}" if max(win.strides) > 1 else ""
        return win.outcome(args.cls, filters, total, formula, what)

    return compute


def transpose_length_expr(
    length: int, k: int, s: int, d: int, padding: str, output_padding: int | None
) -> Expr:
    """Keras 3 ``compute_conv_transpose_output_length`` for one axis, as a worked formula."""
    k_eff = d * (k - 1) + 1
    if output_padding is None:
        if padding == "valid":
            return lit(length) * s + largest(lit(k_eff) - s, 0)
        return lit(length) * s
    pad = k_eff // 2 if padding == "same" else 0
    return (lit(length) - 1) * s + k_eff - lit(2) * pad + output_padding


def transpose_length(length: Dim, k: int, s: int, d: int, padding: str, output_padding: int | None) -> Dim:
    """Keras 3 ``compute_conv_transpose_output_length`` for one axis."""
    return None if length is None else transpose_length_expr(length, k, s, d, padding, output_padding).value


def _transpose_note(win: _Window, out_pad: Sequence[int] | None) -> str:
    parts = [
        "None"
        if n is None
        else transpose_length_expr(n, k, s, d, win.padding, None if out_pad is None else out_pad[i]).shown(
            thousands=False
        )
        for i, (n, k, s, d) in enumerate(zip(win.spatial, win.kernel, win.strides, win.dil, strict=True))
    ]
    return _axes_note(win.padding, parts)


def _transpose_rf(win: _Window, out_pad: Sequence[int] | None) -> tuple[Field | None, str]:
    """Which input units each output unit of a transposed convolution receives (see :mod:`.receptive`).

    The padding is TensorFlow's for the forward convolution the layer is the
    gradient of: 'same' pads ``(n − 1)·s + k − n_out`` in total, the smaller
    half on the left; 'valid' pads nothing.
    """
    x = win.x
    if x.field is None or len(x.field) != len(win.kernel):
        return None, ""
    lefts = []
    for i, (k, s) in enumerate(zip(win.k_eff, win.strides, strict=True)):
        if win.padding == "valid":
            lefts.append(0)
        elif out_pad is None:
            lefts.append(max(k - s, 0) // 2)
        else:
            lefts.append(max(2 * (k // 2) - out_pad[i], 0) // 2)
    field = receptive.transposed(x.field, win.kernel, win.strides, win.dil, lefts)
    if field is None:
        return None, ""
    strides = "×".join(map(str, win.strides))
    what = f"{win.kernel_text} transposed conv, stride {strides}"
    reach = [-(-k // s) for k, s in zip(win.k_eff, win.strides, strict=True)]
    if all(a.uniform for a in x.field):
        parts = [
            f"a unit receives up to ⌈{k}/{s}⌉ = {c} input units: r = {num(a.size)} + ({c} − 1)·{num(a.jump)} "
            f"= {num(b.size)}, j = {num(a.jump)}/{s} = {num(b.jump)}"
            for a, b, k, s, c in zip(x.field, field, win.k_eff, win.strides, reach, strict=True)
        ]
        return field, f"{what}: " + (parts[0] if len(set(parts)) == 1 else "; ".join(parts))
    return field, _rf_step(x.field, field, reach, what)


def _conv_transpose(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        x, cin = _conv_input(args, inputs, rank)
        filters = args.integer("filters")
        win = _Window.read(args, x)
        bias = args.flag("use_bias")
        _data_format(args)
        out_pad = None if args.raw("output_padding") is None else args.ints("output_padding", rank, minimum=0)
        if out_pad is not None and any(p >= s for p, s in zip(out_pad, win.strides, strict=True)):
            # Keras 3 builds the layer and works out a shape; the backends disagree on what runs.
            raise NotAnalysed(
                f"{args.cls}: output_padding {out_pad} is not smaller than strides {win.strides}"
            )
        win.refuse_strided_dilation(args.cls)
        out = tuple(
            transpose_length(n, k, s, d, win.padding, None if out_pad is None else out_pad[i])
            for i, (n, k, s, d) in enumerate(zip(win.spatial, win.kernel, win.strides, win.dil, strict=True))
        )
        total, formula = _weights(filters, product(*win.kernel, cin), bias)
        rf, rf_note = _transpose_rf(win, out_pad)
        return Outcome(
            (TensorInfo((*out, filters), rf),),
            trainable=total,
            formula=formula,
            shape_note=_transpose_note(win, out_pad),
            rf_note=rf_note,
        )

    return compute


def _depthwise(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        x, cin = _conv_input(args, inputs, rank)
        win = _Window.read(args, x)
        mult = args.integer("depth_multiplier")
        bias = args.flag("use_bias")
        _data_format(args)
        win.refuse_strided_dilation(args.cls)
        cout = cin * mult
        expr = product(*win.kernel, cin, mult)
        expr = expr + lit(cin) * mult if bias else expr
        return win.outcome(args.cls, cout, expr.value, expr.shown(), "depthwise conv")

    return compute


def _separable(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        x, cin = _conv_input(args, inputs, rank)
        filters = args.integer("filters")
        win = _Window.read(args, x)
        mult = args.integer("depth_multiplier")
        bias = args.flag("use_bias")
        _data_format(args)
        win.refuse_strided_dilation(args.cls)
        expr = product(*win.kernel, cin, mult).labelled("depthwise") + product(cin, mult, filters).labelled(
            "pointwise"
        )
        expr = expr + lit(filters).labelled("bias") if bias else expr
        return win.outcome(args.cls, filters, expr.value, expr.shown(), "separable conv")

    return compute


# ---------------------------------------------------------------- pooling and resizing


def pool_length(length: Dim, p: int, s: int, padding: str, cls: str) -> Dim:
    """Pooling output length: the convolution formula with the pool as kernel."""
    if length is None:
        return None
    if padding == "valid" and length < p:
        raise KerasError(f"{cls}: the input size {length} is smaller than the pool size {p}")
    return conv_length_expr(length, p, s, 1, padding).value


def _pooling(rank: int, kind: str) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        spatial, channels = _spatial(args.cls, x, rank)
        pool = args.ints("pool_size", rank)
        strides = pool if args.raw("strides") is None else args.ints("strides", rank)
        padding = _padding(args, rank)
        _data_format(args)
        out = tuple(
            pool_length(n, p, s, padding, args.cls) for n, p, s in zip(spatial, pool, strides, strict=True)
        )
        what = f"{'×'.join(map(str, pool))} {kind} pool, stride {'×'.join(map(str, strides))}"
        rf, rf_note = _window_rf(x, pool, strides, (1,) * rank, padding, what)
        note = _conv_note(spatial, pool, strides, (1,) * rank, padding)
        if not args.given("strides"):
            note += " (strides default to pool_size)"
        return Outcome((TensorInfo((*out, channels), rf),), shape_note=note, rf_note=rf_note)

    return compute


def _global_pooling(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        _spatial_dims, channels = _spatial(args.cls, x, rank)
        _data_format(args)
        keep = args.flag("keepdims")
        shape: Shape = (*(1,) * rank, channels) if keep else (channels,)
        return Outcome((TensorInfo(shape, None),), shape_note="one value per channel")

    return compute


def _upsampling(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        spatial, channels = _spatial(args.cls, x, rank)
        size = args.ints("size", rank)
        nearest = True
        if rank == 2:
            _data_format(args)
            options = ["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"]
            # Keras stores the string and checks it only when the layer runs.
            if args.raw("interpolation") not in options:
                raise NotAnalysed(f"{args.cls}: interpolation={args.raw('interpolation')!r}")
            nearest = args.raw("interpolation") == "nearest"
        out = tuple(None if n is None else n * f for n, f in zip(spatial, size, strict=True))
        rf: Field | None = None
        rf_note = ""
        # Interpolation other than 'nearest' mixes neighbours: its field is not worked out.
        if nearest and x.field is not None and len(x.field) == rank:
            rf = receptive.upsampled(x.field, size)
        if rf is not None and x.field is not None:
            old_j, new_j = num(x.field[0].jump), num(rf[0].jump)
            rf_note = f"upsampling ×{size[0]}: r = {num(rf[0].size)}, j = {old_j}/{size[0]} = {new_j}"
        note = " × ".join(f"{n}·{f} = {o}" for n, f, o in zip(spatial, size, out, strict=True))
        return Outcome((TensorInfo((*out, channels), rf),), shape_note=note, rf_note=rf_note)

    return compute


def _pairs(args: Args, name: str, rank: int) -> tuple[tuple[int, int], ...]:
    """ZeroPadding/Cropping amounts: int, ``rank`` ints, or ``rank`` (before, after) pairs.

    Keras refuses other shapes of value and negative crops; it takes negative
    padding and float amounts without a word, which notedeck does not follow.
    """
    value = args.raw(name)
    _odd_amounts(args, name, value)

    def ok(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if ok(value):
        return tuple((value, value) for _ in range(rank))
    if rank == 1 and isinstance(value, tuple | list) and len(value) == 2 and all(ok(v) for v in value):
        return ((value[0], value[1]),)
    if isinstance(value, tuple | list) and len(value) == rank:
        pairs = []
        for item in value:
            if ok(item):
                pairs.append((item, item))
            elif isinstance(item, tuple | list) and len(item) == 2 and all(ok(v) for v in item):
                pairs.append((item[0], item[1]))
            else:
                break
        else:
            return tuple(pairs)
    raise KerasError(f"{args.cls}: cannot read '{name}'={value!r}")


def _odd_amounts(args: Args, name: str, value: Any) -> None:
    """Amounts Keras keeps without a check: floats and bools anywhere, negative padding."""
    flat = [value] if not isinstance(value, tuple | list) else list(value)
    flat = [w for v in flat for w in (v if isinstance(v, tuple | list) else [v])]
    numbers = [v for v in flat if isinstance(v, int | float)]
    if any(isinstance(v, bool) or not isinstance(v, int) for v in numbers if v >= 0):
        raise NotAnalysed(f"{args.cls}: its '{name}' is {value!r}, not ints")
    if name == "padding" and any(v < 0 for v in numbers):
        raise NotAnalysed(f"{args.cls}: its '{name}' is {value!r}, with a negative amount")


def _zero_padding(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        spatial, channels = _spatial(args.cls, x, rank)
        pads = _pairs(args, "padding", rank)
        out = tuple(None if n is None else n + a + b for n, (a, b) in zip(spatial, pads, strict=True))
        note = " × ".join(f"{n} + {a} + {b} = {o}" for n, (a, b), o in zip(spatial, pads, out, strict=True))
        field = None if x.field is None else receptive.shifted(x.field, [-a for a, _ in pads])
        return Outcome((TensorInfo((*out, channels), field),), shape_note=note)

    return compute


def _cropping(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        spatial, channels = _spatial(args.cls, x, rank)
        crops = _pairs(args, "cropping", rank)
        out = []
        for n, (a, b) in zip(spatial, crops, strict=True):
            if n is not None and n - a - b <= 0:
                raise KerasError(f"{args.cls}: cropping {a}+{b} leaves nothing of size {n}")
            out.append(None if n is None else n - a - b)
        note = " × ".join(f"{n} − {a} − {b} = {o}" for n, (a, b), o in zip(spatial, crops, out, strict=True))
        field = None if x.field is None else receptive.shifted(x.field, [a for a, _ in crops])
        return Outcome((TensorInfo((*out, channels), field),), shape_note=note)

    return compute


# ---------------------------------------------------------------- core layers


def _dense(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    units = args.integer("units")
    bias = args.flag("use_bias")
    if not x.shape:
        raise KerasError("Dense needs an input with at least one dimension")
    n_in = _channels("Dense", x.shape[-1])
    total, formula = _weights(units, lit(n_in), bias)
    note = "Dense acts on the last axis" if len(x.shape) > 1 else ""
    return Outcome(
        (TensorInfo((*x.shape[:-1], units), x.field),), trainable=total, formula=formula, shape_note=note
    )


def _flatten(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    _data_format(args)
    size = _mul(x.shape)
    note = (
        "·".join("None" if d is None else str(d) for d in x.shape)
        + f" = {'None' if size is None else num(size)}"
    )
    return Outcome((TensorInfo((size,), None),), shape_note=note)


def _reshape(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """Keras 3 ``Reshape``: ``tuple(target_shape)``, then ``compute_reshape_output_shape``."""
    (x,) = inputs
    target = _reshape_target(args)
    size = _mul(x.shape)
    if 0 in target and size is None:
        raise NotAnalysed(f"Reshape: its target_shape {tuple(target)} has a 0")
    known = math.prod(t for t in target if t != -1)
    out: list[Dim] = list(target)
    if -1 in target:
        if size is not None and (known == 0 or size % known):
            raise KerasError(f"Reshape: cannot reshape {size} values into {tuple(target)}")
        out[target.index(-1)] = None if size is None else size // known
    elif size is not None and size != known:
        raise KerasError(f"Reshape: cannot reshape {size} values into {tuple(target)} ({num(known)} values)")
    return Outcome(
        (TensorInfo(tuple(out), None),), shape_note=f"{'None' if size is None else num(size)} values"
    )


def _reshape_target(args: Args) -> list[int]:
    """The target shape where Keras refuses it (not iterable, a dim below -1, two -1s).

    Keras reads an item that is not an int as an unknown size: not followed.
    """
    target = args.raw("target_shape")
    if not isinstance(target, tuple | list | str | dict):
        raise KerasError(f"Reshape: target_shape must be a tuple of ints, got {target!r}")
    items = list(target)
    ints = [t for t in items if isinstance(t, int)]
    if any(t < -1 for t in ints):
        raise KerasError(f"Reshape: target_shape must hold sizes ≥ 0 or -1, got {target!r}")
    if ints.count(-1) > 1:
        raise KerasError("Reshape: only one dimension of target_shape can be -1")
    if len(ints) != len(items) or any(isinstance(t, bool) for t in items):
        raise NotAnalysed(f"Reshape: its target_shape {target!r} holds something other than ints")
    return ints


def _passthrough(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    return Outcome((x,))


def _dropout(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    rate = args.number("rate")
    if not 0 <= rate <= 1:
        raise KerasError(f"{args.cls}: rate must be between 0 and 1, got {rate}")
    return _passthrough(args, inputs)


def _spatial_dropout(rank: int) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        _spatial(args.cls, x, rank)
        return _dropout(args, inputs)

    return compute


def _axis_dims(args: Args, x: TensorInfo) -> list[int]:
    axis = args.raw("axis")
    axes = list(axis) if isinstance(axis, tuple | list) else [axis]
    dims = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, int):
            raise KerasError(f"{args.cls}: axis must be an int, got {axis!r}")
        # Axes count the batch dimension (axis 0), like Keras.
        index = a - 1 if a > 0 else len(x.shape) + a
        if a == 0 or not 0 <= index < len(x.shape):
            raise KerasError(f"{args.cls}: axis {a} is out of range for input {shape_text(x.shape)}")
        dims.append(_channels(args.cls, x.shape[index]))
    return dims


def _batch_norm(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    c = math.prod(_axis_dims(args, x))
    center, scale = args.flag("center"), args.flag("scale")
    learned = [n for n, on in (("γ", scale), ("β", center)) if on]
    weights, moving = lit(len(learned)) * c, lit(2) * c
    formula = (
        f"{(lit(2 + len(learned)) * c).shown()}: "
        + (f"{', '.join(learned)} ({weights.shown()}, trainable) + " if learned else "")
        + f"moving mean and variance ({moving.shown()}, non-trainable)"
    )
    return Outcome((x,), trainable=weights.value, non_trainable=moving.value, formula=formula)


def _layer_norm(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    c = math.prod(_axis_dims(args, x))
    center, scale = args.flag("center"), args.flag("scale")
    if args.flag("rms_scaling"):
        center = False
    learned = [n for n, on in (("γ", scale), ("β", center)) if on]
    expr = lit(len(learned)) * c
    formula = f"{expr.shown()} ({', '.join(learned) or 'nothing'} learned)"
    return Outcome((x,), trainable=expr.value, formula=formula)


def _merge_rf(inputs: Sequence[TensorInfo]) -> Field | None:
    """Position by position, a merged unit sees what any of its inputs' units sees."""
    fields = [x.field for x in inputs]
    if any(f is None for f in fields):
        return None
    return receptive.merged([f for f in fields if f is not None])


def _concatenate(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    axis = args.raw("axis")
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise KerasError(f"Concatenate: axis must be an int, got {axis!r}")
    rank = len(inputs[0].shape)
    index = axis - 1 if axis > 0 else rank + axis
    if axis == 0 or axis == -rank - 1:
        raise NotAnalysed(f"Concatenate: axis={axis} is the batch axis")
    if any(len(x.shape) != rank for x in inputs) or not 0 <= index < rank:
        raise KerasError(
            "Concatenate: inputs must have the same rank and a valid axis, got "
            + ", ".join(shape_text(x.shape) for x in inputs)
        )
    for i in range(rank):
        if i == index:
            continue
        sizes = {x.shape[i] for x in inputs} - {None}
        if len(sizes) > 1:
            raise KerasError(
                "Concatenate needs inputs with matching shapes except on the concatenation axis, got "
                + ", ".join(shape_text(x.shape) for x in inputs)
            )
    parts = [x.shape[index] for x in inputs]
    total = None if None in parts else sum(p for p in parts if p is not None)
    out = list(inputs[0].shape)
    out[index] = total
    note = " + ".join(str(p) for p in parts) + f" = {total}"
    # Along a spatial axis the second input's units come after the first's: no position-wise field.
    field = _merge_rf(inputs) if index == rank - 1 else None
    return Outcome((TensorInfo(tuple(out), field),), shape_note=note)


def _elementwise(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    rank = len(inputs[0].shape)
    if any(len(x.shape) != rank for x in inputs):
        # Keras' Merge broadcasts inputs of different ranks (aligned on the last axis).
        raise NotAnalysed(f"{args.cls}: inputs of different ranks")
    out = _elementwise_shape(args.cls, inputs)
    # Broadcasting a size-1 axis pairs every unit with the same one: no position-wise field then.
    same = all(x.shape[:-1] == inputs[0].shape[:-1] for x in inputs)
    return Outcome((TensorInfo(out, _merge_rf(inputs) if same else None),))


def _elementwise_shape(cls: str, inputs: Sequence[TensorInfo]) -> Shape:
    """Keras 3's ``Merge._compute_elemwise_op_output_shape``, folded over the inputs from the left.

    An axis unknown (None) in either of the pair is unknown in the result, even against a
    known size (Keras cannot tell until the model runs), and the next input is compared only
    with that result: Keras raises only for two different known sizes, neither of them 1.
    """
    out = list(inputs[0].shape)
    for x in inputs[1:]:
        for axis, (a, b) in enumerate(zip(out, x.shape, strict=True)):
            if a is None or b is None:
                out[axis] = None
            elif a == 1:
                out[axis] = b
            elif b != 1 and a != b:
                raise KerasError(
                    f"{cls}: inputs must have the same shape, got "
                    + ", ".join(shape_text(y.shape) for y in inputs)
                )
    return tuple(out)


def _rescaling(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    args.raw("scale")
    return _passthrough(args, inputs)


def _normalization(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """Keras 3 ``Normalization``: mean and variance per kept axis plus a count, none of them trainable.

    Given ``mean`` and ``variance``, the statistics are constants, not weights.
    """
    (x,) = inputs
    if args.raw("mean") is not None or args.raw("variance") is not None:
        return Outcome((x,), formula="0 (mean and variance given as constants)")
    dims = [1] if args.raw("axis") is None else _axis_dims(args, x)
    expr = lit(2) * product(*dims) + 1
    formula = f"{expr.shown()}: mean and variance per channel, and a count (non-trainable)"
    return Outcome((x,), non_trainable=expr.value, formula=formula)


def _prelu(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """One learned slope per input value, except along ``shared_axes`` (counted with the batch axis)."""
    (x,) = inputs
    shape = list(x.shape)
    shared = args.raw("shared_axes")
    axes = [] if shared is None else (list(shared) if isinstance(shared, tuple | list) else [shared])
    for axis in axes:
        # Keras sets ``param_shape[i - 1] = 1``: Python indexing, so 0 and negative axes count from the end.
        if not isinstance(axis, int) or not -len(shape) < axis <= len(shape):
            raise KerasError(f"PReLU: shared_axes must hold axes 1..{len(shape)}, got {shared!r}")
        shape[axis - 1] = 1
    slopes = product(*(_channels("PReLU", d) for d in shape))
    return Outcome((x,), trainable=slopes.value, formula=f"{slopes.shown()} (one slope each)")


def _dot(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """Keras 3 ``Dot.compute_output_shape``; axes count the batch axis, as in Keras."""
    if len(inputs) != 2:
        raise KerasError("Dot must be called on a list of 2 inputs")
    a, b = ([None, *x.shape] for x in inputs)
    axes = args.raw("axes")
    if isinstance(axes, int) and not isinstance(axes, bool):
        pair = [axes % len(a), axes % len(b)] if axes < 0 else [axes, axes]
    elif isinstance(axes, tuple | list) and len(axes) == 2 and all(isinstance(v, int) for v in axes):
        if not (-len(a) <= axes[0] < len(a) and -len(b) <= axes[1] < len(b)):
            raise KerasError(f"Dot: axes {axes!r} out of range")  # Keras' build indexes the shapes
        pair = [axes[0] % len(a), axes[1] % len(b)]
    else:
        raise KerasError(f"Dot: axes must be an int or 2 ints, got {axes!r}")
    if not (pair[0] < len(a) and pair[1] < len(b)):
        raise KerasError(f"Dot: axes {axes!r} out of range")
    if 0 in pair:
        raise NotAnalysed(f"Dot: axes {axes!r} take the batch axis")
    # Keras' build compares the two sizes as they are: None differs from a known size.
    if a[pair[0]] != b[pair[1]]:
        raise KerasError(
            f"Dot: incompatible input shapes {shape_text(inputs[0].shape)} and {shape_text(inputs[1].shape)}"
        )
    a.pop(pair[0])
    b.pop(pair[1])
    out = a[1:] + b[1:]
    return Outcome((TensorInfo(tuple(out) if out else (1,), None),), shape_note="dot product over the axes")


def _time_distributed(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """The wrapped layer on every time step: its weights once, the time axis kept (Keras 3)."""
    (x,) = inputs
    inner = args.raw("layer")
    if not isinstance(inner, LayerConfig):
        raise NotAnalysed("TimeDistributed around something other than a layer is not analysed")
    if len(x.shape) < 2:
        raise KerasError(
            "TimeDistributed needs inputs with at least 3 dimensions (batch, time, …), "
            f"got {shape_text(x.shape)}"
        )
    child_rf = x.field[1:] if x.field is not None and len(x.field) == len(x.shape) - 1 else None
    child = inner.kind.compute(inner.args, [TensorInfo(x.shape[1:], child_rf)])
    outputs = []
    for out in child.outputs:
        rf = None if out.field is None or x.field is None else (x.field[0], *out.field)
        outputs.append(TensorInfo((x.shape[0], *out.shape), rf))
    return Outcome(
        tuple(outputs),
        trainable=child.trainable,
        non_trainable=child.non_trainable,
        formula=f"{inner.kind.cls}: {child.formula} (one set of weights for every time step)",
        shape_note=f"{inner.kind.cls} on each of the {x.shape[0]} time steps",
        rf_note=child.rf_note,
    )


def _resize(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """Resizing and cropping to ``height × width``: the field is not worked out (interpolation, offsets)."""
    (x,) = inputs
    if len(x.shape) != 3:
        # Keras reads a rank-3 tensor as one unbatched image, so other ranks are not refused outright.
        raise NotAnalysed(f"{args.cls}: inputs of shape {shape_text(x.shape)}, not images")
    height, width = args.integer("height"), args.integer("width")
    return Outcome(
        (TensorInfo((height, width, x.shape[-1]), None),), shape_note=f"resized to {height}×{width}"
    )


_PASSTHROUGH_LENIENT = {
    "RandomFlip": "mode seed",
    "RandomRotation": "factor fill_mode interpolation seed fill_value",
    "RandomZoom": "height_factor width_factor fill_mode interpolation seed fill_value",
    "RandomTranslation": "height_factor width_factor fill_mode interpolation seed fill_value",
    "RandomContrast": "factor seed",
    "RandomBrightness": "factor value_range seed",
    "GaussianNoise": "stddev seed",
    "GaussianDropout": "rate seed",
    "AlphaDropout": "rate noise_shape seed",
    "ActivityRegularization": "l1 l2",
    "Identity": "",
}
"""Layers that change values but never shapes or weights (augmentation, noise, regularisation)."""


def _embedding(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    (x,) = inputs
    vocab = args.integer("input_dim")
    dim = args.integer("output_dim")
    expr = lit(vocab) * dim
    rf = x.field if x.field is not None else (receptive.identity(1) if len(x.shape) == 1 else None)
    return Outcome(
        (TensorInfo((*x.shape, dim), rf),),
        trainable=expr.value,
        formula=expr.shown(),
        shape_note="one vector per token",
    )


# ---------------------------------------------------------------- recurrent layers


def rnn_params(cls: str, units: int, n_in: int, bias: bool, reset_after: bool) -> tuple[int, str]:
    """Parameters of one recurrent layer and the worked formula."""
    core = lit(units) * (lit(n_in) + units)
    if cls == "SimpleRNN":
        expr = core + units if bias else core
        return expr.value, expr.shown()
    gates = 4 if cls == "LSTM" else 3
    bias_terms = (2 if cls == "GRU" and reset_after else 1) if bias else 0
    per_gate = core if bias_terms == 0 else core + (lit(units) if bias_terms == 1 else lit(2) * units)
    expr = lit(gates) * per_gate
    total, formula = expr.value, expr.shown()
    if cls == "GRU" and bias:
        formula += " (reset_after=True: two bias vectors)" if reset_after else " (reset_after=False)"
    return total, formula


def _rnn(cls: str) -> Callable[[Args, Sequence[TensorInfo]], Outcome]:
    def compute(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
        (x,) = inputs
        if len(x.shape) != 2:
            # Keras 3 gives recurrent layers no input spec: it works out a shape for other ranks too.
            raise NotAnalysed(f"{cls}: inputs of shape {shape_text(x.shape)}, not (timesteps, features)")
        units = args.integer("units")
        n_in = _channels(cls, x.shape[-1])
        reset_after = args.flag("reset_after") if cls == "GRU" else True
        total, formula = rnn_params(cls, units, n_in, args.flag("use_bias"), reset_after)
        seq = args.flag("return_sequences")
        out = TensorInfo((x.shape[0], units) if seq else (units,), None)
        outputs = [out]
        if args.flag("return_state"):
            states = 2 if cls == "LSTM" else 1
            outputs += [TensorInfo((units,), None)] * states
        note = (
            "return_sequences=True: one output per time step"
            if seq
            else "return_sequences=False: last output only"
        )
        return Outcome(tuple(outputs), trainable=total, formula=formula, shape_note=note)

    return compute


_RNN_CLASSES = ("SimpleRNN", "LSTM", "GRU")


def _bidirectional(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    inner = args.raw("layer")
    if not isinstance(inner, LayerConfig) or inner.kind.cls not in _RNN_CLASSES:
        raise KerasError("Bidirectional must wrap a recurrent layer (SimpleRNN, LSTM or GRU)")
    # Keras compares merge_mode as given (no lower-casing).
    mode = args.choice("merge_mode", ["concat", "sum", "mul", "ave", None], lower=False)
    forward = inner.kind.compute(inner.args, inputs)
    backward_cfg = args.raw("backward_layer")
    backward = forward
    if backward_cfg is not None:
        if not isinstance(backward_cfg, LayerConfig) or backward_cfg.kind.cls not in _RNN_CLASSES:
            raise KerasError("Bidirectional: backward_layer must be a recurrent layer")
        backward = backward_cfg.kind.compute(backward_cfg.args, inputs)
    _check_directions(inner.args, None if backward_cfg is None else backward_cfg.args)
    if inner.args.flag("return_state"):
        raise NotAnalysed("Bidirectional with return_state=True is not analysed")
    outputs, note = _bidirectional_outputs(forward.outputs[0].shape, backward.outputs[0].shape, mode)
    if backward_cfg is None:
        expr = lit(2) * count(forward.trainable)
        formula = f"{expr.shown()} (forward and backward {inner.kind.cls}: {forward.formula})"
    else:
        expr = count(forward.trainable) + count(backward.trainable)
        formula = expr.shown()
    return Outcome(outputs, trainable=expr.value, formula=formula, shape_note=note)


def _bidirectional_outputs(f_shape: Shape, b_shape: Shape, mode: Any) -> tuple[tuple[TensorInfo, ...], str]:
    """Keras 3 ``Bidirectional.compute_output_shape``: the forward layer's shape, doubled by 'concat'.

    A backward layer of another size does not change it (Keras reports this shape,
    and the layers after it are built on it).
    """
    f_units, b_units = f_shape[-1], b_shape[-1]
    if mode == "concat":
        doubled = None if f_units is None else 2 * f_units
        note = f"merge_mode='concat': {f_units} + {b_units}"
        if f_units != b_units:
            note = f"merge_mode='concat': 2·{f_units}, Keras doubles the forward layer's size"
        return (TensorInfo((*f_shape[:-1], doubled)),), note
    if mode is None:
        return (TensorInfo(f_shape), TensorInfo(f_shape)), "merge_mode=None: two outputs"
    return (TensorInfo(f_shape),), f"merge_mode='{mode}': same size as one direction"


def _check_directions(forward: Args, backward: Args | None) -> None:
    """Keras' ``_verify_layer_config``: opposite ``go_backwards``, the same sequence and state flags.

    Without a backward layer Keras copies the forward one with ``go_backwards=True``.
    """
    backward_flag = True if backward is None else _rnn_flag(backward, "go_backwards")
    if _rnn_flag(forward, "go_backwards") == backward_flag:
        raise KerasError("Bidirectional: the forward and backward layers must differ in go_backwards")
    if backward is None:
        return
    for name in ("stateful", "return_sequences", "return_state"):
        if _rnn_flag(forward, name) != _rnn_flag(backward, name):
            raise KerasError(f"Bidirectional: the forward and backward layers must agree on {name}")


def _rnn_flag(args: Args, name: str) -> bool:
    if name in args.defaults:
        return args.flag(name)
    value = args.values.get(name, False)
    if not isinstance(value, bool):
        raise NotAnalysed(f"{args.cls}: its '{name}' is {value!r}, not True or False")
    return value


def _input_layer(args: Args, inputs: Sequence[TensorInfo]) -> Outcome:
    """InputLayer: ``shape`` (or Keras 2's ``input_shape``) or ``batch_shape`` minus the batch size."""
    shape = input_shape_of(args)
    return Outcome((TensorInfo(shape, spatial_identity(shape)),))


def input_shape_of(args: Args) -> Shape:
    for name, skip in (("shape", 0), ("input_shape", 0), ("batch_shape", 1), ("batch_input_shape", 1)):
        if args.given(name) and args.raw(name) is not None:
            return as_shape(args.cls, args.raw(name), skip)
    raise KerasError(f"{args.cls} needs a shape, e.g. shape=(32, 32, 3)")


def as_shape(cls: str, value: Any, skip: int = 0) -> Shape:
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, tuple | list) or not all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0) for v in value
    ):
        raise KerasError(f"{cls}: a shape must be a tuple of positive ints or None, got {value!r}")
    return tuple(value[skip:])


def spatial_identity(shape: Shape) -> Field | None:
    """Receptive field of an input: one pixel per spatial axis (all but the channel axis)."""
    return receptive.identity(len(shape) - 1) if len(shape) >= 2 else None


# ---------------------------------------------------------------- the table


def _w(words: str) -> tuple[str, ...]:
    return tuple(words.split())


_CONV_EXTRA = frozenset(
    _w(
        "activation kernel_initializer bias_initializer kernel_regularizer bias_regularizer "
        "kernel_constraint bias_constraint lora_rank lora_alpha dora_rank dora_alpha quantization_config"
    )
)
_DEPTHWISE_EXTRA = frozenset(
    _w(
        "activation depthwise_initializer pointwise_initializer bias_initializer depthwise_regularizer "
        "pointwise_regularizer bias_regularizer depthwise_constraint pointwise_constraint bias_constraint"
    )
)
_RNN_EXTRA = frozenset(
    _w(
        "activation recurrent_activation kernel_initializer recurrent_initializer bias_initializer "
        "unit_forget_bias kernel_regularizer recurrent_regularizer bias_regularizer kernel_constraint "
        "recurrent_constraint bias_constraint dropout recurrent_dropout seed go_backwards stateful unroll "
        "use_cudnn"
    )
)
_NORM_EXTRA = frozenset(
    _w(
        "momentum epsilon beta_initializer gamma_initializer moving_mean_initializer "
        "moving_variance_initializer beta_regularizer gamma_regularizer beta_constraint gamma_constraint "
        "synchronized"
    )
)
_CONV_ARGS = _w("filters kernel_size strides padding data_format dilation_rate groups activation use_bias")
_TRANSPOSE_ARGS = _w(
    "filters kernel_size strides padding output_padding data_format dilation_rate activation use_bias"
)
_DEPTHWISE_ARGS = _w(
    "kernel_size strides padding depth_multiplier data_format dilation_rate activation use_bias"
)
_SEPARABLE_ARGS = _w(
    "filters kernel_size strides padding data_format dilation_rate depth_multiplier activation use_bias"
)


def _spatial_kinds(rank: int) -> list[LayerKind]:
    """Convolution, pooling and resizing layers of one rank (1D, 2D, 3D), with Keras 3 defaults."""
    ones: Any = {1: 1, 2: (1, 1), 3: (1, 1, 1)}[rank]
    twos: Any = {1: 2, 2: (2, 2), 3: (2, 2, 2)}[rank]
    conv = {"filters": REQUIRED, "kernel_size": REQUIRED, "strides": ones, "padding": "valid"}
    conv |= {"data_format": None, "dilation_rate": ones, "groups": 1, "use_bias": True}
    transpose = {k: v for k, v in conv.items() if k != "groups"} | {"output_padding": None}
    pool = {"pool_size": twos, "strides": None, "padding": "valid", "data_format": None}
    up: dict[str, Any] = {"size": twos} | ({"data_format": None} if rank > 1 else {})
    up |= {"interpolation": "nearest"} if rank == 2 else {}
    pad: Any = {1: 1, 2: (1, 1), 3: ((1, 1), (1, 1), (1, 1))}[rank]
    crop: Any = {1: (1, 1), 2: ((0, 0), (0, 0)), 3: ((1, 1), (1, 1), (1, 1))}[rank]
    drop = {"rate": REQUIRED, "seed": None} | ({"data_format": None} if rank > 1 else {})
    glob = {"data_format": None, "keepdims": False}
    d = f"{rank}D"
    return [
        LayerKind(f"Conv{d}", _CONV_ARGS, conv, _conv(rank), extra=_CONV_EXTRA),
        LayerKind(f"Conv{d}Transpose", _TRANSPOSE_ARGS, transpose, _conv_transpose(rank), extra=_CONV_EXTRA),
        LayerKind(f"MaxPooling{d}", tuple(pool), pool, _pooling(rank, "max")),
        LayerKind(f"AveragePooling{d}", tuple(pool), pool, _pooling(rank, "average")),
        LayerKind(f"GlobalAveragePooling{d}", tuple(glob), glob, _global_pooling(rank)),
        LayerKind(f"GlobalMaxPooling{d}", tuple(glob), glob, _global_pooling(rank)),
        LayerKind(f"UpSampling{d}", tuple(up), up, _upsampling(rank)),
        LayerKind(
            f"ZeroPadding{d}",
            ("padding", "data_format"),
            {"padding": pad, "data_format": None},
            _zero_padding(rank),
        ),
        LayerKind(
            f"Cropping{d}",
            ("cropping", "data_format"),
            {"cropping": crop, "data_format": None},
            _cropping(rank),
        ),
        LayerKind(f"SpatialDropout{d}", tuple(drop), drop, _spatial_dropout(rank)),
    ]


def _depthwise_kinds(rank: int) -> list[LayerKind]:
    ones: Any = {1: 1, 2: (1, 1)}[rank]
    dw = {"kernel_size": REQUIRED, "strides": ones, "padding": "valid", "depth_multiplier": 1}
    dw |= {"data_format": None, "dilation_rate": ones, "use_bias": True}
    no_pointwise = _DEPTHWISE_EXTRA - {
        "pointwise_initializer",
        "pointwise_regularizer",
        "pointwise_constraint",
    }
    return [
        LayerKind(f"DepthwiseConv{rank}D", _DEPTHWISE_ARGS, dw, _depthwise(rank), extra=no_pointwise),
        LayerKind(
            f"SeparableConv{rank}D",
            _SEPARABLE_ARGS,
            {"filters": REQUIRED} | dw,
            _separable(rank),
            extra=_DEPTHWISE_EXTRA,
        ),
    ]


def _other_kinds() -> list[LayerKind]:
    rnn = {"units": REQUIRED, "use_bias": True, "return_sequences": False, "return_state": False}
    rnn_args = _w("units activation recurrent_activation use_bias")
    norm = {"axis": -1, "center": True, "scale": True}
    embedding_extra = _w(
        "embeddings_initializer embeddings_regularizer embeddings_constraint mask_zero weights lora_rank "
        "lora_alpha input_length quantization_config"
    )
    return [
        LayerKind(
            "Dense",
            _w("units activation use_bias"),
            {"units": REQUIRED, "use_bias": True},
            _dense,
            extra=_CONV_EXTRA,
        ),
        LayerKind("Flatten", ("data_format",), {"data_format": None}, _flatten),
        LayerKind("Reshape", ("target_shape",), {"target_shape": REQUIRED}, _reshape),
        LayerKind(
            "Dropout",
            _w("rate noise_shape seed"),
            {"rate": REQUIRED, "noise_shape": None, "seed": None},
            _dropout,
        ),
        LayerKind("Activation", ("activation",), {"activation": REQUIRED}, _passthrough),
        LayerKind(
            "ReLU",
            _w("max_value negative_slope threshold"),
            {"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
            _passthrough,
        ),
        LayerKind(
            "LeakyReLU",
            ("negative_slope",),
            {"negative_slope": 0.3},
            _passthrough,
            extra=frozenset({"alpha"}),
        ),
        LayerKind("Softmax", ("axis",), {"axis": -1}, _passthrough),
        LayerKind("ELU", ("alpha",), {"alpha": 1.0}, _passthrough),
        LayerKind(
            "PReLU",
            _w("alpha_initializer alpha_regularizer alpha_constraint shared_axes"),
            {"shared_axes": None},
            _prelu,
            extra=frozenset(_w("alpha_initializer alpha_regularizer alpha_constraint")),
        ),
        LayerKind("Rescaling", ("scale", "offset"), {"scale": REQUIRED, "offset": 0.0}, _rescaling),
        LayerKind(
            "Normalization",
            _w("axis mean variance invert"),
            {"axis": -1, "mean": None, "variance": None, "invert": False},
            _normalization,
        ),
        LayerKind(
            "Dot", ("axes", "normalize"), {"axes": REQUIRED, "normalize": False}, _dot, many_inputs=True
        ),
        LayerKind("TimeDistributed", ("layer",), {"layer": REQUIRED}, _time_distributed),
        *(
            LayerKind(cls, _w(words), {}, _passthrough, lenient=True)
            for cls, words in _PASSTHROUGH_LENIENT.items()
        ),
        *(
            LayerKind(
                cls, ("height", "width"), {"height": REQUIRED, "width": REQUIRED}, _resize, lenient=True
            )
            for cls in ("Resizing", "CenterCrop", "RandomCrop")
        ),
        LayerKind(
            "BatchNormalization",
            _w("axis momentum epsilon center scale"),
            norm,
            _batch_norm,
            extra=_NORM_EXTRA,
        ),
        LayerKind(
            "LayerNormalization",
            _w("axis epsilon center scale rms_scaling"),
            norm | {"rms_scaling": False},
            _layer_norm,
            extra=_NORM_EXTRA,
        ),
        LayerKind("Concatenate", ("axis",), {"axis": -1}, _concatenate, many_inputs=True),
        *(
            LayerKind(cls, (), {}, _elementwise, many_inputs=True)
            for cls in _w("Add Subtract Multiply Average Maximum Minimum")
        ),
        LayerKind(
            "Embedding",
            ("input_dim", "output_dim", *embedding_extra[:4]),
            {"input_dim": REQUIRED, "output_dim": REQUIRED},
            _embedding,
            extra=frozenset(embedding_extra),
        ),
        LayerKind(
            "Bidirectional",
            _w("layer merge_mode weights backward_layer"),
            {"layer": REQUIRED, "merge_mode": "concat", "backward_layer": None},
            _bidirectional,
            extra=frozenset({"weights"}),
        ),
        LayerKind(
            "InputLayer",
            _w("shape batch_size dtype sparse ragged batch_shape input_tensor optional name"),
            {"shape": None, "batch_shape": None},
            _input_layer,
            extra=frozenset(_w("batch_size sparse input_tensor optional ragged batch_input_shape")),
        ),
        LayerKind("SimpleRNN", _w("units activation use_bias"), rnn, _rnn("SimpleRNN"), extra=_RNN_EXTRA),
        LayerKind("LSTM", rnn_args, rnn, _rnn("LSTM"), extra=_RNN_EXTRA),
        LayerKind("GRU", rnn_args, rnn | {"reset_after": True}, _rnn("GRU"), extra=_RNN_EXTRA),
    ]


def _kinds() -> dict[str, LayerKind]:
    kinds = [k for rank in (1, 2, 3) for k in _spatial_kinds(rank)]
    kinds += [k for rank in (1, 2) for k in _depthwise_kinds(rank)]
    kinds += _other_kinds()
    return {k.cls: k for k in kinds}


LAYER_KINDS: dict[str, LayerKind] = _kinds()
"""Every analysed Keras layer class by its Keras name."""

ALIASES = {
    **{f"MaxPool{r}D": f"MaxPooling{r}D" for r in (1, 2, 3)},
    **{f"AvgPool{r}D": f"AveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{r}D": f"GlobalAveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{r}D": f"GlobalMaxPooling{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}D": f"Conv{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}DTranspose": f"Conv{r}DTranspose" for r in (1, 2, 3)},
    **{f"SeparableConvolution{r}D": f"SeparableConv{r}D" for r in (1, 2)},
}
"""Other names Keras exports for the same classes (Keras reports the real class)."""


def layer_kind(name: str) -> LayerKind | None:
    """The layer class a (possibly aliased) Keras name refers to."""
    return LAYER_KINDS.get(ALIASES.get(name, name))


def suggest(kind: LayerKind, name: str) -> str | None:
    """The argument a misspelled keyword most likely meant."""
    if name in KWARG_ALIASES and kind.accepts(KWARG_ALIASES[name]):
        return KWARG_ALIASES[name]
    known = sorted({*kind.defaults, *kind.extra, *BASE_KWARGS})
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return close[0] if close else None


def bind(kind: LayerKind, positional: Sequence[Any], keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Match call arguments to the signature; raise :class:`KerasError` like Python/Keras would."""
    if len(positional) > len(kind.positional) and not kind.lenient:
        # Keras' signatures take more arguments by position than notedeck reads (Dense's 12th is
        # quantization_config), and they grow between versions: not followed rather than refused.
        raise NotAnalysed(
            f"{kind.cls}() with {len(positional)} positional arguments "
            f"(notedeck reads {len(kind.positional)})"
        )
    values = dict(zip(kind.positional, positional, strict=False))
    for name, value in keywords.items():
        if name in values:
            raise KerasError(f"{kind.cls}() got multiple values for argument '{name}'")
        if not kind.accepts(name):
            hint = suggest(kind, name)
            raise UnknownArgument(kind.cls, name, hint)
        if name in _CHANGES_WEIGHTS and value is not None:
            raise NotAnalysed(
                f"{kind.cls}({name}=...): the layer's weights change, which notedeck does not count"
            )
        values[name] = value
    return values


_CHANGES_WEIGHTS = frozenset({"lora_rank", "dora_rank", "quantization_config"})
"""Keyword arguments that add or replace weights when set (LoRA/DoRA adapters, quantized kernels)."""


class UnknownArgument(KerasError):
    """An unknown keyword argument; carries the likely intended one."""

    def __init__(self, cls: str, name: str, hint: str | None) -> None:
        self.cls, self.name, self.hint = cls, name, hint
        did = f" (did you mean {hint}=?)" if hint else ""
        super().__init__(f"{cls}() got an unknown argument '{name}'{did}")
