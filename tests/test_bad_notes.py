"""Notes files that are not clean UTF-8 text: refused with the byte offset, or cleaned with a warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cards import text as text_module
from cards.text import MAX_CONTROL_WARNINGS, clean_notes_text
from exporter.cli import cli
from tests.anki_engine import collection, import_package, note_by_question


def build(tmp_path: Path, notes: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(tmp_path / "out")])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "## Was ist ein Café?\n\nEin Ort.\n".encode("latin-1"),
            "{notes}:1: not UTF-8 text (byte 0xe9 at offset 18) — save the file as UTF-8",
        ),
        (
            b"## Q?\n\nok\n\n## R?\n\n\x93quoted\x94\n",
            "{notes}:7: not UTF-8 text (byte 0x93 at offset 18) — save the file as UTF-8",
        ),
        (
            "## Q?\n\nA.\n".encode("utf-16"),
            "{notes}: UTF-16 text, not UTF-8 (byte offset 0) — save the file as UTF-8",
        ),
        (
            b"SQLite format 3\x00" + b"\x00\x10\x02\x02" * 200,
            "{notes}: binary data, not text (NUL byte at offset 15) — "
            "list only Markdown notes files in the deck",
        ),
        (
            "## Q?\n\nA.\n".encode("utf-16-le"),
            "{notes}: binary data, not text (NUL byte at offset 1) — "
            "list only Markdown notes files in the deck",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "{notes}:1: not UTF-8 text (byte 0x89 at offset 0) — save the file as UTF-8",
        ),
    ],
    ids=["latin-1", "cp1252-quotes", "utf-16-bom", "sqlite", "utf-16-no-bom", "png"],
)
def test_notes_that_are_not_utf8_text_fail_with_the_offset(tmp_path: Path, data: bytes, message: str) -> None:
    notes = tmp_path / "notes.md"
    notes.write_bytes(data)
    code, stdout, stderr = build(tmp_path, notes)
    assert code == 1
    assert stderr == f"Error: {message.format(notes=notes)}\n"
    assert stdout == ""
    assert not (tmp_path / "out").exists()


def test_bom_crlf_and_control_characters_are_cleaned_with_warnings(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    text = (
        "\ufeff# Chap\r\n\r\n## What is a NUL?\r\n\r\nA zero\x00 byte.\r\n\r\n"
        "## And a form feed?\r\n\r\nPage\x0cbreak\x07.\r\n"
    )
    notes.write_bytes(text.encode("utf-8"))
    code, stdout, stderr = build(tmp_path, notes)
    assert code == 0, stderr
    assert stderr.splitlines() == [
        f"{notes}:1: byte-order mark (BOM) removed — save as UTF-8 without BOM",
        f"{notes}:1: Windows/old Mac line endings (CR) converted to LF — this is harmless",
        f"{notes}:5: control character U+0000 removed — they are invisible debris, e.g. from a PDF copy",
        f"{notes}:9: control characters U+000C, U+0007 removed — "
        "they are invisible debris, e.g. from a PDF copy",
    ]
    assert "2 cards from 1 file, 4 warnings" in stdout
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "notes.apkg")
        nul = note_by_question(col, "What is a NUL?")
        assert nul["Answer"] == "<p>A zero byte.</p>"
        assert nul.tags == ["notes::Chap"]  # the BOM did not hide the chapter heading
        assert nul["Source"].endswith("notes.md:3")
        assert note_by_question(col, "And a form feed?")["Answer"] == "<p>Page break.</p>"


def test_lone_carriage_returns_keep_line_numbers() -> None:
    text, warnings = clean_notes_text("a\rb\r\nc\n", source="n.md")
    assert text == "a\nb\nc\n"
    assert [w.line for w in warnings] == [1]


def test_control_character_warnings_are_capped() -> None:
    text, warnings = clean_notes_text("x\x01\n" * 50, source="n.md")
    assert text == "x\n" * 50
    assert len(warnings) == MAX_CONTROL_WARNINGS + 1
    assert [w.line for w in warnings[:3]] == [1, 2, 3]
    assert str(warnings[-1]) == (
        f"n.md:{MAX_CONTROL_WARNINGS + 1}: control characters removed on "
        f"{50 - MAX_CONTROL_WARNINGS} more lines — is this file really text?"
    )


def test_clean_text_gets_no_warning() -> None:
    assert clean_notes_text("# Fine\n\ttabbed — ünïcode ✓\n", source="n.md")[1] == ()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2FF, blacklist_categories=())))
def test_the_fast_control_check_agrees_with_the_pattern(text: str) -> None:
    """The byte-level check finds a control character exactly when the regular expression does."""
    assert text_module._has_controls(text) == (text_module._CONTROL.search(text) is not None)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1f", "\x7f", "\x80", "\x9f", "\x85"])
def test_each_kind_of_control_character_is_found_among_other_text(char: str) -> None:
    text = f"Perché α² ±1 °C\t{char}ok\n"
    assert text_module._has_controls(text)
    assert not text_module._has_controls(text.replace(char, ""))
