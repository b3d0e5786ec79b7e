"""A big notes file parsed in sections: on every core, and reusing what an edit left alone.

The reader can parse a document cut before its ``##`` headings one section at
a time and merge the parts, refusing any cut that would change a card
(:func:`cards.parse.merge_sections`). This module chooses the cuts, parses the
sections on the cores allowed and, with a parse cache, keeps each section's
result keyed by everything it depends on: its text, the line it starts at, the
chapter it opens in, the conventions it was read with, the file's path, the
deck's options and notedeck's code. After an edit to one answer of a 2 MB
notes file, the section of about 32 kB around it is parsed again and the others
come from the cache. Anything that does not match is parsed, so the cards are
the ones a whole-file parse gives.

Each file has one record (``<entry>.sections``), holding only the sections of
its last parse. When the reader refuses the cuts (a fence left open across a
heading, the same question in two sections...), the file is parsed whole, and
its sections are kept all the same: the next try, after the next edit, costs
only the sections that edit changed, so a file that can be cut again soon is.
"""

from __future__ import annotations

import contextlib
import io
import pickle
from collections.abc import Sequence
from dataclasses import astuple, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import exporter.cache
from cards.model import Card, ParseResult
from exporter.cache import (
    Finished,
    ModelUnpickler,
    ParseJob,
    ensure_cache_folder,
    finish_cards,
    well_formed,
    write_atomically,
)
from exporter.config import DeckConfig
from exporter.media import Presanitised
from exporter.parallel import fork_context

if TYPE_CHECKING:
    from cards.conventions import Conventions
    from cards.parse import Section, SectionJob

CACHED_SECTION_CHARS = 32_000
"""About the text of a cached section: what an edit makes notedeck parse again."""
CACHED_FILE_CHARS = 200_000
"""Files from this size keep their sections in the cache (a smaller one parses whole in
less time than its sections take to load)."""
RECORD_FORMAT = b"notedeck section cache 2\n"


def in_sections(job: ParseJob, workers: int, cache_dir: Path | None) -> bool:
    """Whether ``job`` is parsed in sections: on several cores (the caller found it big
    enough), or big enough that its sections are worth keeping in the cache."""
    return workers > 1 or (cache_dir is not None and len(job.text) >= CACHED_FILE_CHARS)


