"""The build's progress bar (issue 3): shown on a terminal for long builds, never in pipes or logs."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import exporter.cli
from exporter.cli import cli


def many_files_deck(tmp_path: Path, files: int) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(files):
        (notes / f"part-{i:02d}.md").write_text(f"# Part {i}\n\n## What is {i}?\n\nIt is {i}.\n", "utf-8")
    deck = tmp_path / "deck.yaml"
    deck.write_text("name: Many\nid: 1700000000777\nnotes: [notes/*.md]\n", encoding="utf-8")
    return deck


def build(deck: Path, out: Path) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    return result.stdout, result.stderr


def without_time(stdout: str) -> str:
    return stdout.rsplit(",", 1)[0]  # the summary line ends with the build's seconds


def test_a_long_build_shows_a_bar_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    deck = many_files_deck(tmp_path, exporter.cli.LONG_BUILD_FILES + 1)
    piped_out, piped_err = build(deck, tmp_path / "piped")
    assert piped_err == ""  # not a terminal: stderr is exactly what it was (no warnings here)
    monkeypatch.setattr(exporter.cli, "stderr_is_terminal", lambda: True)
    (tmp_path / "deck.lock.json").unlink()  # the same first build again
    (tmp_path / "piped" / "deck.apkg").unlink()
    tty_out, tty_err = build(deck, tmp_path / "piped")
    assert "Many: reading notes" in tty_err  # click draws the bar itself on a real terminal
    assert without_time(tty_out) == without_time(piped_out)  # the bar goes to stderr only


def test_a_short_build_shows_no_bar_even_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporter.cli, "stderr_is_terminal", lambda: True)
    _, err = build(many_files_deck(tmp_path, 3), tmp_path / "out")
    assert err == ""
