"""Anki packaging: the only module that imports genanki.

It hides genanki's gaps (no types, per-package timestamps, a temporary SQLite
file it never deletes, non-reproducible zips) and follows shared/ANKI_FACTS.md:
stable GUIDs, per-note modification times, ``due`` = position, a note type
whose fields are never renamed, and an atomic write.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from cards.errors import CardsError
from cards.model import NoteFamily

NOTE_TYPE_ID = 1_607_392_319_001
"""Id of the notedeck note type. Fixed forever: a new schema needs a new id."""
NOTE_TYPE_NAME = "notedeck"
FIELDS = ("Question", "Context", "Answer", "Source")
"""Field names of the note type. Never rename or reorder them (ANKI_FACTS 8)."""

CLOZE_TYPE_ID = 1_607_392_319_002
"""Id of the cloze note type (cards of kind ``cloze``). Fixed forever, never reused."""
CLOZE_TYPE_NAME = "notedeck cloze"
CLOZE_FIELDS = ("Text", "Context", "Extra", "Source")
"""Never rename or reorder them. Same slots as :data:`FIELDS`: question, context, answer, source."""

REVERSED_TYPE_ID = 1_607_392_319_003
"""Id of the two-way note type (cards of kind ``reversed``). Fixed forever, never reused."""
REVERSED_TYPE_NAME = "notedeck (and reversed)"
REVERSED_FIELDS = ("Front", "Context", "Back", "Source")
"""Never rename or reorder them. Same slots as :data:`FIELDS`: question, context, answer, source."""

FRONT = """\
{{#Context}}<div class="context">{{Context}}</div>{{/Context}}
<div class="question">{{Question}}</div>"""
BACK = """\
{{FrontSide}}
<hr id="answer">
<div class="answer">{{Answer}}</div>
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}"""

CLOZE_FRONT = """\
{{#Context}}<div class="context">{{Context}}</div>{{/Context}}
<div class="question">{{cloze:Text}}</div>"""
# Anki's own cloze back repeats {{cloze:Text}}: {{FrontSide}} would keep the deletion hidden.
CLOZE_BACK = """\
{{#Context}}<div class="context">{{Context}}</div>{{/Context}}
<div class="question">{{cloze:Text}}</div>
{{#Extra}}<hr id="answer">
<div class="answer">{{Extra}}</div>{{/Extra}}
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}"""
CLOZE_CSS = """\
.cloze { font-weight: 700; color: #0a58ca; }
.nightMode .cloze { color: #79b8ff; }
"""

REVERSED_TEMPLATES = (
    (
        "Card 1",
        """\
{{#Context}}<div class="context">{{Context}}</div>{{/Context}}
<div class="question">{{Front}}</div>""",
        """\
{{FrontSide}}
<hr id="answer">
<div class="answer">{{Back}}</div>
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}""",
    ),
    (
        "Card 2",
        """\
{{#Context}}<div class="context">{{Context}}</div>{{/Context}}
<div class="question">{{Back}}</div>""",
        """\
{{FrontSide}}
<hr id="answer">
<div class="answer">{{Front}}</div>
{{#Source}}<div class="source">{{Source}}</div>{{/Source}}""",
    ),
)
"""(name, front, back) of the two cards of a reversed note: front → back, back → front."""

BASE_CSS = """\
.card { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px; line-height: 1.45; text-align: left; color: #1d1d1f; background: #fff;
  max-width: 46em; margin: 0 auto; padding: 0 .6em; overflow-wrap: anywhere; }
.nightMode.card, .card.nightMode { color: #e6e6e6; background: #1e1e1e; }
.question { font-weight: 600; }
.context { font-size: .9em; border-left: 3px solid #8aa4c8; padding: .2em .7em; margin-bottom: .8em;
  background: rgba(138, 164, 200, .10); }
.answer h2, .answer h3, .answer h4, .answer h5, .answer h6 { font-size: 1em; margin: 1em 0 .3em;
  color: #50627a; }
.nightMode .answer h2, .nightMode .answer h3, .nightMode .answer h4 { color: #9fb4d0; }
.alternative { border: 0; border-top: 2px dashed #999; margin: 1.2em 0; }
.options { list-style: none; padding-left: .2em; }
.options li { margin: .25em 0; }
.correct { color: #1a7f37; font-weight: 600; }
.nightMode .correct { color: #56d364; }
.source { margin-top: 1.5em; font-size: .7em; color: #888; font-family: ui-monospace, monospace; }
table { border-collapse: collapse; margin: .5em 0; display: block; overflow-x: auto; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .2em .5em; }
.nightMode th, .nightMode td { border-color: #555; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; font-size: .8em; padding: .5em; border-radius: 4px; overflow-x: auto; }
code { font-family: ui-monospace, "SF Mono", Menlo, Consolas, monospace; font-size: .9em; }
.highlight { background: #f6f8fa; border-radius: 4px; }
.nightMode .highlight { background: #272822; }
.highlight .hll-layer, .layer-pointer { background: #fff3b0; display: inline-block; width: 100%; }
.nightMode .layer-pointer { background: #4a4220; }
"""


class PackagedNote(NamedTuple):
    """One note as it goes into the package.

    A named tuple rather than a frozen dataclass: a 50,000-card build makes
    one per card on every rebuild, and tuples are made several times faster.
    """

    guid: str
    question: str
    context: str
    answer: str
    source: str
    tags: tuple[str, ...]
    deck: str
    """Full Anki deck name the note's card goes into."""
    mod: int
    """Modification time (seconds); Anki updates a note only when it is newer."""
    due: int
    """Position among new cards, so they are studied in notes order."""
    family: NoteFamily = "basic"
    """The note type: ``question``/``context``/``answer``/``source`` fill its four fields in order."""


@dataclass(frozen=True)
class MediaFile:
    """A media file to pack: its unique name inside the package and its path."""

    name: str
    path: Path


def note_type_css() -> str:
    """The note type's full CSS: layout plus code highlighting classes."""
    from cards.render import code_css

    return BASE_CSS + code_css()


def note_type_fingerprint() -> str:
    """Hash of everything Anki stores for the (basic) note type (templates and CSS)."""
    return _fingerprint(NOTE_TYPE_NAME, FIELDS, FRONT, BACK, note_type_css())


def _fingerprint(name: str, fields: Sequence[str], front: str, back: str, css: str) -> str:
    text = "\x1e".join((name, *fields, front, back, css))
    return hashlib.sha256(text.encode()).hexdigest()


def note_type_fingerprints() -> dict[NoteFamily, str]:
    """:func:`note_type_fingerprint` of each note type, by family.

    A build's lock combines only the families its package uses (see
    :func:`exporter.regen.plan`), so a deck of basic cards keeps the
    fingerprint, note type time and package bytes it had before cloze and
    reversed note types existed.
    """
    css = note_type_css()
    cloze = "\x1e".join((CLOZE_TYPE_NAME, *CLOZE_FIELDS, CLOZE_FRONT, CLOZE_BACK, css + CLOZE_CSS))
    templates = (part for template in REVERSED_TEMPLATES for part in template)
    reversed_ = "\x1e".join((REVERSED_TYPE_NAME, *REVERSED_FIELDS, *templates, css))
    return {
        "basic": note_type_fingerprint(),
        "cloze": hashlib.sha256(cloze.encode()).hexdigest(),
        "reversed": hashlib.sha256(reversed_.encode()).hexdigest(),
    }


def prepare_writer() -> None:
    """Import genanki ahead of :func:`write_apkg` (a build does it while notes are parsed elsewhere)."""
    import genanki  # noqa: F401


def deck_id_for(root_id: int, name: str, root_name: str) -> int:
    """Id of a (sub)deck: the configured id for the root, derived for subdecks."""
    if name == root_name:
        return root_id
    digest = hashlib.sha256(f"{root_id}\x1f{name}".encode()).digest()
    return int.from_bytes(digest[:6], "big") + 1


class OutputError(CardsError):
    """The package cannot be written where asked (exit code 1)."""


def write_apkg(
    path: Path,
    *,
    deck_id: int,
    deck_name: str,
    notes: Sequence[PackagedNote],
    note_type_mod: int,
    media: Sequence[MediaFile] = (),
    lock_digest: str = "",
) -> None:
    """Write ``notes`` as an Anki package at ``path``, atomically.

    ``lock_digest`` (see :func:`package_comment`) names the lock file written with it.

    Either the complete package is at ``path`` afterwards or the previous file
    is untouched; no temporary file is left behind (one left by a build that
    was killed is removed by the next build). The output is byte-for-byte
    reproducible from the same arguments.
    """
    _check_output(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        with _temporary(path.parent, path.name, ".anki2") as db_path:
            _write_collection(db_path, deck_id, deck_name, notes, note_type_mod)
            with _temporary(path.parent, path.name, ".apkg") as zip_path:
                _write_zip(zip_path, db_path, media, package_comment(deck_id, lock_digest))
                os.chmod(zip_path, 0o666 & ~_umask())
                os.replace(zip_path, path)
    except OSError as exc:
        raise OutputError(
            str(path),
            f"cannot write the package ({exc.strerror or exc})",
            "choose another --out folder or fix its permissions",
        ) from None


def _check_output(path: Path) -> None:
    """Refuse an output that is a folder, or a folder on the way that is a file."""
    if path.is_dir():
        raise OutputError(
            str(path), "is a folder, not a package file", "remove the folder or choose another --out folder"
        )
    for folder in path.parents:
        if folder.exists():
            if not folder.is_dir():
                raise OutputError(
                    str(folder), "is a file, not a folder", "choose another --out folder or move the file"
                )
            return


def _remove_stale_temporaries(path: Path) -> None:
    """Delete temporary files of earlier builds of ``path`` whose process is gone.

    A build killed outright (SIGKILL, power cut) cannot clean up after itself;
    its process id in the file name tells a leftover from a build still running.
    """
    prefix = f".{path.name}."
    for entry in path.parent.iterdir():
        name = entry.name
        if not (name.startswith(prefix) and ".tmp." in name):
            continue
        pid = name[len(prefix) :].split(".", 1)[0]
        if pid.isdigit() and not _is_running(int(pid)):
            entry.unlink(missing_ok=True)


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would terminate the process there; keep the file
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_WRITING: list[tuple[Path, str]] = []
"""(folder, name prefix) of the temporary files this process is writing now."""


@contextlib.contextmanager
def _temporary(folder: Path, stem: str, suffix: str) -> Iterator[Path]:
    """A temporary file next to the output (same file system, so rename is atomic)."""
    # The process id lets a later build tell a leftover from a build still running.
    prefix = f".{stem}.{os.getpid()}."
    _WRITING.append((folder, prefix))  # before the file exists: a signal may come at any time
    try:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=f".tmp{suffix}", dir=folder)
        os.close(fd)
        try:
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)
    finally:
        _WRITING.remove((folder, prefix))


def remove_temporaries() -> None:
    """Delete the temporary files being written now (with SQLite's journal).

    Safe at any moment, e.g. from a signal handler just before the process
    exits: the package itself only ever appears by an atomic rename.
    """
    for folder, prefix in list(_WRITING):
        with contextlib.suppress(OSError):
            for entry in folder.iterdir():
                if entry.name.startswith(prefix):
                    entry.unlink(missing_ok=True)


def _note_type(family: NoteFamily = "basic") -> Any:
    """The genanki model of a note family's note type."""
    import genanki

    if family == "cloze":
        return genanki.Model(
            CLOZE_TYPE_ID,
            CLOZE_TYPE_NAME,
            fields=[{"name": name} for name in CLOZE_FIELDS],
            templates=[{"name": "Cloze", "qfmt": CLOZE_FRONT, "afmt": CLOZE_BACK}],
            css=note_type_css() + CLOZE_CSS,
            model_type=genanki.Model.CLOZE,
            sort_field_index=0,
        )
    if family == "reversed":
        return genanki.Model(
            REVERSED_TYPE_ID,
            REVERSED_TYPE_NAME,
            fields=[{"name": name} for name in REVERSED_FIELDS],
            templates=[{"name": n, "qfmt": q, "afmt": a} for n, q, a in REVERSED_TEMPLATES],
            css=note_type_css(),
            sort_field_index=0,
        )
    return genanki.Model(
        NOTE_TYPE_ID,
        NOTE_TYPE_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Card 1", "qfmt": FRONT, "afmt": BACK}],
        css=note_type_css(),
        sort_field_index=0,
    )


_TYPE_IDS: dict[NoteFamily, int] = {
    "basic": NOTE_TYPE_ID,
    "cloze": CLOZE_TYPE_ID,
    "reversed": REVERSED_TYPE_ID,
}
_FAMILIES = {v: k for k, v in _TYPE_IDS.items()}
_CLOZE_TOKEN = re.compile(r"\{\{c([\d,]+)::|\}\}")
"""An opening ``{{c1::`` (or ``{{c1,2::``) or a closing ``}}`` of a cloze deletion."""
_MAX_CLOZE = 65535
"""Anki reads cloze numbers as 16-bit: a bigger one makes the deletion plain text."""


def cloze_numbers(text: str) -> set[int]:
    """The cloze numbers of ``text`` as Anki reads them (genanki's regex misses some).

    Deletions nest, may be empty and may carry several numbers (``{{c1,2::…}}``);
    ``c0`` and a deletion never closed make no card. Tests hold this against
    the engine's own ``cloze_numbers_in_fields``.
    """
    open_: list[list[int]] = []
    found: set[int] = set()
    for match in _CLOZE_TOKEN.finditer(text):
        if match.group(1) is None:
            if open_:
                found.update(open_.pop())
            continue
        numbers = [int(n) for n in match.group(1).split(",") if n]
        if all(n <= _MAX_CLOZE for n in numbers):
            open_.append(numbers)
    found.discard(0)
    return found


def card_ords(family: NoteFamily, question: str, answer: str) -> tuple[int, ...]:
    """Template ordinals of the cards Anki makes for a note (``ord`` column of its cards).

    Basic: one card. Cloze: one per distinct ``{{cN::…}}`` number, ord N-1
    (none when the text has no deletion, as in Anki). Reversed: front → back,
    and back → front unless the back is empty as Anki counts it (Anki makes
    no card whose front would be empty).
    """
    if family == "cloze":
        return tuple(n - 1 for n in sorted(cloze_numbers(question)))
    if family == "reversed":
        return (0,) if _EMPTY_FIELD.match(answer) else (0, 1)
    return (0,)


_EMPTY_FIELD = re.compile(r"(?:[ \t\n\r\f\v]|</?(?:br|div) ?/?>)*\Z", re.IGNORECASE)
"""A field Anki counts as empty (its ``field_is_empty``): only ASCII spaces, ``<br>`` and ``<div>`` tags."""


PAGE_SIZE = 65536
"""SQLite page size of the collection: rows of about 1 kB waste a quarter of
4 kB pages; big pages make a smaller file that is quicker to build and deflate."""


def _write_collection(
    db_path: Path, deck_id: int, deck_name: str, notes: Sequence[PackagedNote], note_type_mod: int
) -> None:
    """Write the collection database (``collection.anki2``) at ``db_path``.

    A temporary file rather than an in-memory database taken out with
    ``serialize()``: measured as fast (the file stays in the OS cache), and
    the process never holds the whole database, let alone two copies of it.
    """
    import genanki

    decks: dict[str, Any] = {deck_name: genanki.Deck(deck_id, deck_name)}
    decks[deck_name].add_model(_note_type())
    # The other note types only when used: a deck of basic cards keeps its bytes.
    for family in sorted({n.family for n in notes} - {"basic"}):
        decks[deck_name].add_model(_note_type(family))
    by_deck: dict[str, list[PackagedNote]] = {deck_name: []}
    for note in notes:
        if note.deck not in decks:
            decks[note.deck] = genanki.Deck(deck_id_for(deck_id, note.deck, deck_name), note.deck)
            by_deck[note.deck] = []
        by_deck[note.deck].append(note)
    # Ids only need to be unique inside the package; deriving them from the
    # notes keeps the bytes reproducible.
    first = min((n.mod for n in notes), default=note_type_mod) * 1000
    id_gen = itertools.count(first)
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a temporary file: the zip's rename is the commit
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        cursor = conn.cursor()
        # genanki writes the schema, the decks and the note type; the notes go in
        # below in bulk (genanki's note-by-note writing took most of a big build).
        genanki.Package(list(decks.values())).write_to_db(cursor, note_type_mod, id_gen)
        # Filling the tables first and indexing them afterwards is faster than
        # updating the indexes row by row; they end up with the same definitions.
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('notes', 'cards') "
            "AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        card_rows: list[tuple[int, ...]] = []
        # Note rows are made as they go in (they hold all the text); card rows are small.
        cursor.executemany(_NOTES_INSERT, _rows(by_deck, decks, next(id_gen), card_rows))
        cursor.executemany(_CARDS_INSERT, card_rows)
        for _, sql in indexes:
            cursor.execute(sql)
        conn.commit()
    finally:
        conn.close()


_NOTES_INSERT = "INSERT INTO notes VALUES(?, ?, ?, ?, -1, ?, ?, ?, 0, 0, '')"
_CARDS_INSERT = "INSERT INTO cards VALUES(?, ?, ?, ?, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '')"
"""Rows as genanki writes them, the columns that never change written out once:
binding 7 and 6 values a row instead of 11 and 18 makes the inserts faster."""


def _rows(
    by_deck: dict[str, list[PackagedNote]],
    decks: dict[str, Any],
    first_id: int,
    card_rows: list[tuple[int, ...]],
) -> Iterator[tuple[Any, ...]]:
    """The varying columns of the ``notes`` rows, adding the matching ``cards`` rows to ``card_rows``.

    See :data:`_NOTES_INSERT`. Ids go as genanki's id generator gives them:
    note, its cards (by ord), next note, ...
    """
    add_card = card_rows.append
    nid = first_id
    for name, deck_notes in by_deck.items():
        did = decks[name].deck_id
        for guid, question, context, answer, source, tags, _, mod, due, family in deck_notes:
            if " " in "".join(tags):
                raise ValueError(f"tag with a space in {source}: {tags}")
            fields = f"{question}\x1f{context}\x1f{answer}\x1f{source}"
            yield nid, guid, _TYPE_IDS[family], mod, f" {' '.join(tags)} ", fields, question
            if family == "basic":  # most notes: one card, no need to look for more
                add_card((nid + 1, nid, did, 0, mod, due))
                nid += 2
                continue
            cid = nid
            for ord_ in card_ords(family, question, answer):
                cid += 1
                add_card((cid, nid, did, ord_, mod, due))
            nid = cid + 1


_STAMP = (1980, 1, 1, 0, 0, 0)
"""Time of every zip member: a fixed one keeps the bytes reproducible."""
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00 in MS-DOS format
_CHUNK = 1 << 20
"""Bytes of a member deflated as one piece. A constant (never derived from
the number of cores), so the package has the same bytes on every machine."""
_ZIP32_LIMIT = 1 << 31
"""Packages whose content reaches this size go through zipfile (with Zip64):
the fast writer's 32-bit sizes and offsets must keep room for deflate's overhead."""


def _write_zip(zip_path: Path, db_path: Path, media: Sequence[MediaFile], comment: bytes = b"") -> None:
    """The package: the collection, the media index, then the media files, all deflated.

    ``comment`` is the zip archive's comment (see :func:`package_comment`).
    """
    index = json.dumps({str(i): item.name for i, item in enumerate(media)}, sort_keys=True).encode()
    total = db_path.stat().st_size + len(index) + sum(item.path.stat().st_size for item in media)
    if total >= _ZIP32_LIMIT:
        _write_zip64(zip_path, db_path, index, media, comment)
        return
    from concurrent.futures import ThreadPoolExecutor

    from exporter.parallel import cores_allowed

    threads = cores_allowed()
    with zip_path.open("wb") as out, ThreadPoolExecutor(threads) as pool:
        writer = _ZipWriter(out)
        # Level 1 for the collection: five times faster than the default on a
        # big one, and the package is hardly bigger (the database is mostly text).
        with db_path.open("rb") as source:
            writer.add(b"collection.anki2", _Deflater(source, 1, pool, threads))
        writer.add(b"media", _Deflater(io.BytesIO(index), zlib.Z_DEFAULT_COMPRESSION, pool, threads))
        for i, item in enumerate(media):
            with item.path.open("rb") as source:  # streamed: images may be large
                writer.add(str(i).encode(), _Deflater(source, zlib.Z_DEFAULT_COMPRESSION, pool, threads))
        writer.finish(comment)


class _Deflater:
    """A file's content as one raw deflate stream, read and deflated in pieces on all cores.

    Each piece of :data:`_CHUNK` bytes has its own compressor primed with the
    32 kB before it (as pigz does) and ends on a byte boundary (a sync flush),
    so the pieces join into one stream that any inflater reads. zlib lets go
    of the GIL, so threads deflate in parallel; a few pieces are in flight at
    a time, so memory stays flat however big the file. Iterate once; then
    ``crc`` and ``size`` describe the content.
    """

    def __init__(self, source: BinaryIO, level: int, pool: Executor, threads: int) -> None:
        self._source, self._level, self._pool = source, level, pool
        self._in_flight = 2 * threads  # ``threads``: the pool's size
        self.crc = self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        pending: collections.deque[Future[bytes]] = collections.deque()
        for primer, block, last in self._blocks():
            pending.append(self._pool.submit(_deflate_piece, primer, block, last, self._level))
            if len(pending) > self._in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def _blocks(self) -> Iterator[tuple[bytes, bytes, bool]]:
        """(the 32 kB before, piece, whether it is the last) for each piece, in order."""
        primer, block = b"", self._source.read(_CHUNK)
        while True:
            following = self._source.read(_CHUNK) if len(block) == _CHUNK else b""
            self.crc = zlib.crc32(block, self.crc)
            self.size += len(block)
            yield primer, block, not following
            if not following:
                return
            primer, block = block[-32768:], following


def _deflate_piece(primer: bytes, block: bytes, last: bool, level: int) -> bytes:
    if primer:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, zdict=primer)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(block) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class _ZipWriter:
    """A minimal zip writer for already deflated data (zipfile cannot take it).

    Writes what zipfile writes for a seekable file: local headers without data
    descriptors, deflated members, the central directory and its end record;
    1980-01-01 times, no extra fields, Unix as the creating system everywhere.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._members: list[tuple[bytes, int, int, int, int]] = []  # name, crc, sizes, offset

    def add(self, name: bytes, content: _Deflater) -> None:
        """Add a member from its deflated content."""
        offset = self._out.tell()
        self._out.write(_local_header(name, 0, 0, 0))
        compressed = 0
        for piece in content:
            self._out.write(piece)
            compressed += len(piece)
        self._patch(offset, content.crc, compressed, content.size)
        self._members.append((name, content.crc, compressed, content.size, offset))

    def _patch(self, offset: int, crc: int, compressed: int, size: int) -> None:
        """Write the CRC and sizes into a member's local header, known only after its data."""
        end = self._out.tell()
        self._out.seek(offset + 14)
        self._out.write(struct.pack("<III", crc, compressed, size))
        self._out.seek(end)

    def finish(self, comment: bytes = b"") -> None:
        """Write the central directory and the end record (with the archive's ``comment``)."""
        start = self._out.tell()
        for name, crc, compressed, size, offset in self._members:
            self._out.write(
                struct.pack(
                    "<IBBHHHHHIIIHHHHHII",
                    0x02014B50,  # central directory header
                    20,  # made by zip 2.0 ...
                    3,  # ... on Unix
                    20,  # version needed: deflate
                    0,  # flags
                    zipfile.ZIP_DEFLATED,
                    _DOS_TIME,
                    _DOS_DATE,
                    crc,
                    compressed,
                    size,
                    len(name),
                    0,  # extra field length
                    0,  # comment length
                    0,  # disk number
                    0,  # internal attributes
                    0,  # external attributes
                    offset,
                )
                + name
            )
        end = self._out.tell()
        count = len(self._members)
        self._out.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, end - start, start, len(comment))
            + comment
        )


def _local_header(name: bytes, crc: int, compressed: int, size: int) -> bytes:
    fields = (0x04034B50, 20, 0, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, crc, compressed, size)
    return struct.pack("<IHHHHHIIIHH", *fields, len(name), 0) + name


def _write_zip64(
    zip_path: Path, db_path: Path, index: bytes, media: Sequence[MediaFile], comment: bytes = b""
) -> None:
    """The package through zipfile, which writes Zip64 records for huge members."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment
        _zip64_member(archive, "collection.anki2", db_path, 1)
        archive.writestr(zipfile.ZipInfo("media", _STAMP), index, zipfile.ZIP_DEFLATED)
        for i, item in enumerate(media):
            _zip64_member(archive, str(i), item.path, zlib.Z_DEFAULT_COMPRESSION)


def _zip64_member(archive: zipfile.ZipFile, name: str, path: Path, level: int) -> None:
    info = zipfile.ZipInfo(name, _STAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    setattr(info, "_compresslevel", level)  # noqa: B010 (private; a property since 3.13)
    with path.open("rb") as source, archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, _CHUNK)  # streamed: the files are large


COMMENT_PREFIX = b"notedeck package 1 "


def package_comment(deck_id: int, lock_digest: str) -> bytes:
    """The zip comment of a package: its deck id and the digest of the lock file written with it.

    The next build compares the digest with its lock file's: equal, the lock is
    the one this package was built with, and the package need not be opened
    (for a big deck that means inflating megabytes). Anki ignores zip comments.
    """
    return COMMENT_PREFIX + f"deck={deck_id} lock={lock_digest or '-'}".encode()


def package_lock_digest(path: Path, deck_id: int) -> str | None:
    """The lock digest in the package's comment (None: no package, no comment, another deck)."""
    try:
        with zipfile.ZipFile(path) as archive:
            comment = archive.comment
    except (OSError, zipfile.BadZipFile):
        return None
    if not comment.startswith(COMMENT_PREFIX):
        return None
    words = comment[len(COMMENT_PREFIX) :].decode("ascii", "replace").split()
    fields = dict(word.split("=", 1) for word in words if "=" in word)
    if fields.get("deck") != str(deck_id):
        return None
    return fields.get("lock")


class PackageContents(NamedTuple):
    """What a previous package tells about a deck (see :func:`read_package`)."""

    notes: tuple[PackagedNote, ...]
    """The notedeck notes, in ``due`` order."""
    decks: dict[int, str]
    """Deck id → name."""
    note_type_fingerprint: str
    """:func:`note_type_fingerprint` of the note type as the package has it."""
    note_type_mod: int


def read_apkg(path: Path) -> list[PackagedNote]:
    """The notedeck notes of a package written by :func:`write_apkg` (in ``due`` order).

    A build reads the previous package to give a card that left the notes
    (a tombstone) the content the student last received. A missing or
    unreadable package, or one from another tool, yields no notes.
    """
    contents = read_package(path)
    return list(contents.notes) if contents is not None else []


def read_package(path: Path) -> PackageContents | None:
    """The notedeck notes, decks and note type of a package; None if missing, unreadable or foreign."""
    try:
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory(prefix="notedeck-") as folder:
            db_path = Path(folder) / "collection.anki2"
            db_path.write_bytes(archive.read("collection.anki2"))
            return _read_collection(db_path)
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error, ValueError, TypeError):
        return None


def _read_collection(db_path: Path) -> PackageContents | None:
    conn = sqlite3.connect(db_path)
    try:
        decks_json, models_json = conn.execute("SELECT decks, models FROM col").fetchone()
        # One row per note: a cloze or reversed note has several cards, all in one deck with one due.
        rows = conn.execute(
            "SELECT n.guid, n.flds, n.tags, n.mod, n.mid, MIN(c.did), MIN(c.due) FROM notes n "
            "JOIN cards c ON c.nid = n.id WHERE n.mid IN (?, ?, ?) GROUP BY n.id ORDER BY MIN(c.due), n.id",
            tuple(_TYPE_IDS.values()),
        ).fetchall()
    finally:
        conn.close()
    decks = {int(k): v["name"] for k, v in json.loads(decks_json).items()}
    models = json.loads(models_json)
    if not any(str(mid) in models for mid in _TYPE_IDS.values()):
        return None
    model = models.get(str(NOTE_TYPE_ID))
    notes = []
    for guid, flds, tags, mod, mid, did, due in rows:
        fields = flds.split("\x1f")
        if len(fields) != len(FIELDS):
            continue
        question, context, answer, source = fields
        family = _FAMILIES[mid]
        notes.append(
            PackagedNote(
                guid, question, context, answer, source, tuple(tags.split()), decks[did], mod, due, family
            )
        )
    if model is None:  # cloze or reversed notes only: their note types' time, no basic fingerprint
        newest = max(int(models[str(mid)]["mod"]) for mid in _TYPE_IDS.values() if str(mid) in models)
        return PackageContents(tuple(notes), decks, "", newest)
    (template,) = model["tmpls"]
    fingerprint = _fingerprint(
        model["name"], [f["name"] for f in model["flds"]], template["qfmt"], template["afmt"], model["css"]
    )
    return PackageContents(tuple(notes), decks, fingerprint, int(model["mod"]))
