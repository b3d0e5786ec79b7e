"""Arithmetic that evaluates and prints itself: ``16·(5·5·3 + 1) = 1,216`` written once.

A card shows how a number follows from the layer's arguments. Computing the
number and writing its formula separately lets the two drift apart (a kernel
read as ``k`` in one and ``k_eff`` in the other); an :class:`Expr` is both,
so each formula in :mod:`.layers` is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

_SUM, _PRODUCT, _ATOM = 1, 2, 3


@dataclass(frozen=True)
class Expr:
    """A value with the formula that gives it."""

    value: int
    text: str
    level: int = _ATOM
    """How tightly the text binds: a sum needs brackets inside a product, an atom never."""

    def __add__(self, other: Expr | int) -> Expr:
        o = lit(other)
        return Expr(self.value + o.value, f"{self.text} + {o.text}", _SUM)

    def __sub__(self, other: Expr | int) -> Expr:
        o = lit(other)
        return Expr(self.value - o.value, f"{self.text} − {o.wrapped(_PRODUCT)}", _SUM)

    def __mul__(self, other: Expr | int) -> Expr:
        o = lit(other)
        return Expr(self.value * o.value, f"{self.wrapped(_PRODUCT)}·{o.wrapped(_PRODUCT)}", _PRODUCT)

    def floor_div(self, other: Expr | int) -> Expr:
        o = lit(other)
        return Expr(self.value // o.value, f"⌊{self.wrapped(_ATOM)}/{o.wrapped(_ATOM)}⌋")

    def ceil_div(self, other: Expr | int) -> Expr:
        o = lit(other)
        return Expr(-(-self.value // o.value), f"⌈{self.wrapped(_ATOM)}/{o.wrapped(_ATOM)}⌉")

    def labelled(self, label: str) -> Expr:
        """``5·5·3 (depthwise)``: a term named in the formula (it is then never multiplied further)."""
        return Expr(self.value, f"{self.text} ({label})", _SUM)

    def wrapped(self, level: int) -> str:
        return f"({self.text})" if self.level < level else self.text

    def shown(self, *, thousands: bool = True) -> str:
        """``text = value``; parameter counts get thousands separators, sizes do not."""
        return f"{self.text} = {self.value:,}" if thousands else f"{self.text} = {self.value}"


def lit(value: Expr | int) -> Expr:
    """A number as it appears in a formula."""
    return value if isinstance(value, Expr) else Expr(value, str(value))


def product(*factors: int) -> Expr:
    """``5·5·3``: the factors as written, multiplied."""
    result = lit(factors[0])
    for f in factors[1:]:
        result = result * f
    return result


def count(value: int) -> Expr:
    """A parameter count used as a term, printed as the totals are (``6,352``)."""
    return Expr(value, f"{value:,}")


def largest(a: Expr | int, b: Expr | int) -> Expr:
    """``max(a, b)``."""
    x, y = lit(a), lit(b)
    return Expr(max(x.value, y.value), f"max({x.text}, {y.text})")


__all__ = ["Expr", "count", "largest", "lit", "product"]
