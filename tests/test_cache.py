"""The parse cache and parallel parsing change how fast a build is, never what it writes."""

from __future__ import annotations

import concurrent.futures
import os
import pickle
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import cards.parse
import exporter.cache
import exporter.parallel
import exporter.sections
from exporter.cache import CACHE_DIR_NAME
from exporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
NOTES = ROOT / "decks" / "notes" / "anndl-exam-notes.md"


def chapter_file(i: int) -> str:
    """A small notes file with a chapter, formulas, code and a list."""
    return (
        f"# Chapter {i}\n\n## What is layer {i}?\n\nA layer with $w_{i}$ weights.\n\n"
        f"```python\nmodel.add(Dense({i}))\n```\n\n## Why is loss {i} useful?\n\n- it is\n- **bold** {i}\n"
    )


@pytest.fixture
def deck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deck of three notes files plus the real exam notes, built at a fixed time."""
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.delenv("NOTEDECK_NO_CACHE", raising=False)
    monkeypatch.delenv("NOTEDECK_CACHE_DIR", raising=False)
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(3):
        (notes / f"part-{i}.md").write_text(chapter_file(i), encoding="utf-8")
    shutil.copy(NOTES, notes / "part-3.md")
    path = tmp_path / "deck.yaml"
    path.write_text("name: Cache\nid: 1700000000123\nnotes: [notes/*.md]\n", encoding="utf-8")
    return path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources parse_document is called for (serial parsing, so calls are seen here)."""
    monkeypatch.setenv("NOTEDECK_JOBS", "1")
    calls: list[str] = []
    real = cards.parse.parse_document

    def counting(text: str, *, source: str, deck: str = "", **options: Any) -> exporter.cache.ParseResult:
        calls.append(Path(source).name)
        return real(text, source=source, deck=deck, **options)

    monkeypatch.setattr(cards.parse, "parse_document", counting)
    return calls


def build(deck: Path, out: Path) -> bytes:
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (out / f"{deck.stem}.apkg").read_bytes()


def test_only_changed_files_are_parsed_again(deck: Path, parsed: list[str], tmp_path: Path) -> None:
    build(deck, tmp_path / "out")
    assert sorted(parsed) == ["part-0.md", "part-1.md", "part-2.md", "part-3.md"]
    parsed.clear()
    build(deck, tmp_path / "out")
    assert parsed == []
    edited = deck.parent / "notes" / "part-1.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    build(deck, tmp_path / "out")
    assert parsed == ["part-1.md"]


def test_a_cached_build_writes_the_same_bytes(deck: Path, tmp_path: Path) -> None:
    cold = build(deck, tmp_path / "cold")
    warm = build(deck, tmp_path / "warm")
    shutil.rmtree(deck.parent / CACHE_DIR_NAME)
    after_delete = build(deck, tmp_path / "deleted")
    assert cold == warm == after_delete


def test_a_cached_build_is_correct_after_an_edit(deck: Path, tmp_path: Path) -> None:
    build(deck, tmp_path / "first")
    notes = deck.parent / "notes" / "part-2.md"
    notes.write_text(chapter_file(7), encoding="utf-8")
    warm = build(deck, tmp_path / "warm")
    shutil.rmtree(deck.parent / CACHE_DIR_NAME)
    assert warm == build(deck, tmp_path / "cold")


