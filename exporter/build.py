"""The build pipeline: deck config → notes files → cards → Anki package.

Plain functions taking a validated config (mkdocs' ``commands/build.py``
style); the CLI only wires options to them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cards import Card, NoteWarning, ParseResult
from cards.errors import CardsError
from cards.generators import Generated
from cards.model import chapter_tag
from cards.text import clean_notes_text
from exporter.cache import Parsed, ParseJob, Progress, cache_dir_for, parsing, write_package
from exporter.config import ConfigError, DeckConfig
from exporter.media import MediaPacker
from exporter.package import MediaFile
from exporter.places import display_path

if TYPE_CHECKING:
    from exporter.lock import LockLocation
    from exporter.package import PackagedNote
    from exporter.regen import Plan


ProgressStart = Callable[[int, int], "Progress | None"]
"""Told the number of notes files and their total length; returns a per-file callback or None."""


class NotesError(CardsError):
    """A notes file cannot be read (exit code 1)."""


@dataclass(frozen=True)
class DeckCards:
    """The cards of one deck, with the warnings met on the way."""

    config: DeckConfig
    cards: tuple[Card, ...]
    warnings: tuple[NoteWarning, ...]
    files: tuple[Path, ...]
    media: tuple[MediaFile, ...] = ()
    """Image files the cards show, to pack under their ``name``."""
    content: tuple[str, ...] = ()
    """Each card's content hash when known (``""``: not known), see :func:`exporter.regen.plan`."""


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote, for the CLI's summary line."""

    output: Path
    cards: int
    files: int
    warnings: tuple[NoteWarning, ...]
    seconds: float
    messages: tuple[str, ...] = field(default=())
    notices: tuple[str, ...] = field(default=())
    """About the lock file and the previous package: shown on stderr."""


def notes_files(config: DeckConfig) -> tuple[Path, ...]:
    """Expand the deck's ``notes`` entries (paths or globs) into files, in order."""
    found: list[Path] = []
    for entry in config.notes:
        literal = config.folder / entry  # "notes [draft].md" is a file name, not a glob
        pattern = str(literal)
        matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
        matches = [literal] if literal.is_file() else [p for p in matches if p.is_file()]
        if not matches:
            raise ConfigError(
                f"{config.path}: notes",
                f"'{entry}' matches no file",
                "fix the path (it is relative to the deck file)",
            )
        found.extend(p for p in matches if p not in found)
    return tuple(found)


def read_notes(path: Path) -> str:
    """Read a notes file as UTF-8 text with ``\\n`` line endings (see :func:`load_notes`)."""
    return load_notes(path)[0]


