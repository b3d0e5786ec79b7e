"""The CLI's contract: exit codes and exact error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.cli_support import write_deck


def test_build_prints_summary_line(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 7\nnotes: [notes.md]\n")
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "deck.apkg: 1 cards from 1 file, 0 warnings," in result.output
    assert (tmp_path / "out" / "deck.apkg").is_file()


def test_list_json_has_the_documented_keys(tmp_path: Path) -> None:
    import json

    (tmp_path / "n.md").write_text("# Chap\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["list", str(tmp_path / "n.md"), "--json"])
    assert result.exit_code == 0, result.output
    (card,) = json.loads(result.stdout)
    assert set(card) == {"deck", "front", "back", "tags", "source", "kind", "guid"}
    assert card["source"].endswith("n.md:3")
    assert card["tags"] == ["n::Chap"]


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"`notedeck {command}" in readme


def test_every_deck_in_decks_builds(tmp_path: Path) -> None:
    decks = sorted((Path(__file__).resolve().parent.parent / "decks").glob("*.yaml"))
    assert decks
    for deck in decks:
        result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path), "--no-lock"])
        assert result.exit_code == 0, result.output
        assert (tmp_path / f"{deck.stem}.apkg").stat().st_size > 0


def test_list_table_shows_the_question_not_its_context(tmp_path: Path) -> None:
    notes = tmp_path / "n.md"
    notes.write_text(
        "# Chap\n\n## Exercise 1\n\n```python\nmodel = build_the_model(42)\n```\n\n"
        "What is the output shape?\n\n(None, 10)\n",
        encoding="utf-8",
    )
    table = CliRunner().invoke(cli, ["list", str(notes)])
    assert table.exit_code == 0, table.output
    (line,) = table.stdout.splitlines()
    assert line.split() == ["n.md:9", "basic", "What", "is", "the", "output", "shape?"]
    import json

    as_json = CliRunner().invoke(cli, ["list", str(notes), "--json"])
    (card,) = json.loads(as_json.stdout)
    assert card["front"].startswith('<div class="context">') and "build_the_model" in card["front"]
    assert card["front"].endswith("What is the output shape?")


def test_list_table_keeps_multiple_choice_options_apart(tmp_path: Path) -> None:
    notes = tmp_path / "n.md"
    notes.write_text("Which layers have parameters?\n\n- ☐ Max&Pool\n- ☒ Conv2D\n", encoding="utf-8")
    table = CliRunner().invoke(cli, ["list", str(notes)])
    assert table.exit_code == 0, table.output
    assert table.stdout.rstrip().endswith("multiple-choice Which layers have parameters? ☐ Max&Pool ☐ Conv2D")
