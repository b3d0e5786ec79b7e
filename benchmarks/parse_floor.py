#!/usr/bin/env python3
"""The parse-only floor: what markdown-it-py alone costs on the benchmark's notes.

One process that reads the notes and parses them with markdown-it-py as the
benchmark's peers would need to (CommonMark + tables + dollar math), the text
cut into one part per core before ``##`` headings and the parts parsed in
forked processes, interpreter start included. No card is made, nothing is
written. ``benchmarks/run.py`` times it like every other case, so each
notedeck build can be put next to it: everything above this floor is
notedeck's own work.

    python benchmarks/parse_floor.py NOTES.md [MORE.md …]
"""

from __future__ import annotations

import gc
import os
import sys
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table").use(dollarmath_plugin)


def parts(texts: list[str], cores: int) -> list[str]:
    """The texts in ``cores`` parts of about equal size, cut only before ``##`` headings."""
    whole = "\n".join(texts)
    size = -(-len(whole) // cores)
    cuts, at = [], 0
    while len(cuts) < cores - 1:
        cut = whole.find("\n## ", at + size)
        if cut < 0:
            break
        cuts.append(cut + 1)
        at = cut + 1
    bounds = [0, *cuts, len(whole)]
    return [whole[a:b] for a, b in pairwise(bounds)]


def parse(text: str) -> int:
    return len(parser().parse(text))


def main() -> None:
    gc.disable()  # as notedeck's CLI does: markdown-it's tokens make no cycles
    texts = [Path(name).read_text(encoding="utf-8") for name in sys.argv[1:]]
    pieces = parts(texts, len(os.sched_getaffinity(0)))
    if len(pieces) == 1:
        tokens = parse(pieces[0])
    else:
        with get_context("fork").Pool(len(pieces) - 1) as pool:
            others = pool.map_async(parse, pieces[1:])
            tokens = parse(pieces[0]) + sum(others.get())
    print(f"{tokens} tokens in {len(pieces)} parts")


if __name__ == "__main__":
    main()
