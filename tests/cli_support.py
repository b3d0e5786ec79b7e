"""Small decks on disk and the CLI's usage-error contract, shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from exporter.cli import cli

NOTES = "## What is a test?\n\nA check.\n"
"""One question, one answer: the least a deck needs."""


def write_deck(folder: Path, yaml_text: str, name: str = "deck.yaml", *, notes: str = NOTES) -> Path:
    """``notes.md`` and the deck file ``name`` (text ``yaml_text``) in ``folder``, made if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.md").write_text(notes, encoding="utf-8")
    deck = folder / name
    deck.write_text(yaml_text, encoding="utf-8")
    return deck


def build_usage_error(deck: Path, out: Path) -> str:
    """Build ``deck`` into ``out``, which must be refused as a usage error (exit 2) writing nothing.

    Returns what the command printed, for the test to check the message.
    """
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert not out.exists()
    return result.output
