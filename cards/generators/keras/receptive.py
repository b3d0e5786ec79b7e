"""Exact receptive fields by index arithmetic: which input pixels each unit of a layer sees.

Per spatial axis a layer's field is two integer sequences over its units:
``lo(o)`` and ``hi(o)``, the first and last input pixel unit ``o`` depends on
(coordinates may run into the padding; borders are ignored, as in the usual
definition). Every layer maps its units to input units by ``o·s + t`` (a
convolution or pooling window), ``⌊(o + b)/s⌋`` (upsampling, transposed
convolutions) or a shift (padding, cropping), so both sequences stay
*quasi-affine*: after a period ``P`` they repeat, shifted by ``D``. A
:class:`Seq` stores one period, so the arithmetic is exact and cheap.

The size reported for a layer is the largest field of any of its units; the
jump is the average distance between neighbouring units' fields, ``D/P``
(fractional after upsampling, where it truly is). For chains of ordinary
convolutions and pooling this is the textbook ``r_out = r_in + (k − 1)·j_in``.
After a transposed convolution with kernel ``k`` and stride ``s`` an output
unit sees at most ``⌈k/s⌉`` input units: with ``k = 2, s = 2`` exactly one,
so the field does not grow there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

MAX_PERIOD = 4_096
"""Beyond this period the field is not worked out (no real network comes near it)."""


@dataclass(frozen=True)
class Seq:
    """An integer sequence with ``f(o + period) = f(o) + shift``, stored by its first period."""

    period: int
    shift: int
    values: tuple[int, ...]

    def at(self, o: int) -> int:
        q, r = divmod(o, self.period)
        return self.values[r] + self.shift * q

    def affine(self, a: int, b: int) -> Seq | None:
        """``o ↦ f(a·o + b)`` for a stride ``a ≥ 1``."""
        g = math.gcd(a, self.period)
        period = self.period // g
        return _make(period, self.shift * (a // g), [self.at(a * o + b) for o in range(period)])

    def divided(self, s: int, b: int) -> Seq | None:
        """``o ↦ f(⌊(o + b)/s⌋)``: ``s`` consecutive units share one input unit."""
        period = self.period * s
        if period > MAX_PERIOD:
            return None
        return _make(period, self.shift, [self.at((o + b) // s) for o in range(period)])

    def combine(self, other: Seq, pick: Callable[[int, int], int]) -> Seq | None:
        """Unit by unit ``pick`` (min or max) of two sequences that advance at the same rate."""
        period = math.lcm(self.period, other.period)
        if period > MAX_PERIOD:
            return None
        a, b = self.shift * (period // self.period), other.shift * (period // other.period)
        if a != b:
            return None
        return _make(period, a, [pick(self.at(o), other.at(o)) for o in range(period)])


def _make(period: int, shift: int, values: list[int]) -> Seq | None:
    """The sequence with its shortest period (keeps periods small through long networks)."""
    if period > MAX_PERIOD:
        return None
    for p in range(1, period):
        if period % p:
            continue
        step = values[p] - values[0]
        full = Seq(period, shift, tuple(values))
        if all(full.at(o + p) - full.at(o) == step for o in range(period)):
            return Seq(p, step, tuple(values[:p]))
    return Seq(period, shift, tuple(values))


@dataclass(frozen=True)
class AxisField:
    """The input pixels ``lo(o)…hi(o)`` that unit ``o`` sees along one axis."""

    lo: Seq
    hi: Seq

    @property
    def uniform(self) -> bool:
        """All units see equally many pixels, evenly spaced (the textbook case)."""
        return self.lo.period == 1 and self.hi.period == 1

    @property
    def size(self) -> int:
        period = math.lcm(self.lo.period, self.hi.period)
        return max(self.hi.at(o) - self.lo.at(o) + 1 for o in range(period))

    @property
    def jump(self) -> Fraction:
        return Fraction(self.lo.shift, self.lo.period)


Field = tuple[AxisField, ...]

_ONE = Seq(1, 1, (0,))


def identity(rank: int) -> Field:
    """An input: unit ``o`` is pixel ``o``."""
    return tuple(AxisField(_ONE, _ONE) for _ in range(rank))


def _each(field: Field, step: Callable[[AxisField, int], AxisField | None]) -> Field | None:
    out = []
    for i, axis in enumerate(field):
        new = step(axis, i)
        if new is None:
            return None
        out.append(new)
    return tuple(out)


def window(
    field: Field, kernel: Sequence[int], strides: Sequence[int], dil: Sequence[int], left: Sequence[int]
) -> Field | None:
    """A convolution or pooling window: unit ``o`` reads input units ``o·s − left + t·d``, ``t < k``."""

    def step(axis: AxisField, i: int) -> AxisField | None:
        lo = axis.lo.affine(strides[i], -left[i])
        hi = axis.hi.affine(strides[i], -left[i] + (kernel[i] - 1) * dil[i])
        return None if lo is None or hi is None else AxisField(lo, hi)

    return _each(field, step)


def transposed(
    field: Field, kernel: Sequence[int], strides: Sequence[int], dil: Sequence[int], left: Sequence[int]
) -> Field | None:
    """A transposed convolution: output ``o`` receives input ``i`` when ``o = i·s − left + t·d``.

    Keras refuses strides and dilation both above 1, so either ``d = 1`` (the
    inputs are ``⌈(o + left − k + 1)/s⌉ … ⌊(o + left)/s⌋``) or ``s = 1`` (a plain
    window). A unit that receives no input (kernel smaller than the stride)
    has no field; then the layer gets none.
    """

    def step(axis: AxisField, i: int) -> AxisField | None:
        k, s, d, p = kernel[i], strides[i], dil[i], left[i]
        if s == 1:
            lo, hi = axis.lo.affine(1, p - (k - 1) * d), axis.hi.affine(1, p)
        else:
            lo, hi = axis.lo.divided(s, p - k + 1 + s - 1), axis.hi.divided(s, p)
        if lo is None or hi is None:
            return None
        period = math.lcm(lo.period, hi.period)
        if any(hi.at(o) < lo.at(o) for o in range(period)):
            return None
        return AxisField(lo, hi)

    return _each(field, step)


def upsampled(field: Field, size: Sequence[int]) -> Field | None:
    """Nearest-neighbour upsampling: ``size`` output units repeat one input unit."""

    def step(axis: AxisField, i: int) -> AxisField | None:
        lo, hi = axis.lo.divided(size[i], 0), axis.hi.divided(size[i], 0)
        return None if lo is None or hi is None else AxisField(lo, hi)

    return _each(field, step)


def shifted(field: Field, offsets: Sequence[int]) -> Field | None:
    """Padding (negative offsets) or cropping (positive): unit ``o`` is input unit ``o + offset``."""
    return window(field, [1] * len(field), [1] * len(field), [1] * len(field), [-o for o in offsets])


def merged(fields: Sequence[Field]) -> Field | None:
    """Inputs combined position by position (concatenate, add, …): the union of their fields."""
    if len({len(f) for f in fields}) != 1:
        return None
    out = []
    for axes in zip(*fields, strict=True):
        lo: Seq | None = axes[0].lo
        hi: Seq | None = axes[0].hi
        for axis in axes[1:]:
            lo = None if lo is None else lo.combine(axis.lo, min)
            hi = None if hi is None else hi.combine(axis.hi, max)
        if lo is None or hi is None:
            return None
        out.append(AxisField(lo, hi))
    return tuple(out)


def same_left(length: int | None, k_eff: int, s: int) -> int | None:
    """Left padding of Keras' 'same' (TensorFlow's rule; needs the length unless the stride is 1)."""
    if s == 1:
        return (k_eff - 1) // 2
    if length is None:
        return None
    out = -(-length // s)
    return max((out - 1) * s + k_eff - length, 0) // 2


__all__ = [
    "AxisField",
    "Field",
    "Seq",
    "identity",
    "merged",
    "same_left",
    "shifted",
    "transposed",
    "upsampled",
    "window",
]
