"""The CLI's contract: exit codes and exact error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.cli_support import build_usage_error, write_deck


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "name: D\nid: 1\nnotes: [notes.md]\ncolour: red\n",
            "{deck}: colour: unknown key — use one of: "
            "exclude_tags, exercises, id, include_tags, name, notes, subdecks, tags",
        ),
        ("id: 1\nnotes: [notes.md]\n", "{deck}: name: missing required key — add 'name:' to the deck file"),
        (
            "name: D\nid: one\nnotes: [notes.md]\n",
            "{deck}: id: expected an integer, got a string — fix the value",
        ),
        (
            "name: D\nid: 1\nnotes: []\n",
            "{deck}: notes: empty list — list at least one Markdown file or glob",
        ),
        (
            "name: D\nid: 1\nnotes: [missing/*.md]\n",
            "{deck}: notes: 'missing/*.md' matches no file — fix the path (it is relative to the deck file)",
        ),
        (
            "name: D\nid: 1\nnotes: [notes.md\n",
            "{deck}:4: YAML syntax error: expected ',' or ']', but got '<stream end>' — fix the YAML syntax",
        ),
        (
            "- just\n- a list\n",
            "{deck}: a deck file must be a YAML mapping — see the README's deck reference",
        ),
    ],
)
def test_broken_deck_yaml_is_a_usage_error(tmp_path: Path, yaml_text: str, message: str) -> None:
    deck = write_deck(tmp_path, yaml_text)
    assert build_usage_error(deck, tmp_path / "out") == f"Error: {message.format(deck=deck)}\n"


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
