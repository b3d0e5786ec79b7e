"""A small deck with one card of every kind, shared by the preview tests."""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

NOTES = r"""# Basics

## What is the softmax of $z_i$?

$$\sigma(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$$

It turns scores into probabilities, each $p \in [0, 1]$.

## What does this picture show?

![a red dot](dot.png)

A red dot, not <img src="https://example.org/remote.png" alt="a remote picture">.

## Which symbol is this: $\notacommand{x}$?

A broken formula.

## Is this question answered?

# Models

Which layers have parameters?

- ☐ MaxPooling2D
- ☒ Conv2D
- ☒ Dense

# Exercises

## Exercise 1

```python
model = tf.keras.Sequential([
    tf.keras.layers.Input(shape=(32, 32, 3)),
    tf.keras.layers.Conv2D(16, 5),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10),
])
```

What does the model output for one image?

Ten scores, one per class.
"""
"""Question lines: softmax 3, picture 9, bad formula 15, no answer 19, MCQ 23, model 34, exercise 42."""


def red_png(size: int = 4) -> bytes:
    """A tiny valid PNG, made here rather than committed."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def write_preview_deck(folder: Path) -> Path:
    """``folder/decks/deck.yaml`` with ``notes/notes.md`` and its image; returns the deck file."""
    notes = folder / "decks" / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    (notes / "notes.md").write_text(NOTES, encoding="utf-8")
    (notes / "dot.png").write_bytes(red_png())
    deck = folder / "decks" / "deck.yaml"
    deck.write_text("name: Preview\nid: 1732615200777\nnotes: [notes/notes.md]\n", encoding="utf-8")
    return deck


@dataclass
class Watched:
    """A ``notedeck preview --watch`` process: its address, then how it stopped."""

    url: str = ""
    out: str = ""
    err: str = ""
    returncode: int | None = None


@contextmanager
def watch_server(*args: str, cwd: Path | None = None) -> Iterator[Watched]:
    """Run ``notedeck preview ARGS --watch`` in its own process until the block ends, then Ctrl-C it."""
    server = subprocess.Popen(
        [sys.executable, "-m", "exporter", "preview", *args, "--watch"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watched = Watched()
    try:
        line = server.stdout.readline()  # type: ignore[union-attr]
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        watched.url = url.group(0)
        yield watched
    finally:
        server.send_signal(signal.SIGINT)
        watched.out, watched.err = server.communicate(timeout=20)
        watched.returncode = server.returncode
