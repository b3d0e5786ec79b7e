"""Issue 15, item 5: a card's ``file:line`` is relative to the deck file's folder.

So a build gives the same bytes from any working folder, and an upgrade from
the cwd-relative paths of earlier versions keeps every identity and time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from exporter.package import read_apkg
from tests.anki_engine import collection, import_package, note_by_question

NOTES = "# Chap\n\n## What is a test?\n\nA check.\n\n## Why test?\n\nTo know.\n"


@pytest.fixture
def deck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``<tmp>/decks/deck.yaml`` listing ``notes/n.md``; builds at a fixed time, no parse cache."""
    (tmp_path / "decks" / "notes").mkdir(parents=True)
    (tmp_path / "decks" / "notes" / "n.md").write_text(NOTES, encoding="utf-8")
    path = tmp_path / "decks" / "deck.yaml"
    path.write_text("name: D\nid: 7\nnotes: [notes/n.md]\n", encoding="utf-8")
    monkeypatch.setattr("exporter.build.wall_clock", lambda: 1_800_000_000)
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    return path


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_build_gives_the_same_bytes_from_any_working_folder(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _run("build", "decks/deck.yaml", "--out", str(tmp_path / "a"), "--no-lock")
    monkeypatch.chdir(tmp_path / "decks" / "notes")
    _run("build", "../deck.yaml", "--out", str(tmp_path / "b"), "--no-lock")
    a, b = (tmp_path / "a" / "deck.apkg").read_bytes(), (tmp_path / "b" / "deck.apkg").read_bytes()
    assert a == b
    assert [n.source for n in read_apkg(tmp_path / "a" / "deck.apkg")] == ["notes/n.md:3", "notes/n.md:7"]


def test_list_sources_are_relative_to_the_deck_folder(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = json.loads(_run("list", "decks/deck.yaml", "--json"))
    assert [r["source"] for r in rows] == ["notes/n.md:3", "notes/n.md:7"]
    assert _run("list", "decks/deck.yaml").splitlines()[0].startswith("notes/n.md:3 ")


def test_warnings_on_the_terminal_stay_relative_to_the_working_folder(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "decks" / "notes" / "n.md").write_text(NOTES + "\n## Empty?\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = _run("check", "decks/deck.yaml")
    assert out.startswith("decks/notes/n.md:11: "), out


def test_upgrade_from_working_folder_paths_keeps_identities_and_times(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trade-off of item 5: the old Source stays in Anki until the card changes.

    The content hash that moves a note's time leaves Source out, so changing
    every path does not rewrite every note (which would overwrite the
    student's own edits in Anki); GUIDs never depend on the path.
    """
    from exporter.build import display_path

    monkeypatch.chdir(tmp_path)
    with monkeypatch.context() as old:  # what notedeck did before: paths relative to the working folder
        old.setattr("exporter.build.source_name", lambda path, folder: display_path(path))
        _run("build", "decks/deck.yaml", "--out", "old")
    before = read_apkg(tmp_path / "old" / "deck.apkg")
    assert before[0].source == "decks/notes/n.md:3"

    monkeypatch.setattr("exporter.build.wall_clock", lambda: 1_800_000_100)
    _run("build", "decks/deck.yaml", "--out", "new")
    after = read_apkg(tmp_path / "new" / "deck.apkg")
    assert [(n.guid, n.mod) for n in after] == [(n.guid, n.mod) for n in before]
    assert after[0].source == "notes/n.md:3"

    with collection(tmp_path / "col.anki2") as col:
        assert import_package(col, tmp_path / "old" / "deck.apkg")["new"] == 2
        log = import_package(col, tmp_path / "new" / "deck.apkg")
        assert (log["updated"], log["duplicate"]) == (0, 2)
        assert note_by_question(col, "What is a test?")["Source"] == "decks/notes/n.md:3"

        (tmp_path / "decks" / "notes" / "n.md").write_text(NOTES.replace("A check.", "A check!"), "utf-8")
        monkeypatch.setattr("exporter.build.wall_clock", lambda: 1_800_000_200)
        _run("build", "decks/deck.yaml", "--out", "edited")
        log = import_package(col, tmp_path / "edited" / "deck.apkg")
        assert (log["updated"], log["duplicate"]) == (1, 1)
        assert note_by_question(col, "What is a test?")["Source"] == "notes/n.md:3"
        assert note_by_question(col, "Why test?")["Source"] == "decks/notes/n.md:7"


def test_check_counts_each_files_cards_from_any_working_folder(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "decks/deck.yaml"])
    assert result.exit_code == 0, result.output
    assert "decks/notes/n.md: 2 cards; conventions:" in result.stderr
