#!/usr/bin/env python3
"""Coverage-guided fuzzing of the notes pipeline with atheris (libFuzzer for Python).

The hypothesis tests in tests/test_fuzz.py run on every ``pytest``; this harness
is for long runs that search for inputs those miss. Bytes go through the same
steps as a build, short of packaging: decode and clean the text, parse it,
sanitise every card. Any exception other than a clean "not UTF-8 / binary"
refusal is a bug, and libFuzzer saves the input as ``crash-*``.

    pip install atheris
    python fuzz/parse_fuzz.py -max_total_time=300 -max_len=4096 fuzz/corpus
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    from cards.parse import parse_document
    from cards.sanitize import clean_card
    from cards.text import clean_notes_text


def one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # refused with a clean error by exporter.build.load_notes
    text, _ = clean_notes_text(text, source="fuzz.md")
    result = parse_document(text, source="fuzz.md", deck="D")
    for card in result.cards:
        clean_card(card)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
