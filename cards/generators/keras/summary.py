"""Analysed models as data (the ``exercises --json`` interface) and as a ``model.summary()``-like table."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from cards.generators.keras.extract import LayerReport, ModelReport
from cards.generators.keras.layers import RF, num, shape_text


def model_dict(model: ModelReport, source: str) -> dict[str, Any]:
    """One model as the documented JSON object (shapes without the batch dimension)."""
    return {
        "source": f"{source}:{model.line}",
        "total_params": model.total,
        "trainable_params": model.trainable,
        "non_trainable_params": model.non_trainable,
        "layers": [layer_dict(layer) for layer in model.layers],
    }


def layer_dict(layer: LayerReport) -> dict[str, Any]:
    return {
        "name": layer.name,
        "class": layer.cls,
        "output_shape": list(layer.output_shape),
        "params": layer.params,
        "trainable_params": layer.trainable,
        "non_trainable_params": layer.non_trainable,
        "receptive_field": rf_dict(layer.rf),
    }


def rf_dict(rf: RF | None) -> dict[str, list[int | float]] | None:
    if rf is None:
        return None
    return {"size": [_number(r) for r, _ in rf], "jump": [_number(j) for _, j in rf]}


def _number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def summary_text(model: ModelReport, source: str) -> str:
    """A readable table in the style of Keras' ``model.summary()``, plus receptive fields."""
    rows = [("Layer (type)", "Output Shape", "Param #", "Receptive field")]
    for layer in model.layers:
        rf = "" if layer.rf is None else "×".join(num(r) for r, _ in layer.rf)
        shapes = " ".join(shape_text(s) for s in layer.output_shapes)
        rows.append((f"{layer.name} ({layer.cls})", shapes, num(layer.params), rf))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [f'{source}:{model.line}: model "{model.name}" ({model.kind})']
    lines += [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.append(
        f"Total params: {num(model.total)} (trainable {num(model.trainable)}, "
        f"non-trainable {num(model.non_trainable)})"
    )
    return "\n".join(lines)


__all__ = ["layer_dict", "model_dict", "rf_dict", "summary_text"]