def entries(deck: Path) -> list[Path]:
    found = sorted((deck.parent / CACHE_DIR_NAME).glob("*.pickle"))
    assert len(found) == 4
    return found


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-40] + b"\x00" * 40,
        lambda data: b"not a cache entry at all",
        lambda data: data.replace(exporter.cache.FORMAT, b"notedeck parse cache 0\n"),
    ],
    ids=["empty", "truncated", "zeroed tail", "garbage", "old format"],
)
def test_a_damaged_entry_is_parsed_again(
    deck: Path, parsed: list[str], tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    expected = build(deck, tmp_path / "first")
    for entry in entries(deck):
        entry.write_bytes(damage(entry.read_bytes()))
    parsed.clear()
    assert build(deck, tmp_path / "again") == expected
    assert len(parsed) == 4


class Planted:
    """An object whose unpickling creates a folder: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_entry_runs_no_code(deck: Path, parsed: list[str], tmp_path: Path) -> None:
    expected = build(deck, tmp_path / "first")
    marker = tmp_path / "planted-code-ran"
    for entry in entries(deck):
        header = entry.read_bytes()[: len(exporter.cache.FORMAT) + 32]  # valid format line and key
        entry.write_bytes(header + pickle.dumps(Planted(marker)))
    parsed.clear()
    assert build(deck, tmp_path / "again") == expected
    assert len(parsed) == 4
    assert not marker.exists()


def test_a_new_notedeck_version_parses_again(
    deck: Path, parsed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(deck, tmp_path / "out")
    parsed.clear()
    monkeypatch.setattr(exporter.cache, "code_fingerprint", lambda: b"another notedeck")
    build(deck, tmp_path / "out")
    assert len(parsed) == 4


def test_parallel_and_serial_builds_write_the_same_bytes(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    monkeypatch.setenv("NOTEDECK_JOBS", "1")
    serial = build(deck, tmp_path / "serial")
    monkeypatch.setenv("NOTEDECK_JOBS", "2")
    monkeypatch.setattr(exporter.cache, "PARALLEL_MIN_CHARS", 0)
    pools: list[int] = []

    class CountedPool(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountedPool)
    parallel = build(deck, tmp_path / "parallel")
    assert pools == [2]
    assert parallel == serial
    assert not (deck.parent / CACHE_DIR_NAME).exists()


@pytest.mark.parametrize(
    ("jobs", "section_chars", "sections"), [("2", 10**6, 2), ("3", 10**6, 3), ("2", 400, 5)]
)
def test_one_big_file_parsed_in_sections_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str, section_chars: int, sections: int
) -> None:
    """One section per core, or more for a huge file (bounded memory): the bytes of a serial build."""
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    deck = tmp_path / "big.md"
    deck.write_text("".join(chapter_file(i) for i in range(12)), encoding="utf-8")
    monkeypatch.setenv("NOTEDECK_JOBS", "1")
    serial = build(deck, tmp_path / "serial")
    monkeypatch.setenv("NOTEDECK_JOBS", jobs)
    monkeypatch.setattr(exporter.cache, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(exporter.cache, "SECTION_CHARS", section_chars)
    merged: list[bool] = []
    real = cards.parse.merge_sections

    def counting(parts: Any, *options: Any) -> Any:
        result = real(parts, *options)
        merged.append(len(parts) >= sections and result is not None)
        return result

    monkeypatch.setattr(cards.parse, "merge_sections", counting)
    assert build(deck, tmp_path / "sections") == serial
    assert merged == [True]


def test_an_unwritable_cache_folder_is_skipped(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("NOTEDECK_CACHE_DIR", str(blocked))
    with_cache = build(deck, tmp_path / "out")
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    assert build(deck, tmp_path / "plain") == with_cache


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The packages actually written."""
    import exporter.package

    paths: list[Path] = []
    real = exporter.package.write_apkg

    def counting(path: Path, **package: Any) -> None:
        paths.append(path)
        real(path, **package)

    monkeypatch.setattr(exporter.package, "write_apkg", counting)
    return paths


def test_an_unchanged_deck_is_not_packaged_again(deck: Path, tmp_path: Path, written: list[Path]) -> None:
    first = build(deck, tmp_path / "out")
    assert build(deck, tmp_path / "out") == first
    assert len(written) == 1
    edited = deck.parent / "notes" / "part-0.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace("weights", "biases"), encoding="utf-8")
    assert build(deck, tmp_path / "out") != first
    assert len(written) == 2


@pytest.mark.parametrize(
    "tamper",
    [
        lambda apkg: apkg.unlink(),
        lambda apkg: apkg.write_bytes(b"not a package"),
        lambda apkg: os.utime(apkg, ns=(0, 0)),
    ],
    ids=["deleted", "overwritten", "touched"],
)
def test_a_package_changed_outside_is_written_again(
    deck: Path, tmp_path: Path, written: list[Path], tamper: Callable[[Path], None]
) -> None:
    first = build(deck, tmp_path / "out")
    tamper(tmp_path / "out" / "deck.apkg")
    assert build(deck, tmp_path / "out") == first
    assert len(written) == 2


def test_without_the_cache_every_build_writes(
    deck: Path, tmp_path: Path, written: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    assert build(deck, tmp_path / "out") == build(deck, tmp_path / "out")
    assert len(written) == 2


def test_generated_cards_are_cached_with_the_parse(
    deck: Path, parsed: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporter.build

    generated: list[str] = []
    real = exporter.build.generate_cards

    def counting(config: Any, result: Any, source: str) -> Any:
        generated.append(Path(source).name)
        return real(config, result, source)

    monkeypatch.setattr(exporter.build, "generate_cards", counting)
    with_exercises = build(deck, tmp_path / "out")
    assert "part-3.md" in generated
    generated.clear()
    assert build(deck, tmp_path / "again") == with_exercises
    assert generated == []
    deck.write_text(deck.read_text(encoding="utf-8") + "exercises: false\n", encoding="utf-8")
    parsed.clear()
    without = build(deck, tmp_path / "without")
    assert len(parsed) == len(generated) == 4  # a deck option the generators read: all parsed again
    shutil.rmtree(deck.parent / CACHE_DIR_NAME)
    assert build(deck, tmp_path / "fresh") == without != with_exercises


def fail_on_part_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make parsing ``part-2.md`` raise the error a broken notes file raises."""
    from cards.errors import CardParseError

    real = cards.parse.parse_document

    def failing(text: str, *, source: str, deck: str = "", **options: Any) -> exporter.cache.ParseResult:
        if source.endswith("part-2.md"):
            raise CardParseError(f"{source}:3", "cannot read this", "fix line 3")
        return real(text, source=source, deck=deck, **options)

    monkeypatch.setattr(cards.parse, "parse_document", failing)


def test_an_error_in_a_parse_worker_reads_as_in_a_serial_build(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_part_2(monkeypatch)
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    outputs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("NOTEDECK_JOBS", jobs)
        monkeypatch.setattr(exporter.cache, "PARALLEL_MIN_CHARS", 0)
        result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path / jobs)])
        outputs.append((result.exit_code, result.output))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1
    assert "part-2.md:3: cannot read this — fix line 3" in outputs[0][1]


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many files each background child was given (2 cores allowed)."""
    monkeypatch.setenv("NOTEDECK_JOBS", "2")
    started: list[int] = []
    real = exporter.cache._Child

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self, jobs: Any, cache_dir: Path | None) -> None:
            started.append(len(jobs))
            super().__init__(jobs, cache_dir)

    monkeypatch.setattr(exporter.cache, "_Child", Counted)
    return started


def test_changed_files_parsed_in_the_background_give_the_same_bytes(
    deck: Path, tmp_path: Path, children: list[int]
) -> None:
    build(deck, tmp_path / "first")
    assert children == []  # nothing cached yet: parsed the usual way
    for i in (0, 2, 3):
        notes = deck.parent / "notes" / f"part-{i}.md"
        notes.write_text(notes.read_text(encoding="utf-8") + f"\n## What changed in {i}?\n\nThis.\n")
    warm = build(deck, tmp_path / "warm")
    assert children == [2, 1]  # three changed files on two children, one file cached
    shutil.rmtree(deck.parent / CACHE_DIR_NAME)
    assert warm == build(deck, tmp_path / "cold")


def test_an_error_in_a_background_child_reads_as_in_a_serial_build(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[int]
) -> None:
    build(deck, tmp_path / "first")
    notes = deck.parent / "notes" / "part-2.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    fail_on_part_2(monkeypatch)
    outputs = []
    for jobs in ("2", "1"):
        monkeypatch.setenv("NOTEDECK_JOBS", jobs)
        result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path / jobs)])
        outputs.append((result.exit_code, result.output))
    assert children == [1]
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == 1
    assert "part-2.md:3: cannot read this — fix line 3" in outputs[0][1]


