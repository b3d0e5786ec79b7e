"""Keras exercise cards: parameter counts, output shapes and receptive fields from model code."""

from __future__ import annotations