def load_notes(path: Path, source: str = "") -> tuple[str, tuple[NoteWarning, ...]]:
    """Read a notes file as clean UTF-8 text, with warnings about what was cleaned.

    Binary files and other encodings are errors naming the byte offset, not
    cards full of mojibake.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NotesError(
            str(path), f"cannot read the file ({exc.strerror})", "check the path and permissions"
        ) from None
    _refuse_binary(path, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotesError(
            f"{path}:{line}",
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            "save the file as UTF-8",
        ) from None
    return clean_notes_text(text, source=source or str(path))


def _refuse_binary(path: Path, data: bytes) -> None:
    """Raise unless ``data`` looks like text.

    A few NULs are debris in text (cleaned later, with a warning); many are a
    binary file or UTF-16 text without a byte-order mark.
    """
    head = data[:8192]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotesError(str(path), "UTF-16 text, not UTF-8 (byte offset 0)", "save the file as UTF-8")
    if head.count(0) > max(4, len(head) // 20):
        raise NotesError(
            str(path),
            f"binary data, not text (NUL byte at offset {data.index(0)})",
            "list only Markdown notes files in the deck",
        )


def source_name(path: Path, folder: Path) -> str:
    """How cards, ``list`` and the lock name a notes file: relative to the deck file's folder.

    Not relative to the working folder, so that a build gives the same bytes
    wherever it is started; ``/`` on every system for the same reason. A file
    outside the deck's folder (a ``../`` glob) gets a ``../`` path. Lexical, not
    resolved: a symlinked notes file keeps the name the deck gives it.
    """
    try:
        return Path(os.path.relpath(path, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def shown_source(source: str, folder: Path) -> str:
    """A card's ``source`` as the student's shell sees it (relative to the working folder)."""
    return display_path(folder / source) if source and not Path(source).is_absolute() else source


def shown_warning(warning: NoteWarning, folder: Path) -> str:
    """``path:line: message`` with the path relative to the working folder, for the terminal."""
    return str(NoteWarning(shown_source(warning.source, folder), warning.line, warning.message))


def collect_cards(
    config: DeckConfig,
    *,
    include_tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    progress: ProgressStart | None = None,
) -> DeckCards:
    """Parse every notes file of the deck and apply the tag filters.

    ``progress(files, chars)``, when given, is told how much text there is and
    returns what to call with each file's length once that file is done.
    """
    with collecting(config, include_tags=include_tags, exclude_tags=exclude_tags, progress=progress) as cards:
        return cards()


@contextlib.contextmanager
def collecting(
    config: DeckConfig,
    *,
    include_tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    progress: ProgressStart | None = None,
) -> Iterator[Callable[[], DeckCards]]:
    """:func:`collect_cards` in two steps: changed files start parsing in other processes
    while the body does other work, then the body calls what it is given for the cards."""
    files = notes_files(config)
    sources = [source_name(path, config.folder) for path in files]
    loaded = [load_notes(path, source) for path, source in zip(files, sources, strict=True)]
    jobs = [ParseJob(text, source, config) for (text, _), source in zip(loaded, sources, strict=True)]
    tick = progress(len(jobs), sum(len(job.text) for job in jobs)) if progress else None

    def finish(results: list[Parsed]) -> DeckCards:
        cards: list[Card] = []
        content: list[str] = []
        warnings: list[NoteWarning] = []
        images = MediaPacker(config.folder)
        for path, source, (text, cleaned), parsed in zip(files, sources, loaded, results, strict=True):
            safe, refused = images.cards(parsed.ready, path)  # sanitised, images packed or dropped
            cards.extend(safe)
            content.extend(parsed.content)
            warnings.extend((*cleaned, *parsed.warnings, *refused, *_silent_file(safe, text, source)))
        include = (*config.include_tags, *include_tags)
        exclude = (*config.exclude_tags, *exclude_tags)
        check_filters(config, cards, include, exclude)
        if include or exclude:
            chosen = [(c, h) for c, h in zip(cards, content, strict=True) if _wanted(c, include, exclude)]
            cards, content = [c for c, _ in chosen], [h for _, h in chosen]
        if config.tags:
            cards = [with_deck_tags(c, config.tags) for c in cards]
        media = images.media_of(cards)
        return DeckCards(config, tuple(cards), tuple(warnings), files, media, tuple(content))

    with parsing(jobs, cache_dir_for(config), tick) as results:  # with the generators' cards
        yield lambda: finish(results())


SILENT_FILE_LINES = 20
"""A notes file longer than this that gives no card gets a warning saying what was looked for."""

LOOKED_FOR = (
    "headings or paragraphs that end in '?' or start with a prompt word (Explain, Illustrare, Nennen Sie…), "
    "bold questions, numbered questions and quiz items, '> quoted' sub-questions, headings with "
    "<details> answers"
)


def _silent_file(cards: Sequence[Card], text: str, source: str) -> tuple[NoteWarning, ...]:
    """A warning for a file of notes that gave no card: never silent about a whole file."""
    lines = text.count("\n") + 1
    if cards or lines <= SILENT_FILE_LINES:
        return ()
    message = (
        f"no cards in this file ({lines} lines): notedeck looked for {LOOKED_FOR} — if it holds "
        "questions, mark one with '?' or put <!-- card --> on the line above it"
    )
    return (NoteWarning(source, 0, message),)


def check_filters(
    config: DeckConfig, cards: Sequence[Card], include: Sequence[str], exclude: Sequence[str]
) -> None:
    """A tag filter that matches no card is a typo: say so and list the deck's tags."""
    tags = sorted({t for c in cards for t in c.tags})
    for wanted in (*include, *exclude):
        if not any(tag_matches(t, wanted) for t in tags):
            known = ", ".join(tags[:30]) + (", …" if len(tags) > 30 else "") if tags else "none"
            raise ConfigError(
                str(config.path), f"tag '{wanted}' matches no card", f"use one of the deck's tags: {known}"
            )


def generate_cards(config: DeckConfig, result: ParseResult, source: str) -> Generated:
    """Run the card generators (Keras exercises, …) on one parsed file, unless the deck turns them off."""
    from cards.generators import Generated, GeneratorOptions, run_generators

    if config.exercises <= 0:
        return Generated()
    options = GeneratorOptions(cards_per_model=config.exercises)
    return run_generators(result, source=source, deck=config.tag_prefix, options=options)


def tag_matches(tag: str, wanted: str) -> bool:
    """True if ``wanted`` names ``tag`` or one of its ``::`` segments runs.

    ``CNN`` matches ``ANNDL::CNN`` and ``ANNDL::CNN::exercise``; matching is
    case-insensitive like Anki's tag search.
    """
    parts = tag.casefold().split("::")
    want = wanted.casefold().strip(":").split("::")
    n = len(want)
    return any(parts[i : i + n] == want for i in range(len(parts) - n + 1))


def _wanted(card: Card, include: Sequence[str], exclude: Sequence[str]) -> bool:
    return _wanted_tags(card.tags, include, exclude)


