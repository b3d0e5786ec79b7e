"""A big notes file keeps its sections in the parse cache: an edit re-parses what it touched,
and the cards are always those of a whole-file parse."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cards.parse
import exporter.cache
import exporter.sections
from cards.parse import split_every
from exporter.cache import CACHE_DIR_NAME, Parsed, ParseJob, parse_job
from exporter.cli import cli
from exporter.config import DeckConfig
from tests.test_cache import keras_notes
from tests.test_sections import synthetic

ROOT = Path(__file__).resolve().parent.parent
CONFIG = DeckConfig(path=ROOT / "decks" / "anndl.yaml", name="ANNDL", id=1, notes=("x",))


@pytest.fixture
def small_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections of about 1,500 characters, kept for any file: many sections in a short text."""
    monkeypatch.setattr(exporter.sections, "CACHED_SECTION_CHARS", 1_500)
    monkeypatch.setattr(exporter.sections, "CACHED_FILE_CHARS", 0)


@pytest.fixture
def parsed_sections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first line of every section the reader parses."""
    lines: list[int] = []
    real = cards.parse.parse_section

    def counting(job: cards.parse.SectionJob, **options: Any) -> cards.parse.Section:
        lines.append(job.first_line)
        return real(job, **options)

    monkeypatch.setattr(cards.parse, "parse_section", counting)
    return lines


def parse(text: str, cache_dir: Path | None) -> Parsed:
    return exporter.cache._loads(parse_job(ParseJob(text, "notes.md", CONFIG), cache_dir=cache_dir))


def whole(text: str) -> Parsed:
    """The whole-file parse (no cache, one core: no sections)."""
    return parse(text, None)


def test_cuts_fall_before_level_two_headings_and_an_edit_moves_none() -> None:
    text = synthetic(300)
    sections = split_every(text, 1_500)
    assert len(sections) > 10
    assert "".join(s.text for s in sections) == text
    assert all(s.text.startswith("## ") for s in sections[1:])
    assert all(len(s.text) >= 1_500 for s in sections[:-1])
    middle = len(sections) // 2
    target = sections[middle].text.split("\n\n")[1]
    edited = split_every(text.replace(target, target + " More words.", 1), 1_500)
    assert [s.text for s in edited[:middle]] == [s.text for s in sections[:middle]]
    assert edited[middle].text != sections[middle].text
    assert [s.text for s in edited[middle + 1 :]] == [s.text for s in sections[middle + 1 :]]


@pytest.mark.usefixtures("small_sections")
def test_an_edited_answer_reparses_one_section(tmp_path: Path, parsed_sections: list[int]) -> None:
    text = synthetic(200)
    first = parse(text, tmp_path)
    assert first == whole(text)
    assert len(parsed_sections) >= 8
    parsed_sections.clear()
    edited = text.replace("Answer 100, with", "Answer 100, edited, with")
    assert parse(edited, tmp_path) == whole(edited)
    assert len(parsed_sections) == 1


@pytest.mark.usefixtures("small_sections")
def test_an_edit_that_adds_lines_reparses_the_sections_after_it(
    tmp_path: Path, parsed_sections: list[int]
) -> None:
    """Cards carry their line numbers, so a section that moved is parsed again where it now is."""
    text = synthetic(200)
    parse(text, tmp_path)
    sections = split_every(text, 1_500)
    parsed_sections.clear()
    edited = text.replace("Answer 100, with", "Answer 100,\n\nwith two more lines,\n", 1)
    assert parse(edited, tmp_path) == whole(edited)
    moved = [s.first_line for s in split_every(edited, 1_500)]
    assert sorted(set(parsed_sections)) == [line for line in moved if line >= parsed_sections[0]]
    assert 1 < len(set(parsed_sections)) < len(sections)


@pytest.mark.usefixtures("small_sections")
def test_nothing_parsed_again_for_the_same_text(tmp_path: Path, parsed_sections: list[int]) -> None:
    text = keras_notes(30)
    first = parse(text, tmp_path)
    parsed_sections.clear()
    assert parse(text, tmp_path) == first == whole(text)
    assert parsed_sections == []
    assert any(card.kind == "generated" for card in first.ready.cards)  # the generators' cards too


@pytest.mark.usefixtures("small_sections")
def test_a_refused_file_is_parsed_whole_and_tried_again_at_the_cost_of_what_changed(
    tmp_path: Path, parsed_sections: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same question under two headings: its '#2' key needs the whole document.
    repeated = "\n## Question 1: what is $f_{1}(x)$ and why?\n\nAgain.\n"
    text = synthetic(100) + repeated
    wholes: list[str] = []
    real = cards.parse.parse_document

    def counting(text: str, **options: Any) -> Any:
        wholes.append(text)
        return real(text, **options)

    monkeypatch.setattr(cards.parse, "parse_document", counting)
    assert parse(text, tmp_path) == whole(text)
    assert len(parsed_sections) >= 4 and len(wholes) == 2  # tried in sections, refused, then whole
    parsed_sections.clear()
    wholes.clear()
    edited = text.replace("Again.", "Again, edited.")
    assert parse(edited, tmp_path) == whole(edited)
    assert len(parsed_sections) == 1 and len(wholes) == 2  # only the edited section tried again
    parsed_sections.clear()
    wholes.clear()
    fixed = edited.replace(repeated.replace("Again.", "Again, edited."), "\n## Question 1b?\n\nNew.\n")
    assert parse(fixed, tmp_path) == whole(fixed)
    assert len(parsed_sections) == 1 and len(wholes) == 1  # cut again: only whole() parsed it whole


class Planted:
    """An object whose unpickling creates a folder: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def _plant(record: bytes, marker: Path) -> bytes:
    header = record[: len(exporter.sections.RECORD_FORMAT) + 32]
    parts = pickle.loads(record[len(header) :])
    return header + pickle.dumps({key: pickle.dumps(Planted(marker)) for key in parts})


