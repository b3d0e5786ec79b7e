"""Pathological notes build, with a warning where content was odd, and never hit recursion limits.

Time and memory on these inputs are measured by benchmarks/hostile_input.py;
here each input is sized to run in well under a second but far beyond any
recursion limit (Python's is 1,000 frames).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.anki_engine import collection, import_package, note_by_question


def build(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    notes = tmp_path / "notes.md"
    notes.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return notes, result.stderr.splitlines()


def answer(tmp_path: Path, question: str) -> str:
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "notes.apkg")
        return str(note_by_question(col, question)["Answer"])


def test_unclosed_code_fence_warns(tmp_path: Path) -> None:
    notes, warnings = build(
        tmp_path, "## What is this?\n\nCode:\n\n```python\nx = 1\n\n## Is this a question?\n\nNo.\n"
    )
    assert warnings == [
        f"{notes}:5: code block opened with '```' is never closed, so everything after it is code — "
        "add a closing '```' line"
    ]
    assert "Is this a question?" in answer(tmp_path, "What is this?")


def test_unclosed_dollar_warns(tmp_path: Path) -> None:
    notes, warnings = build(tmp_path, "## What is the slope?\n\nIt is $x^2 and more.\n")
    assert any(w.startswith(f"{notes}:3: ") and "never closed" in w for w in warnings), warnings


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (">" * 10_000 + " deep\n", 3),
        ("- " * 10_000 + "deep\n", 3),
        ("".join("  " * i + "- level\n" for i in range(1_200)), 12),
        ("1. " * 5_000 + "deep\n", 3),
    ],
    ids=["quotes", "inline-lists", "indented-lists", "ordered-lists"],
)
def test_deep_nesting_is_cut_off_with_a_warning(tmp_path: Path, body: str, line: int) -> None:
    assert sys.getrecursionlimit() < 10_000
    notes, warnings = build(tmp_path, f"## How deep?\n\n{body}")
    assert warnings == [
        f"{notes}:{line}: lists or '>' quotes nested over 19 levels deep: the deeper part is left out "
        "— flatten the nesting"
    ]
    assert answer(tmp_path, "How deep?").count("<") > 19


@pytest.mark.parametrize("tag", ["div", "ul><li", "span><div", "blockquote"])
def test_deeply_nested_raw_html_is_shown_as_text(tmp_path: Path, tag: str) -> None:
    notes, warnings = build(tmp_path, "## What is in here?\n\n" + f"<{tag}>" * 50_000 + "x\n")
    assert warnings == [
        f"{notes}:1: HTML nested over 256 levels deep is shown as text — close the tags you open"
    ]
    shown = answer(tmp_path, "What is in here?")
    assert "<" not in shown
    assert shown.count(f"&lt;{tag.split('><')[-1]}&gt;") == 50_000


def test_properly_closed_raw_html_is_not_too_deep(tmp_path: Path) -> None:
    _, warnings = build(tmp_path, "## What is in here?\n\n" + "<div><span>x</span></div>" * 2_000 + "\n")
    assert warnings == []


def test_a_5_mb_single_line_builds(tmp_path: Path) -> None:
    line = "word " * (1024 * 1024)
    _, warnings = build(tmp_path, f"## What is long?\n\nstart {line}end\n")
    assert warnings == []
    text = answer(tmp_path, "What is long?")
    assert text.startswith("<p>start word") and text.endswith("word end</p>")
    assert len(text) > 5 * 1024 * 1024