@pytest.mark.parametrize("cached", [False, True])
def test_content_hashes_made_with_the_parse_are_those_of_the_packaged_cards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """Hashes come with the parse (and the cache); they must be what the plan would compute itself."""
    from exporter.build import collect_cards, deck_name_for
    from exporter.config import load_deck_config
    from exporter.regen import content_hash

    monkeypatch.delenv("NOTEDECK_NO_CACHE", raising=False)
    notes = tmp_path / "notes.md"
    notes.write_text(
        "# CNN\n\n## What is a kernel?\n\nA filter ![k](k.png).\n\n## What is padding?\n\nBorders.\n\n"
        "# GAN\n\n## What is a generator?\n\nIt makes samples.\n",
        encoding="utf-8",
    )
    (tmp_path / "k.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    deck = tmp_path / "deck.yaml"
    deck.write_text(
        "name: Deep\nid: 5\nnotes: [notes.md]\ntags: [exam prep]\nsubdecks: chapter\nexclude_tags: [GAN]\n",
        encoding="utf-8",
    )
    config = load_deck_config(deck)
    if cached:
        collect_cards(config)
    cards = collect_cards(config)
    assert [c.question for c in cards.cards] == ["What is a kernel?", "What is padding?"]
    assert cards.content[0] == ""  # shows an image: its fields change when the image is packed
    card = cards.cards[1]
    assert "exam_prep" in card.tags
    assert cards.content[1] == content_hash(
        card.question, card.context, card.answer, card.tags, deck_name_for(config, card)
    )
    assert (tmp_path / CACHE_DIR_NAME).is_dir()


def keras_notes(models: int) -> str:
    """Exercises with a Keras model each, a wrong claim after some of them, and plain questions between."""
    parts = ["# CNN\n\n"]
    for i in range(models):
        claim = f"\nconv2d (Conv2D)   (None, 30, 30, {i + 4})   999\n" if i % 2 else ""
        parts.append(
            f"## Exercise {i}: how many parameters has this model?\n\n```python\n"
            f"model = tfk.Sequential([tfkl.Input(shape=(32, 32, 3)), tfkl.Conv2D({i + 4}, 3), "
            f"tfkl.Flatten(), tfkl.Dense({i + 2})])\n```\n{claim}\n"
            f"Compute it.\n\n## What is stride {i}?\n\nThe step of the window.\n\n"
        )
    return "".join(parts)


@pytest.mark.parametrize("notes", ["seed", "keras"])
def test_sections_run_the_generators_as_the_whole_file_does(
    monkeypatch: pytest.MonkeyPatch, notes: str
) -> None:
    """Each section makes its own exercise cards, warnings and hashes: together, the whole file's."""
    from exporter.config import DeckConfig

    text = NOTES.read_text(encoding="utf-8") if notes == "seed" else keras_notes(12)
    config = DeckConfig(path=ROOT / "decks" / "anndl.yaml", name="ANNDL", id=1, notes=("x",))
    job = exporter.cache.ParseJob(text, "notes.md", config)
    whole = exporter.cache._loads(exporter.cache.parse_job(job))
    monkeypatch.setattr(exporter.cache, "SECTION_CHARS", 2_000)
    sectioned: list[object] = []
    real = exporter.sections.parse_in_sections

    def recording(job: exporter.cache.ParseJob, workers: int, cache_dir: Path | None) -> Any:
        sectioned.append(real(job, workers, cache_dir))
        return sectioned[-1]

    monkeypatch.setattr(exporter.sections, "parse_in_sections", recording)
    parts = exporter.cache._loads(exporter.cache.parse_job(job, workers=2))
    assert sectioned and (sectioned[0] is not None or notes == "seed")  # the seed's cuts are refused
    assert parts == whole
    assert any(card.kind == "generated" for card in whole.ready.cards)
    assert any("notes say 999 parameters" in w.message for w in whole.warnings) == (notes == "keras")


def test_a_rebuild_that_cannot_fork_parses_in_this_process(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[int]
) -> None:
    build(deck, tmp_path / "first")
    notes = deck.parent / "notes" / "part-1.md"
    notes.write_text(notes.read_text(encoding="utf-8") + "\n## What is new?\n\nThis.\n", encoding="utf-8")
    real_start = exporter.parallel.fork_context().Process.start

    def no_fork(self: Any) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(exporter.parallel.fork_context().Process, "start", no_fork)
    warm = build(deck, tmp_path / "warm")
    monkeypatch.setattr(exporter.parallel.fork_context().Process, "start", real_start)
    assert children == [1]  # tried, then parsed without it
    shutil.rmtree(deck.parent / CACHE_DIR_NAME)
    assert warm == build(deck, tmp_path / "cold")
