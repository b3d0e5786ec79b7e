"""Nothing silent: files without cards, unknown tags and ``check --strict``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from exporter.cli import cli
from tests.cli_support import build_usage_error, write_deck

LECTURE = "".join(f"### Topic {i}\n\nSome prose about topic {i}.\n\n" for i in range(8))
"""Lecture notes: topic headings and prose, no question anywhere (32 lines)."""


def test_a_long_file_without_cards_says_what_was_looked_for(tmp_path: Path) -> None:
    notes = tmp_path / "lecture.md"
    notes.write_text(LECTURE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(notes)])
    assert result.exit_code == 0, result.output
    assert "lecture.md:0: no cards in this file (33 lines)" in result.output
    assert "<!-- card -->" in result.output


def test_a_short_file_without_cards_is_not_warned_about(tmp_path: Path) -> None:
    notes = tmp_path / "short.md"
    notes.write_text("### Topic\n\nProse.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(notes), "--strict"])
    assert result.exit_code == 0, result.output


def test_check_prints_cards_and_conventions_per_file(tmp_path: Path) -> None:
    notes = tmp_path / "qa.md"
    notes.write_text(
        "".join(f"## {i}. What is item {i}?\n\nAnswer {i}.\n\n" for i in range(4)), encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["check", str(notes)])
    assert result.exit_code == 0, result.output
    assert "qa.md: 4 cards; conventions: question headings (level 2)" in result.output


def test_strict_check_fails_on_a_warning(tmp_path: Path) -> None:
    notes = tmp_path / "lecture.md"
    notes.write_text(LECTURE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(notes), "--strict"])
    assert result.exit_code == 1
    assert "Error: 1 warning (--strict)" in result.output


def test_a_tag_that_matches_no_card_is_an_error_listing_the_tags(tmp_path: Path) -> None:
    deck = write_deck(
        tmp_path, "name: D\nid: 7\nnotes: [notes.md]\n", notes="# Chap\n\n## Why?\n\nBecause.\n"
    )
    result = CliRunner().invoke(cli, ["list", str(deck), "--tag", "Nope"])
    assert result.exit_code == 2
    assert "tag 'Nope' matches no card — use one of the deck's tags: D::Chap" in result.output
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out), "--exclude-tag", "Nope"])
    assert result.exit_code == 2 and not out.exists()


def test_a_deck_yaml_tag_filter_that_matches_nothing_is_refused(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 7\nnotes: [notes.md]\ninclude_tags: [Typo]\n")
    assert "tag 'Typo' matches no card" in build_usage_error(deck, tmp_path / "out")
