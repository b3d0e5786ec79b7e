"""The parse cache: a rebuild re-parses only the notes files that changed.

Parsing is most of a build's time, and between two builds a student usually
edits one file. Each notes file's cards (with the cards the generators make from its code,
sanitised as far as they can be without the deck's image files), warnings and code blocks are stored in
``.notedeck-cache/`` next to the deck file, keyed by a hash of the file's text,
its displayed path, the deck name, notedeck's code and the versions of the
libraries that shape the HTML. Anything else is a miss that re-parses, so the
folder is safe to delete at any time and a build's output never depends on it.

Files that miss are parsed on every core when there is enough text to be worth
starting worker processes; results come back in file order, so the output is the
same bytes as a serial build. A big file is parsed in sections, and keeps them
(:mod:`exporter.sections`): after an edit, only the sections it changed are parsed.

Environment: ``NOTEDECK_NO_CACHE=1`` ignores the cache, ``NOTEDECK_CACHE_DIR``
moves it, ``NOTEDECK_JOBS=N`` caps the cores used (see :mod:`exporter.parallel`).
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import io
import marshal
import operator
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any, NamedTuple

from cards import model
from cards.model import Card, CodeBlock, NoteWarning, ParseResult
from exporter.config import DeckConfig
from exporter.media import Presanitised, presanitise
from exporter.parallel import cores_allowed, fork_context

CACHE_DIR_NAME = ".notedeck-cache"
FORMAT = b"notedeck parse cache 3\n"
"""First line of every entry; a different line means another format: a miss."""
SECTION_CHARS = 3_000_000
"""Most text one process parses at once (markdown-it's tokens take about 50 bytes a character)."""
PARALLEL_MIN_CHARS = 400_000
"""Text to parse below which worker processes cost more than they save (~0.15 s of parsing)."""


@dataclass(frozen=True)
class ParseJob:
    """One notes file to turn into a :class:`Parsed`."""

    text: str
    """The file's clean text (see :func:`exporter.build.load_notes`)."""
    source: str
    """Path shown in cards and warnings."""
    config: DeckConfig
    """The deck: its name prefixes chapter tags, its options steer the generators."""

    def key(self) -> bytes:
        """Digest of everything the parse result depends on."""
        return self.digest(self.text)

    def digest(self, *parts: str) -> bytes:
        """Digest of notedeck's code, the file's path, the deck's options and ``parts``."""
        digest = hashlib.sha256(code_fingerprint())
        where = ("path", "shipped")  # where the deck lives does not change its cards
        options = {f.name: getattr(self.config, f.name) for f in fields(self.config) if f.name not in where}
        for part in (self.source, repr(sorted(options.items())), *parts):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big") + data)
        return digest.digest()

    def entry_name(self) -> str:
        """File name of the job's entry: one per (file, deck), overwritten when the file changes."""
        slot = hashlib.sha256(f"{self.source}\x00{self.config.name}".encode("utf-8", "surrogatepass"))
        return slot.hexdigest()[:32] + ".pickle"


class Parsed(NamedTuple):
    """What one notes file gives, nearly ready for the package."""

    ready: Presanitised
    """The parser's and the generators' cards in line order, sanitised unless they show images."""
    warnings: tuple[NoteWarning, ...]
    """The parser's warnings, then the generators'."""
    code_blocks: tuple[CodeBlock, ...]
    content: tuple[str, ...] = ()
    """The content hash of each card as it goes into the package (``""`` for a card showing
    images, whose fields change when they are packed); see :func:`exporter.regen.content_hash`."""


def cache_dir_for(config: DeckConfig) -> Path | None:
    """The cache folder of a deck (``None``: caching is switched off).

    Next to the deck file; in the user's cache folder for a deck shipped
    inside notedeck, whose folder may be read-only (see :mod:`exporter.places`).
    """
    if os.environ.get("NOTEDECK_NO_CACHE", "") not in ("", "0"):
        return None
    override = os.environ.get("NOTEDECK_CACHE_DIR")
    if override:
        return Path(override)
    if config.shipped:
        from exporter.places import cache_folder

        return cache_folder()
    return config.folder / CACHE_DIR_NAME


Progress = Callable[[int], None]
"""Called with the length of each notes text once its file is done (for a progress bar)."""


def parse_all(
    jobs: Sequence[ParseJob], cache_dir: Path | None, progress: Progress | None = None
) -> list[Parsed]:
    """Parsed notes of ``jobs``, in order, from the cache where possible."""
    with parsing(jobs, cache_dir, progress) as results:
        return results()


@contextlib.contextmanager
def parsing(
    jobs: Sequence[ParseJob], cache_dir: Path | None, progress: Progress | None = None
) -> Iterator[Callable[[], list[Parsed]]]:
    """Start parsing ``jobs``; the body may do other work, then calls what it is given for the results.

    A rebuild after an edit finds most files in the cache. The few that changed
    are then parsed in worker processes while this process loads the cached
    ones and the body goes on (reading the lock file), so both cores work.
    Otherwise (a cold build, one core) the parsing happens when the results are
    asked for, a big file in sections on every core.
    """
    tick = progress or (lambda chars: None)
    entries = [_entry(cache_dir, job) if cache_dir else None for job in jobs]
    missing = [i for i, entry in enumerate(entries) if entry is None]
    children = _background(jobs, missing, hits=len(jobs) - len(missing), cache_dir=cache_dir)
    try:

        def results() -> list[Parsed]:
            done: list[Parsed | None] = []
            for entry, job in zip(entries, jobs, strict=True):
                done.append(_loads_or_none(entry) if entry is not None else None)
                if done[-1] is not None:
                    tick(len(job.text))
            stale = [i for i, parsed in enumerate(done) if parsed is None]
            waited = bool(children) and stale == missing
            if waited:
                parsed: Iterable[bytes] = _collect(children, len(missing))
            else:  # not started, or a damaged entry turned out to be a miss after all
                parsed = _parse_pickled([jobs[i] for i in stale], tick, cache_dir)
            for i, data in zip(stale, parsed, strict=True):
                done[i] = _loads(data)
                if waited:
                    tick(len(jobs[i].text))
                if cache_dir is not None:
                    _store(cache_dir, jobs[i], data)
            return [parsed for parsed in done if parsed is not None]

        yield results
    finally:
        for child in children:
            child.stop()


class _Child:
    """A forked process parsing some notes files; its results come back through a pipe, in order.

    Forking hands the child its files without pickling them through a queue, so
    it starts at once even while this process is busy (a queue's feeder thread
    would wait for the interpreter lock).
    """

    def __init__(self, jobs: Sequence[ParseJob], cache_dir: Path | None) -> None:
        context = fork_context()
        self.reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=_parse_into, args=(jobs, writer, cache_dir), daemon=True)
        try:
            self.process.start()
        except BaseException:
            self.reader.close()
            raise
        finally:
            writer.close()

    def receive(self) -> bytes:
        """The next file's pickled result (a failure in the child is raised here)."""
        try:
            data: bytes = self.reader.recv_bytes()
        except EOFError:
            raise RuntimeError("a notes parsing process ended without its result") from None
        if data[:1] == b"E":
            raise pickle.loads(data[1:])
        return data[1:]

    def stop(self) -> None:
        self.reader.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _parse_into(jobs: Sequence[ParseJob], writer: Any, cache_dir: Path | None) -> None:
    for job in jobs:
        try:
            data = b"R" + parse_job(job, cache_dir=cache_dir)
        except Exception as exc:  # raised again in the parent, as a pool would
            data = b"E" + _pickled_error(exc)
        writer.send_bytes(data)
        if data[:1] == b"E":
            break
    writer.close()