def parse_in_sections(
    job: ParseJob, workers: int, cache_dir: Path | None
) -> tuple[ParseResult, Finished] | None:
    """The file parsed in sections, or None when it cannot be cut safely (then it is parsed whole).

    With a cache, sections of about :data:`CACHED_SECTION_CHARS` (see
    :func:`cards.parse.split_every`); without, one section per core, more for a
    huge file, so that no process holds the parser's tokens for more than
    :data:`exporter.cache.SECTION_CHARS` of text at once. Each section also runs
    the generators and sanitises its cards: a code unit never spans a ``##``
    heading, where sections are cut, so that is what the whole file would give.
    """
    from cards.parse import merge_sections, split_document, split_every, whole_conventions

    if cache_dir is None:
        parts = max(workers, -(-len(job.text) // exporter.cache.SECTION_CHARS))
        sections = split_document(job.text, parts)
    else:
        sections = split_every(job.text, CACHED_SECTION_CHARS)
    if len(sections) < 2:  # no ``##`` heading to cut before, or a reason not to cut at all
        return None
    record = _read_record(cache_dir, job)
    kept: dict[bytes, bytes] = {}
    keep = cache_dir is not None
    done = _parsed(job, sections, record, kept, workers, keep)
    whole = whole_conventions([section for section, _ in done], job.config.reading)
    # A section that alone read the author's conventions otherwise is read again with the document's.
    again = [i for i, (section, _) in enumerate(done) if section.conventions != whole]
    redone = [replace(sections[i], conventions=whole) for i in again]
    for i, pair in zip(again, _parsed(job, redone, record, kept, 1, keep), strict=True):
        done[i] = pair
    result = merge_sections([section for section, _ in done], job.config.reading)
    _write_record(cache_dir, job, kept)
    if result is None:
        return None
    return result, _joined([finished for _, finished in done])


def _parsed(
    job: ParseJob,
    sections: Sequence[SectionJob],
    cached: dict[bytes, bytes],
    kept: dict[bytes, bytes],
    workers: int,
    keep: bool,
) -> list[tuple[Section, Finished]]:
    """Each section's result, from ``cached`` or parsed (on ``workers`` cores); what is
    worth keeping goes into ``kept`` when ``keep``."""
    keys = [section_key(job, section) for section in sections]
    done: list[tuple[Section, Finished] | None] = []
    for key in keys:
        data = cached.get(key)
        pair = _loads_section(data) if data is not None else None
        done.append(pair)
        if pair is not None and data is not None:
            kept[key] = data
    todo = [i for i, pair in enumerate(done) if pair is None]
    parse = partial(_ready_section, source=job.source, config=job.config)
    if workers > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool_size = min(workers, len(todo))
        with ProcessPoolExecutor(pool_size, mp_context=fork_context()) as pool:
            chunk = max(1, len(todo) // (4 * pool_size))
            pickled = list(pool.map(partial(_pickled, parse), [sections[i] for i in todo], chunksize=chunk))
        for i, data in zip(todo, pickled, strict=True):
            done[i] = pickle.loads(data)
            if keep:
                kept[keys[i]] = data
    else:
        for i in todo:
            pair = parse(sections[i])
            done[i] = pair
            if keep:
                kept[keys[i]] = pickle.dumps(pair, protocol=pickle.HIGHEST_PROTOCOL)
    return [pair for pair in done if pair is not None]


def _pickled(parse: Any, section: SectionJob) -> bytes:
    return pickle.dumps(parse(section), protocol=pickle.HIGHEST_PROTOCOL)


def section_key(job: ParseJob, section: SectionJob) -> bytes:
    """Digest of everything a section's result depends on (see the module's docstring)."""
    where = repr((section.first_line, section.limit, section.chapter, _conventions_key(section.conventions)))
    return job.digest("section", where, section.text)


def _conventions_key(conventions: Conventions | None) -> object:
    """The conventions as plain, ordered values (sets sorted), for :func:`section_key`."""
    if conventions is None:
        return None
    return tuple(sorted(value) if isinstance(value, frozenset) else value for value in astuple(conventions))


def _ready_section(job: SectionJob, *, source: str, config: DeckConfig) -> tuple[Section, Finished]:
    from cards.parse import parse_section

    section = parse_section(job, source=source, deck=config.tag_prefix, options=config.reading)
    return section, finish_cards(config, source, ParseResult(section.cards, (), section.code_blocks))


def _joined(parts: Sequence[Finished]) -> Finished:
    """The sections' finished cards as one file's (card indices shifted)."""
    cards: list[Card] = []
    images: list[int] = []
    deep: list[int] = []
    for ready, _, _ in parts:
        images += (len(cards) + i for i in ready.images)
        deep += (len(cards) + i for i in ready.deep)
        cards += ready.cards
    warnings = tuple(w for _, generated, _ in parts for w in generated)
    content = tuple(h for _, _, hashes in parts for h in hashes)
    return Presanitised(tuple(cards), tuple(images), tuple(deep)), warnings, content


# --- the record -------------------------------------------------------------------------------


def _record_path(cache_dir: Path, job: ParseJob) -> Path:
    return cache_dir / job.entry_name().replace(".pickle", ".sections")


def _read_record(cache_dir: Path | None, job: ParseJob) -> dict[bytes, bytes]:
    """The file's sections (key → pickled result) as last parsed; none when the record is
    absent, stale or damaged (a miss, never a failure)."""
    empty: dict[bytes, bytes] = {}
    if cache_dir is None:
        return empty
    try:
        data = _record_path(cache_dir, job).read_bytes()
    except OSError:
        return empty
    header = RECORD_FORMAT + job.digest("sections")
    if not data.startswith(header):
        return empty
    try:
        parts = _PlainUnpickler(io.BytesIO(data[len(header) :])).load()
    except Exception:
        return empty
    if type(parts) is not dict:
        return empty
    if not all(type(k) is bytes and type(v) is bytes for k, v in parts.items()):
        return empty
    return parts


def _write_record(cache_dir: Path | None, job: ParseJob, parts: dict[bytes, bytes]) -> None:
    """Write the record atomically; a cache that cannot be written is skipped silently."""
    if cache_dir is None:
        return
    data = pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL)
    with contextlib.suppress(OSError):
        ensure_cache_folder(cache_dir)
        write_atomically(_record_path(cache_dir, job), RECORD_FORMAT + job.digest("sections") + data)


class _PlainUnpickler(pickle.Unpickler):
    """Plain values only (the record is a dict of bytes)."""

    def find_class(self, module_name: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module_name}.{name} is not allowed in a section record")


class _SectionUnpickler(ModelUnpickler):
    """A section's result: the card model's classes and the few that describe a section."""

    also = frozenset(
        {
            ("cards.parse", "Section"),
            ("cards.conventions", "Evidence"),
            ("cards.conventions", "Conventions"),
            ("cards.markup", "MarkupCounts"),
            ("exporter.media", "Presanitised"),
        }
    )


def _loads_section(data: bytes) -> tuple[Section, Finished] | None:
    """A cached section's result, or None when the data is damaged or not one (checked as the
    parse cache checks a file's entry, see :func:`exporter.cache.well_formed`)."""
    from cards.parse import Section

    try:
        pair = _SectionUnpickler(io.BytesIO(data)).load()
    except Exception:
        return None
    match pair:
        case (
            Section() as section,
            (Presanitised(tuple(cards), tuple(images), tuple(deep)) as ready, tuple(warnings), tuple(hashes)),
        ) if well_formed(cards, warnings, (), images=images, deep=deep, content=hashes) and (
            _well_formed(section)
        ):
            return section, (ready, warnings, hashes)
    return None


def _well_formed(section: Section) -> bool:
    """The section's own cards, warnings and code blocks, and the values merging compares."""
    from cards.conventions import Conventions, Evidence

    warnings = (section.warnings, section.formula_warnings, section.structure_warnings)
    tuples = (section.cards, *warnings, section.code_blocks, section.chapter_in, section.chapter_out)
    return (
        all(type(value) is tuple for value in tuples)
        and well_formed(section.cards, sum(warnings, ()), section.code_blocks)
        and all(type(flag) is bool for flag in (section.starts_clean, section.ends_clean))
        and all(type(title) is str for title in (*section.chapter_in, *section.chapter_out))
        and type(section.keys) is frozenset
        and all(type(key) is str for key in section.keys)
        and type(section.evidence) is Evidence
        and type(section.conventions) is Conventions
    )
