"""``notedeck init`` and where builds write: a student's own deck from three commands, and
nothing ever written inside the installed package (issue 16)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from exporter.config import load_deck_config
from tests.anki_engine import collection, import_package

ROOT = Path(__file__).resolve().parent.parent
OWN_NOTES = (
    "# Optimisers\n\n## What does Adam keep per parameter?\n\nTwo moving averages.\n\n"
    "## What is momentum?\n\nA running average of past gradients.\n"
)


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_init_build_import_with_own_notes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "optim.md").write_text(OWN_NOTES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    output = run("init", "--notes", "notes/*.md", "--name", "Deep Learning")
    assert output.splitlines()[1:] == [
        "added .notedeck-cache/ to .gitignore",
        "next:",
        "  notedeck list      # the cards your notes make",
        "  notedeck build     # writes build/deep-learning.apkg: import it into Anki",
        "then commit decks/deep-learning.yaml and decks/deep-learning.lock.json (written by the first "
        "build) with your notes: the lock file keeps your review history when you reword questions",
    ]
    config = load_deck_config(tmp_path / "decks" / "deep-learning.yaml")
    assert (config.name, config.tag_root, config.notes) == (
        "Deep Learning",
        "Deep Learning",
        ("../notes/*.md",),
    )
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == ".notedeck-cache/\n"
    assert "deep-learning.apkg: 2 cards from 1 file" in run("build")
    assert (tmp_path / "decks" / "deep-learning.lock.json").is_file()
    with collection(tmp_path / "collection.anki2") as col:
        assert import_package(col, tmp_path / "build" / "deep-learning.apkg")["new"] == 2
        assert col.decks.id_for_name("Deep Learning") is not None
        tags = {tag for nid in col.find_notes("") for tag in col.get_note(nid).tags}
        assert tags == {"Deep_Learning::Optimisers"}
    assert not (tmp_path / "notes" / "example.md").exists()


def test_init_without_notes_writes_an_example_that_builds(tmp_path: Path) -> None:
    output = run("init", str(tmp_path / "course"))
    assert f"cd {tmp_path / 'course'} && notedeck build" in output
    deck = tmp_path / "course" / "decks" / "course.yaml"
    assert load_deck_config(deck).notes == ("../notes/example.md",)
    built = run("build", str(deck), "--out", str(tmp_path / "out"))
    assert "course.apkg: 3 cards from 1 file, 0 warnings" in built
    with collection(tmp_path / "collection.anki2") as col:
        assert import_package(col, tmp_path / "out" / "course.apkg")["new"] == 3


def test_init_gives_every_deck_a_fresh_id(tmp_path: Path) -> None:
    run("init", str(tmp_path / "a"))
    run("init", str(tmp_path / "b"))
    ids = {load_deck_config(p).id for p in tmp_path.glob("*/decks/*.yaml")}
    assert len(ids) == 2 and all(10**12 <= i < 2**53 for i in ids)


def test_init_never_overwrites_a_deck_file(tmp_path: Path) -> None:
    deck = tmp_path / "decks" / "mine.yaml"
    deck.parent.mkdir()
    deck.write_text("name: Mine\nid: 5\nnotes: [x.md]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--name", "Mine"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {deck}: a deck file with this name already exists — "
        "choose another --name or edit that file\n"
    )
    # Without --name, a second deck over the same notes is refused too (every card twice in Anki).
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        "this folder already has a deck — edit that file, or pass --name to add another deck" in result.output
    )
    assert deck.read_text(encoding="utf-8") == "name: Mine\nid: 5\nnotes: [x.md]\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["decks", "mine.yaml"]


def test_init_refuses_notes_that_match_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(tmp_path), "--notes", "notse/*.md"])
    assert result.exit_code == 2
    assert (
        result.output == f"Error: --notes notse/*.md: matches no file — give paths relative to {tmp_path}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_build_of_a_notes_file_keeps_its_lock_beside_it(tmp_path: Path) -> None:
    notes = tmp_path / "optim.md"
    notes.write_text(OWN_NOTES, encoding="utf-8")
    assert "optim.apkg: 2 cards" in run("build", str(notes), "--out", str(tmp_path / "out"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".notedeck-cache",
        "optim.lock.json",
        "optim.md",
        "out",
    ]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_read_only_installed_package_builds_the_default_deck(tmp_path: Path) -> None:
    """notedeck as a wheel installs it (exporter/, cards/, decks as exporter/default_decks), read-only."""
    site = tmp_path / "site"
    for package in ("cards", "exporter"):
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "decks", site / "exporter" / "default_decks", ignore=shutil.ignore_patterns(".*"))
    for path in (site, *site.rglob("*")):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    before = snapshot(site)
    work = tmp_path / "empty"
    work.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "PYTHONDONTWRITEBYTECODE": "1",  # an install compiles its bytecode beforehand
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    env.pop("NOTEDECK_CACHE_DIR", None)
    env.pop("NOTEDECK_NO_CACHE", None)
    try:
        for _ in range(2):  # the second build reads the lock and the cache the first one wrote
            done = subprocess.run(
                [sys.executable, "-m", "exporter", "build"], cwd=work, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr
            summary = done.stdout.splitlines()[-1]
            assert summary.startswith("build/anndl.apkg: ")
        for command in (["list", "--json"], ["check"], ["prune"]):  # the other commands neither
            other = subprocess.run(
                [sys.executable, "-m", "exporter", *command],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
            )
            assert other.returncode == 0, other.stderr
        assert snapshot(site) == before  # nothing written inside the package
        assert (tmp_path / "data" / "notedeck" / "decks" / "anndl.lock.json").is_file()
        assert any((tmp_path / "cache" / "notedeck" / "parse").glob("*.pickle"))
        assert sorted(p.name for p in work.rglob("*")) == ["anndl.apkg", "build"]
        with collection(tmp_path / "collection.anki2") as col:
            assert import_package(col, work / "build" / "anndl.apkg")["new"] == int(summary.split()[1]) > 20
    finally:
        for path in (site, *site.rglob("*")):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_the_default_deck_reads_a_lock_an_earlier_version_left_and_writes_to_the_data_folder(
    tmp_path: Path, user_folders: Path
) -> None:
    from exporter.lock import locate_lock

    shipped = tmp_path / "site" / "exporter" / "default_decks"
    shipped.mkdir(parents=True)
    out = tmp_path / "build"
    home = user_folders / "data" / "notedeck" / "decks" / "anndl.lock.json"
    where = locate_lock(shipped, "anndl", out, shipped=True)
    assert (where.read, where.write) == (home, home)
    (shipped / "anndl.lock.json").write_text("{}", encoding="utf-8")  # an editable install's
    assert locate_lock(shipped, "anndl", out, shipped=True).read == shipped / "anndl.lock.json"
    out.mkdir()
    (out / "anndl.lock.json").write_text("{}", encoding="utf-8")  # a read-only install's, until now
    assert locate_lock(shipped, "anndl", out, shipped=True).read == out / "anndl.lock.json"
    home.parent.mkdir(parents=True)
    home.write_text("{}", encoding="utf-8")
    assert locate_lock(shipped, "anndl", out, shipped=True) == (home, home, False)