def _pickled_error(exc: Exception) -> bytes:
    try:
        return pickle.dumps(exc)
    except Exception:
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))


def _collect(children: Sequence[_Child], count: int) -> Iterator[bytes]:
    """Results of the missing files in order: child ``k`` parsed files ``k``, ``k + n``, …"""
    for i in range(count):
        yield children[i % len(children)].receive()


def _background(
    jobs: Sequence[ParseJob], missing: Sequence[int], hits: int, cache_dir: Path | None
) -> list[_Child]:
    """Children parsing the missing files while the cached ones load, or none when not worth it.

    Worth it when some files are cached (there is other work to overlap), more
    than one core is allowed, processes can be forked, and every file to parse
    is small enough to be parsed whole (a huge one is parsed in sections instead).
    """
    cores = cores_allowed()
    if not missing or not hits or cores < 2 or fork_context().get_start_method() != "fork":
        return []
    if any(len(jobs[i].text) >= SECTION_CHARS for i in missing):
        return []
    n = min(cores, len(missing))
    children: list[_Child] = []
    try:
        for k in range(n):
            children.append(_Child([jobs[i] for i in missing[k::n]], cache_dir))
    except OSError:  # no process to spare (a limit on processes or memory): parse here instead
        for child in children:
            child.stop()
        return []
    return children