def _wanted_tags(tags: Sequence[str], include: Sequence[str], exclude: Sequence[str]) -> bool:
    if include and not any(tag_matches(t, w) for t in tags for w in include):
        return False
    return not any(tag_matches(t, w) for t in tags for w in exclude)


def with_deck_tags(card: Card, extra: Sequence[str]) -> Card:
    """``card`` with the deck file's ``tags:`` added (spaces become ``_``, as in Anki)."""
    if not extra:
        return card
    from dataclasses import replace

    tags = tuple(dict.fromkeys((*card.tags, *(t.replace(" ", "_") for t in extra))))
    return replace(card, tags=tags)


def deck_name_for(config: DeckConfig, card: Card) -> str:
    """The Anki deck a card goes into (a chapter subdeck when configured)."""
    if config.subdecks == "chapter" and card.chapter:
        return "::".join((config.name, *(c.replace("::", ":") for c in card.chapter)))
    return config.name


LockMode = Literal["use", "reset", "off"]
"""``use`` the lock file, ``reset`` it from the notes, or leave it alone (``off``, ``--no-lock``)."""


def wall_clock() -> int:
    """Seconds since the epoch; tests replace it to build twice in the same second."""
    return int(time.time())


def build_deck(
    config: DeckConfig,
    out_dir: Path,
    *,
    include_tags: Sequence[str] = (),
    exclude_tags: Sequence[str] = (),
    lock: LockMode = "use",
    now: int | None = None,
    progress: ProgressStart | None = None,
    previous_package: Path | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Build ``<out_dir>/<deck stem>.apkg`` from the deck's notes and its lock file.

    The lock describes the whole deck, so ``--tag`` filters only choose what
    goes into this package. Nothing is written when the lock cannot be read.
    When the lock is missing or older than the previous package (the output,
    or ``previous_package``), it is recovered from that package
    (:mod:`exporter.recovery`). Builds of one deck take turns (``notify`` hears
    when this one waits).
    """
    with contextlib.ExitStack() as held:  # the deck's turn, from reading the lock to writing it
        return _build(
            config, out_dir, include_tags, exclude_tags, lock, now, progress, previous_package, notify, held
        )


def _build(
    config: DeckConfig,
    out_dir: Path,
    include_tags: Sequence[str],
    exclude_tags: Sequence[str],
    lock: LockMode,
    now: int | None,
    progress: ProgressStart | None,
    previous_package: Path | None,
    notify: Callable[[str], None],
    held: contextlib.ExitStack,
) -> BuildReport:
    from exporter.lock import (
        dump_lock,
        exclusive,
        file_digest,
        locate_lock,
        lock_digest,
        read_lock,
        write_lock,
    )
    from exporter.package import note_type_fingerprints, prepare_writer, read_apkg
    from exporter.recovery import look_back
    from exporter.regen import notes_summary, plan, unique_keys

    started = time.perf_counter()
    with collecting(config, progress=progress) as cards:
        # While changed notes files are parsed elsewhere: the lock, and what packaging needs.
        where = locate_lock(config.folder, config.stem, out_dir, shipped=config.shipped)
        read = on_disk = None
        if lock != "off":
            waiting = f"waiting for another build of {display_path(config.path)} to finish…"
            held.enter_context(exclusive(where.write, waiting=lambda: notify(waiting)))
        if lock == "use":
            read = read_lock(where.read, shown=display_path(where.read), deck_id=config.id)
            on_disk = file_digest(where.read) if read is not None else None
        fingerprints = note_type_fingerprints()
        prepare_writer()
        deck = cards()
    output = out_dir / f"{config.stem}.apkg"
    past = look_back(
        config,
        lock,
        read,
        where.read,
        previous_package or output,
        previous_package is not None,
        lambda: unique_keys(deck.cards)[0],
        on_disk,
    )
    result = plan(
        deck.cards,
        [deck_name_for(config, card) for card in deck.cards],
        deck_id=config.id,
        root_deck=config.name,
        previous=past.lock,
        now=wall_clock() if now is None else now,
        fingerprint=fingerprints["basic"],
        recover=lambda gone: {n.guid: n for n in (past.package.notes if past.package else read_apkg(output))},
        content=deck.content,
        fingerprints=fingerprints,
        times=past.times,
        renamed_from=past.renamed_from,
    )
    include = (*config.include_tags, *include_tags)
    exclude = (*config.exclude_tags, *exclude_tags)
    check_filters(config, deck.cards, include, exclude)
    chosen, notes, content = _package_notes(deck, result, include, exclude)
    rewrite = lock != "off" and (result.lock != read or where.read != where.write)
    text = dump_lock(result.lock) if rewrite else None
    write_package(
        cache_dir_for(config),
        output,
        summary=notes_summary(notes, content),
        deck_id=config.id,
        deck_name=config.name,
        notes=notes,
        note_type_mod=result.note_type_mod,
        media=_media_of(chosen, deck.media),
        lock_digest=lock_digest(text) if text is not None else on_disk or "",
    )
    if text is not None:
        # Read from this very file and changed since: no need to read it again to compare.
        write_lock(where.write, result.lock, compare=read is None or where.read != where.write, text=text)
    return BuildReport(
        output=output,
        cards=len(chosen),
        files=len(deck.files),
        warnings=(*deck.warnings, *result.warnings),
        seconds=time.perf_counter() - started,
        messages=(*past.messages, *_regen_messages(result, where, output, lock, config)),
        notices=tuple(past.notices),
    )


def _package_notes(
    deck: DeckCards, result: Plan, include: Sequence[str], exclude: Sequence[str]
) -> tuple[list[Card], list[PackagedNote], list[str]]:
    """What goes into this package: the cards the tag filters keep, their notes, then the
    tombstones they keep; and each note's content hash."""
    from exporter.regen import content_hash, tombstone_note

    chosen = [
        (c, n, h)
        for c, n, h in zip(deck.cards, result.notes, result.content, strict=True)
        if not (include or exclude) or _wanted_tags(c.tags, include, exclude)
    ]
    notes = [n for _, n, _ in chosen]
    content = [h for _, _, h in chosen]
    live = len(notes)
    buried = [t for t in result.tombstones if _wanted_tags(t.tags, include, exclude)]
    notes += [tombstone_note(t, len(result.notes) + i) for i, t in enumerate(buried)]
    content += [content_hash(n.question, n.context, n.answer, n.tags, n.deck) for n in notes[live:]]
    return [c for c, _, _ in chosen], notes, content


def planned_guids(config: DeckConfig, cards: Sequence[Card], out_dir: Path = Path("build")) -> list[str]:
    """The GUIDs a build would give ``cards`` (the whole deck), from its lock, or from the previous
    package when the lock is missing or older (as the build would recover it); writes nothing."""
    from exporter.lock import file_digest, locate_lock, read_lock
    from exporter.package import note_type_fingerprint
    from exporter.recovery import look_back
    from exporter.regen import plan, unique_keys

    where = locate_lock(config.folder, config.stem, out_dir, shipped=config.shipped)
    read = read_lock(where.read, shown=display_path(where.read), deck_id=config.id)
    package = out_dir / f"{config.stem}.apkg"
    digest = file_digest(where.read) if read is not None else None
    past = look_back(config, "use", read, where.read, package, False, lambda: unique_keys(cards)[0], digest)
    result = plan(
        cards,
        [deck_name_for(config, card) for card in cards],
        deck_id=config.id,
        root_deck=config.name,
        previous=past.lock,
        now=wall_clock(),
        fingerprint=note_type_fingerprint(),
    )
    return [note.guid for note in result.notes]


def _media_of(cards: Sequence[Card], media: Sequence[MediaFile]) -> tuple[MediaFile, ...]:
    """The packed files that ``cards`` show (a ``--tag`` build carries only its own images)."""
    from exporter.media import shown_images

    if not media:
        return ()
    names = {src for card in cards for src in shown_images(card)}
    return tuple(m for m in media if m.name in names)


def _regen_messages(
    result: Plan, where: LockLocation, output: Path, lock: LockMode, config: DeckConfig
) -> tuple[str, ...]:
    """What a build tells the student about identities, tombstones and the lock file."""
    messages = [f"kept history: '{old}' → '{new}'" for old, new in result.rematches]
    if result.tombstones:
        n = len(result.tombstones)
        s = "s" if n != 1 else ""
        messages.append(
            f"{n} removed card{s} kept as tombstone{s}; find them in Anki with: tag:notedeck::removed "
            f"(then 'notedeck prune {display_path(config.path)}' forgets them)"
        )
    if result.unrecovered:
        messages.append(
            f"note: {result.unrecovered} removed card(s) had no saved content ({display_path(output)} "
            "was missing or out of date); their tombstones show only the question"
        )
    if lock != "off" and not where.beside_deck and not config.shipped:
        messages.append(
            f"note: {display_path(config.folder)} is not writable; the lock file is kept at "
            f"{display_path(where.write)}"
        )
    if lock == "reset":
        messages.append(f"lock file rebuilt from the notes: {display_path(where.write)}")
    return tuple(messages)


__all__ = [
    "BuildReport",
    "DeckCards",
    "LockMode",
    "NotesError",
    "build_deck",
    "chapter_tag",
    "collect_cards",
    "deck_name_for",
    "display_path",
    "load_notes",
    "notes_files",
    "planned_guids",
    "read_notes",
    "shown_source",
    "shown_warning",
    "source_name",
    "tag_matches",
    "wall_clock",
]
