"""The lock file: its text form, its round trip, and every way a broken one is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from exporter.lock import Lock, LockEntry, Tombstone, dump_lock, parse_lock, read_lock

ROOT = Path(__file__).resolve().parent.parent
HINT = "run 'notedeck build --reset-lock' to rebuild it from the notes"
LOCK = "decks/anndl.lock.json"


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the seed deck in the working folder, built once (so it has a lock)."""
    shutil.copytree(ROOT / "decks", tmp_path / "decks", ignore=shutil.ignore_patterns("*.lock.json"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    return tmp_path


def sample_lock() -> Lock:
    return Lock(
        deck_id=7,
        note_type_fingerprint="abc",
        note_type_mod=1_700_000_000,
        cards=(
            LockEntry("what is b?", "g2", 1_700_000_002, "h2", 'What is "b"?'),
            LockEntry("what is a?", "g1", 1_700_000_001, "h1", "What is a? ünïcode ∑ \u2028"),
        ),
        removed=(
            Tombstone(
                "gone?", "g3", 1_700_000_005, "D::C", ("D::C", "x"), "n.md:3", "Gone?", "", "<p>A\nB</p>"
            ),
        ),
        deck="D",
    )


def test_dump_is_sorted_one_card_per_line_with_trailing_newline() -> None:
    text = dump_lock(sample_lock())
    lines = text.split("\n")  # not splitlines(): U+2028 in a question is not a line break
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert lines[:5] == [
        "{",
        '"notedeck_lock": 2,',
        '"deck_id": 7,',
        '"deck": "D",',
        '"note_type": {"fingerprint": "abc", "mod": 1700000000},',
    ]
    assert lines[5] == '"cards": ['
    assert lines[6].startswith('{"key": "what is a?", "guid": "g1", "mod": 1700000001, "hash": "h1"')
    assert lines[7].startswith('{"key": "what is b?"')
    assert lines[9] == '"removed": ['
    assert "ünïcode ∑" in text  # readable in diffs, not \\u-escaped
    assert json.loads(text)["cards"][1]["text"] == 'What is "b"?'


def test_dump_then_parse_is_the_identity() -> None:
    lock = sample_lock()
    text = dump_lock(lock)
    again = parse_lock(text, shown="x")
    assert again == lock._replace(cards=tuple(sorted(lock.cards)))
    assert dump_lock(again) == text


def test_a_version_1_lock_without_the_deck_name_is_still_read() -> None:
    text = dump_lock(sample_lock()._replace(deck=None))
    assert text.startswith('{\n"notedeck_lock": 1,\n"deck_id": 7,\n"note_type": ')
    assert parse_lock(text, shown="x") == sample_lock()._replace(
        cards=tuple(sorted(sample_lock().cards)), deck=None
    )


def test_empty_sections_are_one_line() -> None:
    text = dump_lock(Lock(1, "f", 5, ()))
    assert '"cards": [],\n"removed": []\n}\n' in text
    assert parse_lock(text, shown="x") == Lock(1, "f", 5, ())


def test_missing_lock_reads_as_none(tmp_path: Path) -> None:
    assert read_lock(tmp_path / "nope.lock.json", shown="nope") is None


def test_built_lock_round_trips(seed: Path) -> None:
    text = (seed / LOCK).read_text(encoding="utf-8")
    assert dump_lock(parse_lock(text, shown=LOCK)) == text


def _break(seed: Path, edit: object) -> str:
    path = seed / LOCK
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert callable(edit)
    path.write_text("".join(edit(lines)), encoding="utf-8")
    return path.read_text(encoding="utf-8")


def _set_card(lines: list[str], index: int, field: str, value: object) -> list[str]:
    entry = json.loads(lines[index].rstrip().rstrip(","))
    entry[field] = value
    lines[index] = json.dumps(entry, ensure_ascii=False) + ",\n"
    return lines


BROKEN = [
    ("truncated", lambda ls: ls[:8], "9: not valid JSON (Expecting value)"),
    (
        "merge conflict",
        lambda ls: [*ls[:7], "<<<<<<< HEAD\n", ls[7], "=======\n", ls[7], ">>>>>>> other\n", *ls[8:]],
        "8: unresolved merge conflict marker",
    ),
    (
        "mod is text",
        lambda ls: _set_card(ls, 7, "mod", "soon"),
        '8: card entry: "mod" must be a positive integer (seconds)',
    ),
    ("guid missing", lambda ls: _set_card(ls, 8, "guid", None), '9: card entry: "guid" must be a string'),
    (
        "unknown field",
        lambda ls: _set_card(ls, 6, "colour", "red"),
        '7: card entry: unknown field "colour"',
    ),
    (
        "duplicate key",
        lambda ls: [*ls[:7], ls[6], *ls[7:]],
        "8: key {key!r} appears twice (also on line 7)",
    ),
    (
        "other deck",
        lambda ls: [ls[0], ls[1], '"deck_id": 42,\n', *ls[3:]],
        "3: written for deck id 42, but the deck file says 1732615200001",
    ),
    (
        "newer format",
        lambda ls: [ls[0], '"notedeck_lock": 3,\n', *ls[2:]],
        "2: written by a newer notedeck (lock format 3; this one reads 2)",
    ),
    ("not a lock", lambda ls: ["[1, 2]\n"], "1: not a notedeck lock file (expected a JSON object)"),
    ("empty", lambda ls: [], "1: not valid JSON (Expecting value)"),
]


@pytest.mark.parametrize(("name", "edit", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_lock_is_a_clear_error_and_nothing_is_written(
    seed: Path, name: str, edit: object, message: str
) -> None:
    apkg = seed / "out" / "anndl.apkg"
    before = apkg.read_bytes()
    first_key = json.loads((seed / LOCK).read_text(encoding="utf-8").splitlines()[6].rstrip(","))["key"]
    broken = _break(seed, edit)
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    expected = message.format(key=first_key)
    assert result.exit_code == 1
    assert result.output == f"Error: {LOCK}:{expected} — {HINT}\n"
    assert (seed / LOCK).read_text(encoding="utf-8") == broken
    assert apkg.read_bytes() == before


def test_reset_lock_rebuilds_the_same_identities(seed: Path) -> None:
    good = json.loads((seed / LOCK).read_text(encoding="utf-8"))
    _break(seed, lambda ls: ls[:9])
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out", "--reset-lock"])
    assert result.exit_code == 0, result.output
    assert f"lock file rebuilt from the notes: {LOCK}" in result.output
    rebuilt = json.loads((seed / LOCK).read_text(encoding="utf-8"))
    assert [(c["key"], c["guid"]) for c in rebuilt["cards"]] == [(c["key"], c["guid"]) for c in good["cards"]]


def test_no_lock_neither_reads_nor_writes(seed: Path) -> None:
    broken = _break(seed, lambda ls: ls[:3])
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out", "--no-lock"])
    assert result.exit_code == 0, result.output
    assert (seed / LOCK).read_text(encoding="utf-8") == broken


def test_reset_and_no_lock_together_are_a_usage_error(seed: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--reset-lock", "--no-lock"])
    assert result.exit_code == 2
    assert "--reset-lock and --no-lock cannot be used together" in result.output


def test_unchanged_rebuild_leaves_the_lock_file_alone(seed: Path) -> None:
    path = seed / LOCK
    stamp = path.stat().st_mtime_ns
    text = path.read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == text
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in (seed / "decks").iterdir() if ".tmp" in p.name] == []


def test_a_lock_temporary_left_by_a_killed_build_is_removed(seed: Path) -> None:
    import subprocess

    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = seed / "decks" / f".anndl.lock.json.{dead.pid}.abc123.tmp.json"
    leftover.write_text("half a lock", encoding="utf-8")
    _break(seed, lambda ls: [*ls[:6], *ls[7:]])  # the build must write the lock again
    broken_but_valid = (seed / LOCK).read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert (seed / LOCK).read_text(encoding="utf-8") != broken_but_valid
    assert not leftover.exists()


def test_read_only_deck_folder_keeps_the_lock_next_to_the_output(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporter.lock

    deck_folder = (seed / "decks").resolve()
    monkeypatch.setattr(
        exporter.lock, "_writable", lambda path: not str(path.resolve()).startswith(str(deck_folder))
    )
    shipped = (seed / LOCK).read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "note: decks is not writable; the lock file is kept at out/anndl.lock.json" in result.output
    assert (seed / "out" / "anndl.lock.json").read_text(encoding="utf-8") == shipped
    assert (seed / LOCK).read_text(encoding="utf-8") == shipped


def test_prune_without_a_lock_says_so(seed: Path) -> None:
    (seed / LOCK).unlink()
    result = CliRunner().invoke(cli, ["prune", "decks/anndl.yaml"])
    assert result.exit_code == 0
    assert result.output == f"{LOCK}: no lock file, nothing to prune\n"
    assert not (seed / LOCK).exists()


def test_prune_of_a_broken_lock_is_the_same_clear_error(seed: Path) -> None:
    _break(seed, lambda ls: ls[:6])
    result = CliRunner().invoke(cli, ["prune", "decks/anndl.yaml"])
    assert result.exit_code == 1
    assert result.output == f"Error: {LOCK}:7: not valid JSON (Expecting value) — {HINT}\n"


def test_a_package_that_cannot_be_written_leaves_the_lock_as_it_was(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is prepared while the package is written, but only put in place after it."""
    import exporter.package

    before = Path(LOCK).read_bytes()
    notes = Path("decks/notes/anndl-exam-notes.md")
    notes.write_text(
        notes.read_text(encoding="utf-8") + "\n## What is new here?\n\nThis card.\n", encoding="utf-8"
    )

    def full_disk(path: Path, **package: object) -> None:
        raise exporter.package.OutputError(
            str(path), "cannot write the package (No space left on device)", "free space"
        )

    monkeypatch.setattr(exporter.package, "write_apkg", full_disk)
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert Path(LOCK).read_bytes() == before
    assert sorted(p.name for p in Path("decks").iterdir() if ".tmp." in p.name) == []
    monkeypatch.undo()
    monkeypatch.chdir(seed)
    assert CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"]).exit_code == 0
    assert Path(LOCK).read_bytes() != before
    assert "what is new here?" in Path(LOCK).read_text(encoding="utf-8")


def test_a_build_waiting_too_long_for_another_stops_with_a_clear_error(
    seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporter.lock
    from exporter.lock import exclusive

    monkeypatch.setattr(exporter.lock, "WAIT_SECONDS", 0.5)
    before = (seed / LOCK).read_bytes(), (seed / "out" / "anndl.apkg").read_bytes()
    with exclusive(seed / LOCK):  # another build holds the deck
        result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 1
    assert result.stderr == (
        "waiting for another build of decks/anndl.yaml to finish…\n"
        f"Error: {LOCK}: another build of this deck did not finish within 0.5 s — "
        "let it finish or stop it, then build again\n"
    )
    assert ((seed / LOCK).read_bytes(), (seed / "out" / "anndl.apkg").read_bytes()) == before


def test_builds_take_turns_even_without_a_writable_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporter.places
    from exporter.lock import LockError, exclusive

    blocked = tmp_path / "a file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setattr(exporter.places, "build_locks_folder", lambda: blocked / "locks")
    monkeypatch.setattr("exporter.lock.WAIT_SECONDS", 0.1)
    with exclusive(tmp_path / "d.lock.json"), pytest.raises(LockError), exclusive(tmp_path / "d.lock.json"):
        pass