def parse_job(job: ParseJob, workers: int = 1, cache_dir: Path | None = None) -> bytes:
    """Parse one file, run the generators and sanitise the cards; pickled (what a worker sends
    back and the cache keeps). With ``workers``, a big file is parsed in sections on that many
    cores; with ``cache_dir``, a big file reuses the sections an edit left alone (see
    :mod:`exporter.sections`)."""
    from cards.parse import parse_document
    from exporter.sections import in_sections, parse_in_sections

    sectioned = parse_in_sections(job, workers, cache_dir) if in_sections(job, workers, cache_dir) else None
    if sectioned is None:
        result = parse_document(
            job.text, source=job.source, deck=job.config.tag_prefix, options=job.config.reading
        )
        sectioned = result, finish_cards(job.config, job.source, result)
    result, (ready, generated, content) = sectioned
    warnings = (*result.warnings, *generated)
    return pickle.dumps((*ready, warnings, result.code_blocks, content), protocol=pickle.HIGHEST_PROTOCOL)


Finished = tuple[Presanitised, tuple[NoteWarning, ...], tuple[str, ...]]
"""A file's (or section's) cards ready for the package, the generators' warnings, content hashes."""


def finish_cards(config: DeckConfig, source: str, result: ParseResult) -> Finished:
    """Add the generators' cards to the parser's, sanitise them and hash their content."""
    from exporter.build import generate_cards

    generated = generate_cards(config, result, source)
    # Exercise cards join the notes' own cards at their code's line; the parser's order is kept.
    in_order = heapq.merge(result.cards, sorted(generated.cards, key=_line), key=_line)
    ready = presanitise(in_order)
    return ready, generated.warnings, package_hashes(config, ready)


def package_hashes(config: DeckConfig, ready: Presanitised) -> tuple[str, ...]:
    """Content hashes of a file's cards with the deck's extra tags and deck names, as the
    package will show them: made where the file is parsed (another core), kept in the cache."""
    from exporter.build import deck_name_for, with_deck_tags
    from exporter.regen import content_hash

    images = frozenset(ready.images)
    hashes = []
    for i, card in enumerate(ready.cards):
        if i in images:
            hashes.append("")
            continue
        card = with_deck_tags(card, config.tags)
        hashes.append(
            content_hash(card.question, card.context, card.answer, card.tags, deck_name_for(config, card))
        )
    return tuple(hashes)


def _line(card: Card) -> int:
    return card.line


def _parse_pickled(jobs: Sequence[ParseJob], tick: Progress, cache_dir: Path | None) -> Iterator[bytes]:
    cores = cores_allowed()
    workers = min(cores, len(jobs))
    if workers < 2 or sum(len(job.text) for job in jobs) < PARALLEL_MIN_CHARS:
        for job in jobs:
            big = cores > 1 and len(job.text) >= PARALLEL_MIN_CHARS
            yield parse_job(job, cores if big else 1, cache_dir)  # one big file: its sections on every core
            tick(len(job.text))
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=fork_context()) as pool:
        # Largest files first keeps both cores busy until the end; map keeps the order.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].text))
        done: dict[int, bytes] = {}
        parse = partial(parse_job, cache_dir=cache_dir)
        for i, data in zip(order, pool.map(parse, [jobs[i] for i in order]), strict=True):
            done[i] = data
            tick(len(jobs[i].text))
        yield from (done[i] for i in range(len(jobs)))


@lru_cache(maxsize=1)
def code_fingerprint() -> bytes:
    """Hash of the code between notes and package: a new notedeck or library invalidates entries."""
    import importlib.util
    import sqlite3
    import zlib

    import markdown_it
    import mdit_py_plugins
    import pygments

    from exporter import __version__

    versions = [__version__, sys.version, sqlite3.sqlite_version, zlib.ZLIB_RUNTIME_VERSION]
    versions += [markdown_it.__version__, mdit_py_plugins.__version__, pygments.__version__]
    digest = hashlib.sha256("\x00".join(versions).encode())
    genanki = importlib.util.find_spec("genanki")
    folders = [Path(model.__file__).parent, Path(__file__).parent]
    if genanki is not None and genanki.origin:
        folders.append(Path(genanki.origin).parent)
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\x00" + path.read_bytes())
    return digest.digest()


def write_package(
    cache_dir: Path | None, path: Path, *, summary: bytes | None = None, **package: Any
) -> bool:
    """Write the package at ``path`` unless the same package is already there; True if written.

    "The same" means: the file is the one the last build wrote (same size and
    modification time) and everything that went into it (notes, times, media,
    notedeck's code) is unchanged, so writing would give the same bytes.
    ``summary`` (see :func:`exporter.regen.notes_summary`) stands for the notes
    when given.
    """
    from exporter.package import write_apkg

    record = (
        cache_dir / f"package-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]}"
        if cache_dir
        else None
    )
    fingerprint = _package_fingerprint(package, summary)
    if record is not None and _stamp(path, fingerprint) == _read(record):
        return False
    write_apkg(path, **package)
    if record is not None:
        with contextlib.suppress(OSError):
            ensure_cache_folder(record.parent)
            write_atomically(record, _stamp(path, fingerprint))
    return True