def _garble(record: bytes, marker: Path) -> bytes:
    """Each section rewritten with allowed classes but wrong contents: cards that are strings,
    a warning that is a number, card indices out of range."""
    header = record[: len(exporter.sections.RECORD_FORMAT) + 32]
    parts = pickle.loads(record[len(header) :])
    garbled = {}
    for n, (key, data) in enumerate(parts.items()):
        section, (ready, warnings, hashes) = pickle.loads(data)
        wrong = [
            (replace(section, cards=("not a card",)), (ready, warnings, hashes)),
            (section, (ready, (42,), hashes)),
            (section, (ready._replace(images=(len(ready.cards),)), warnings, hashes)),
        ][n % 3]
        garbled[key] = pickle.dumps(wrong)
    return header + pickle.dumps(garbled)


@pytest.mark.usefixtures("small_sections")
@pytest.mark.parametrize(
    "damage",
    [
        lambda data, marker: b"",
        lambda data, marker: data[: len(data) // 2],
        lambda data, marker: data[:-40] + b"\x00" * 40,
        lambda data, marker: data.replace(b"notedeck section cache 2", b"notedeck section cache 1"),
        lambda data, marker: data[:-1000] + pickle.dumps(Planted(marker)),
        _plant,
        _garble,
    ],
    ids=["empty", "truncated", "zeroed tail", "old format", "planted record", "planted sections", "garbled"],
)
def test_a_damaged_record_is_a_miss_and_runs_no_code(
    tmp_path: Path, parsed_sections: list[int], damage: Callable[[bytes, Path], bytes]
) -> None:
    text = synthetic(120)
    cache = tmp_path / "cache"
    parse(text, cache)
    count = len(parsed_sections)
    (record,) = cache.glob("*.sections")
    marker = tmp_path / "code-ran"
    record.write_bytes(damage(record.read_bytes(), marker))
    parsed_sections.clear()
    assert parse(text, cache) == whole(text)
    assert len(parsed_sections) == count
    assert not marker.exists()


_LINES = [
    "## What is A{i}?", "## Why B{i}?", "# Chapter {i}", "Answer {i} with $x_{i}$.", "- item {i}",
    "```python\nmodel.add(Dense({i}))\n```", "", "1. Is it C{i}?\n2. Is it D{i}?", "> quoted {i}",
]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["replace", "insert", "delete"])), max_size=3),
    st.sampled_from(_LINES),
)
def test_random_edits_give_the_whole_file_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edits: list[tuple[int, str]], new: str
) -> None:
    monkeypatch.setattr(exporter.sections, "CACHED_SECTION_CHARS", 600)
    monkeypatch.setattr(exporter.sections, "CACHED_FILE_CHARS", 0)
    text = synthetic(60)
    cache = tmp_path / f"cache-{time.perf_counter_ns()}"
    parse(text, cache)
    lines = text.split("\n")
    for position, action in edits:
        at = position % len(lines)
        if action == "replace":
            lines[at] = new.replace("{i}", str(position))
        elif action == "insert":
            lines.insert(at, new.replace("{i}", str(position)))
        else:
            del lines[at]
    edited = "\n".join(lines)
    assert parse(edited, cache) == whole(edited)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_big_file_edited_between_builds_gives_the_bytes_of_a_build_without_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed_sections: list[int], jobs: str
) -> None:
    """One core, or two: the first build's sections are parsed by worker processes."""
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    monkeypatch.setenv("NOTEDECK_JOBS", jobs)
    monkeypatch.setattr(exporter.cache, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.delenv("NOTEDECK_NO_CACHE", raising=False)
    monkeypatch.setattr(exporter.sections, "CACHED_SECTION_CHARS", 2_000)
    monkeypatch.setattr(exporter.sections, "CACHED_FILE_CHARS", 10_000)
    notes = tmp_path / "big.md"
    notes.write_text(synthetic(300), encoding="utf-8")

    def build(out: str) -> bytes:
        result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
        return (tmp_path / out / "big.apkg").read_bytes()

    build("first")
    assert len(list((tmp_path / CACHE_DIR_NAME).glob("*.sections"))) == 1
    notes.write_text(synthetic(300).replace("Answer 150, with", "Answer 150, edited, with"), encoding="utf-8")
    parsed_sections.clear()
    warm = build("warm")
    assert len(parsed_sections) == 1
    monkeypatch.setenv("NOTEDECK_NO_CACHE", "1")
    assert build("cold") == warm
