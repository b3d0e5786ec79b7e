"""Bad deck files (every broken-YAML case in one table), conflicting decks and unusable
output folders: exit code and exact message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.anki_engine import collection, import_package
from tests.cli_support import NOTES, build_usage_error, write_deck


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "name: D\nid: 1\nnotes: [notes.md]\ncolour: red\n",
            "{deck}: colour: unknown key — use one of: "
            "exclude_tags, exercises, id, include_tags, name, notes, reading, subdecks, tag_root, tags",
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
        (
            "name: D\nid: 1\nname: E\nnotes: [notes.md]\n",
            "{deck}:3: YAML syntax error: duplicate key 'name' — fix the YAML syntax",
        ),
        (
            "name: 5\nid: 1\nnotes: [notes.md]\n",
            "{deck}: name: expected a string, got an integer — fix the value",
        ),
        (
            "name: D\nid: true\nnotes: [notes.md]\n",
            "{deck}: id: expected an integer, got true/false — fix the value",
        ),
        (
            "name: D\nid: -4\nnotes: [notes.md]\n",
            "{deck}: id: expected a positive integer — pick a fixed number, e.g. 1700000000001",
        ),
        ("name: D\nid: 1\n", "{deck}: notes: missing required key — add 'notes:' to the deck file"),
        (
            "name: D\nid: 1\nnotes:\n",
            "{deck}: notes: expected a list of strings — write one item per line as '- item'",
        ),
        (
            "name: D\nid: 1\nnotes: [notes.md]\ntags: {a: 1}\n",
            "{deck}: tags: expected a list of strings — write one item per line as '- item'",
        ),
        (
            "name: D\nid: 1\nnotes: [notes.md]\nsubdecks: yes\n",
            "{deck}: subdecks: expected one of none, chapter, got True — fix the value",
        ),
        (
            'name: "A\\tB"\nid: 1\nnotes: [notes.md]\n',
            "{deck}: name: control character U+0009 in the deck name — "
            "remove it (Anki would drop it and rename the deck)",
        ),
        (
            "name: 'A::::B'\nid: 1\nnotes: [notes.md]\n",
            "{deck}: name: empty deck name — give the deck a name, e.g. 'ANNDL'",
        ),
        ("", "{deck}: a deck file must be a YAML mapping — see the README's deck reference"),
        (
            "name: D\nid: 1\nnotes: [notes.md]\n\tsubdecks: chapter\n",
            "{deck}:4: YAML syntax error: found character '\\t' that cannot start any token — "
            "fix the YAML syntax",
        ),
    ],
    ids=[
        "unknown-key",
        "name-missing",
        "id-type",
        "notes-empty-list",
        "notes-glob-no-match",
        "yaml-syntax",
        "not-a-mapping",
        "duplicate-key",
        "name-type",
        "id-bool",
        "id-negative",
        "notes-missing",
        "notes-empty",
        "tags-type",
        "subdecks-value",
        "name-control",
        "name-empty-part",
        "empty-file",
        "tab-indent",
    ],
)
def test_broken_deck_file_is_a_usage_error(tmp_path: Path, yaml_text: str, message: str) -> None:
    deck = write_deck(tmp_path, yaml_text)
    assert build_usage_error(deck, tmp_path / "out") == f"Error: {message.format(deck=deck)}\n"


def test_deck_name_blanks_around_separators_are_dropped_like_anki_does(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: ' Course ::  Part one '\nid: 3\nnotes: [notes.md]\n")
    code, output = run("build", deck, "--out", tmp_path / "out")
    assert code == 0, output
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "deck.apkg")
        names = {d.name for d in col.decks.all_names_and_ids()}
    assert "Course::Part one" in names


def test_two_decks_with_one_id_are_refused_before_any_output(tmp_path: Path) -> None:
    first = write_deck(tmp_path / "a", "name: A\nid: 42\nnotes: [notes.md]\n", "first.yaml")
    second = write_deck(tmp_path / "b", "name: B\nid: 42\nnotes: [notes.md]\n", "second.yaml")
    code, output = run("build", first, second, "--out", tmp_path / "out")
    assert (code, output) == (
        2,
        f"Error: {second}: id: 42 is also the id of {first} — give every deck its own id\n",
    )
    assert not (tmp_path / "out").exists()


def test_two_decks_writing_one_package_are_refused(tmp_path: Path) -> None:
    first = write_deck(tmp_path / "a", "name: A\nid: 1\nnotes: [notes.md]\n")
    second = write_deck(tmp_path / "b", "name: B\nid: 2\nnotes: [notes.md]\n")
    code, output = run("build", first, second, "--out", tmp_path / "out")
    assert (code, output) == (
        2,
        f"Error: {second}: would write deck.apkg, like {first} — rename one of the two files\n",
    )
    assert not (tmp_path / "out").exists()


def test_the_same_deck_given_twice_is_built_once(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\n")
    code, output = run("build", deck, deck, "--out", tmp_path / "out")
    assert code == 0, output
    assert output.count("deck.apkg: 1 cards") == 1


def test_output_path_that_is_a_folder(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\n")
    (tmp_path / "out" / "deck.apkg").mkdir(parents=True)
    code, output = run("build", deck, "--out", tmp_path / "out")
    target = tmp_path / "out" / "deck.apkg"
    assert (code, output) == (
        1,
        f"Error: {target}: is a folder, not a package file — "
        "remove the folder or choose another --out folder\n",
    )
    assert os.listdir(target) == []


@pytest.mark.parametrize("out", ["out", "out/sub"])
def test_output_folder_that_is_a_file(tmp_path: Path, out: str) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\n")
    (tmp_path / "out").write_text("not a folder")
    code, output = run("build", deck, "--out", tmp_path / out)
    assert (code, output) == (
        1,
        f"Error: {tmp_path / 'out'}: is a file, not a folder — "
        "choose another --out folder or move the file\n",
    )
    assert (tmp_path / "out").read_text() == "not a folder"


def test_unwritable_output_folder(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\n")
    out = _unwritable_folder(tmp_path / "locked")
    code, output = run("build", deck, "--out", out)
    assert (code, output) == (
        1,
        f"Error: {out / 'deck.apkg'}: cannot write the package (Permission denied) — "
        "choose another --out folder or fix its permissions\n",
    )


def _unwritable_folder(folder: Path) -> Path:
    """A folder this process cannot create files in (root ignores permissions)."""
    folder.mkdir()
    folder.chmod(0o555)
    for candidate in (folder, Path("/sys/kernel")):
        try:
            (candidate / ".probe").touch()
        except OSError:
            return candidate
        (candidate / ".probe").unlink()
    pytest.skip("no unwritable folder available (running as root without /sys)")


def test_a_bug_is_reported_without_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import cards.parse

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cards.parse, "parse_document", broken)
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\n")
    code, output = run("build", deck, "--out", tmp_path / "out")
    assert (code, output) == (
        1,
        "Error: internal error: RuntimeError: boom — please report it with the notes that caused it "
        "(NOTEDECK_DEBUG=1 shows the traceback)\n",
    )
    monkeypatch.setenv("NOTEDECK_DEBUG", "1")
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path / "out")])
    assert isinstance(result.exception, RuntimeError)


def test_a_notes_file_name_with_glob_characters_is_taken_literally(tmp_path: Path) -> None:
    notes = tmp_path / "notes [draft].md"
    notes.write_text(NOTES, encoding="utf-8")
    (tmp_path / "notes d.md").write_text("## Not this one?\n\nNo.\n", encoding="utf-8")
    code, output = run("list", notes)
    assert code == 0, output
    assert "What is a test?" in output and "Not this one" not in output


def test_yaml_aliases_are_refused_so_a_tiny_file_cannot_expand_to_gigabytes(tmp_path: Path) -> None:
    laughs = "".join(f"  - &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 12))
    deck = write_deck(tmp_path, f"name: D\nid: 1\nnotes: [notes.md]\nsubdecks:\n  - &l0 [lol, lol]\n{laughs}")
    code, output = run("build", deck, "--out", tmp_path / "out")
    assert (code, output) == (
        2,
        f"Error: {deck}:6: YAML syntax error: aliases (*name) are not allowed in deck files — "
        "fix the YAML syntax\n",
    )


def test_a_huge_wrong_value_is_shown_shortened(tmp_path: Path) -> None:
    deck = write_deck(tmp_path, "name: D\nid: 1\nnotes: [notes.md]\nsubdecks: [" + "x, " * 100_000 + "x]\n")
    code, output = run("build", deck, "--out", tmp_path / "out")
    assert (code, output) == (
        2,
        f"Error: {deck}: subdecks: expected one of none, chapter, got ['x', 'x', 'x', 'x', 'x', 'x', ...] "
        "— fix the value\n",
    )