def _package_fingerprint(package: dict[str, Any], summary: bytes | None) -> bytes:
    digest = hashlib.sha256(code_fingerprint())
    for key in sorted(package):
        part = summary if key == "notes" and summary is not None else _dumps(package[key])
        digest.update(key.encode() + b"\x1e" + part)
    return digest.digest()


def _dumps(value: Any) -> bytes:
    """Deterministic bytes of a package argument (50k notes in a few hundredths of a second)."""
    if isinstance(value, (list, tuple)) and value and is_dataclass(value[0]):
        row = operator.attrgetter(*(f.name for f in fields(value[0])))
        value = [row(item) for item in value]
    elif isinstance(value, (list, tuple)) and value and isinstance(value[0], tuple):
        value = [tuple(item) for item in value]  # named tuples: marshal takes only plain ones
    try:
        return marshal.dumps(value, 2)  # version 2: no back-references, so equal values, equal bytes
    except ValueError:  # not plain data (e.g. paths of media files)
        return repr(value).encode("utf-8", "surrogatepass")


def _stamp(path: Path, fingerprint: bytes) -> bytes:
    """What identifies a written package: its fingerprint, size and modification time."""
    try:
        info = path.stat()
    except OSError:
        return b""
    return FORMAT + fingerprint + f"{info.st_size} {info.st_mtime_ns}".encode()


def _read(record: Path) -> bytes | None:
    try:
        return record.read_bytes()
    except OSError:
        return None


def _entry(cache_dir: Path, job: ParseJob) -> bytes | None:
    """The pickled part of ``job``'s entry, or ``None`` when absent, stale or unreadable."""
    try:
        data = (cache_dir / job.entry_name()).read_bytes()
    except OSError:
        return None
    header = len(FORMAT) + 32
    if data[: len(FORMAT)] != FORMAT or data[len(FORMAT) : header] != job.key():
        return None
    return data[header:]


def _loads_or_none(data: bytes) -> Parsed | None:
    try:
        return _loads(data)
    except Exception:  # any damage to the entry is a miss, never a failed build
        return None


def _store(cache_dir: Path, job: ParseJob, data: bytes) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped silently."""
    with contextlib.suppress(OSError):
        ensure_cache_folder(cache_dir)
        write_atomically(cache_dir / job.entry_name(), FORMAT + job.key() + data)


def write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def ensure_cache_folder(cache_dir: Path) -> None:
    """Create the folder with a ``.gitignore`` so it is never committed by accident."""
    if cache_dir.is_dir():
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / ".gitignore").write_text("# notedeck's parse cache, safe to delete\n*\n", encoding="utf-8")


class ModelUnpickler(pickle.Unpickler):
    """Unpickles only the card model's dataclasses: an entry planted by someone else can
    at worst describe wrong cards, never run code."""

    also: frozenset[tuple[str, str]] = frozenset()
    """Other classes (module, name) an entry may hold."""

    def find_class(self, module_name: str, name: str) -> Any:
        if module_name == model.__name__ and name in _MODEL_CLASSES:
            return getattr(model, name)
        if (module_name, name) in self.also:
            return getattr(sys.modules[module_name], name)
        raise pickle.UnpicklingError(f"{module_name}.{name} is not allowed in the parse cache")


_MODEL_CLASSES = frozenset(
    name
    for name, value in vars(model).items()
    if isinstance(value, type) and value.__module__ == model.__name__
)


def _loads(data: bytes) -> Parsed:
    loaded = ModelUnpickler(io.BytesIO(data)).load()
    match loaded:
        case (tuple(cards), tuple(images), tuple(deep), tuple(warnings), tuple(code), tuple(content)) if (
            well_formed(cards, warnings, code, images=images, deep=deep, content=content)
        ):
            return Parsed(Presanitised(cards, images, deep), warnings, code, content)
    raise pickle.UnpicklingError("not a parse result")


def well_formed(
    cards: tuple[object, ...],
    warnings: tuple[object, ...],
    code: tuple[object, ...],
    *,
    images: tuple[object, ...] = (),
    deep: tuple[object, ...] = (),
    content: tuple[object, ...] | None = None,
) -> bool:
    """Whether unpickled cache data holds what a parse gives: cards, warnings, code blocks,
    indices of cards and one content hash per card (when given). Anything else is a miss."""
    return (
        _all(cards, Card)
        and _all(warnings, NoteWarning)
        and _all(code, CodeBlock)
        and all(type(i) is int and 0 <= i < len(cards) for i in (*images, *deep))
        and (content is None or (len(content) == len(cards) and _all(content, str)))
    )


def _all(values: tuple[object, ...], kind: type) -> bool:
    return all(isinstance(value, kind) for value in values)
