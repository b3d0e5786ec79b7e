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
    python benchmarks/parse_floor.py --render NOTES.md   # parse and render to HTML

``--render`` also renders the whole text to HTML with markdown-it-py's renderer,
as any tool making HTML cards from Markdown with markdown-it-py must: a second
floor, closer to the work of a card.
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
    cuts: list[int] = []
    at = 0
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


def render(text: str) -> int:
    return len(parser().render(text))


def main() -> None:
    gc.disable()  # as notedeck's CLI does: markdown-it's tokens make no cycles
    names = sys.argv[1:]
    work = parse
    if names[:1] == ["--render"]:
        names, work = names[1:], render
    texts = [Path(name).read_text(encoding="utf-8") for name in names]
    pieces = parts(texts, len(os.sched_getaffinity(0)))
    if len(pieces) == 1:
        done = work(pieces[0])
    else:
        with get_context("fork").Pool(len(pieces) - 1) as pool:
            others = pool.map_async(work, pieces[1:])
            done = work(pieces[0]) + sum(others.get())
    unit = "characters of HTML" if work is render else "tokens"
    print(f"{done} {unit} in {len(pieces)} parts")


if __name__ == "__main__":
    main()
