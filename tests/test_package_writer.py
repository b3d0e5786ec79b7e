"""The package writer: a collection deflated in parallel pieces, zipped by hand, read right by Anki."""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from exporter import package
from exporter.package import MediaFile, PackagedNote, write_apkg
from tests.anki_engine import collection, import_package

NOTES = 3000
CHUNK = package._CHUNK
PICTURE = random.Random(1).randbytes(2 * CHUNK + 12_345)  # several read pieces, incompressible


def words(pick: random.Random, count: int) -> str:
    return " ".join(f"w{pick.randrange(100_000)}" for _ in range(count))


def make_notes(count: int = NOTES) -> list[PackagedNote]:
    """Notes with text that compresses little, so the collection spans several deflate pieces."""
    pick = random.Random(7)
    notes = []
    for i in range(count):
        deck = f"Big::Part {i % 3}"
        answer = f"<p>{words(pick, 120)}</p>" + ('<img src="pic.png">' if i == 5 else "")
        notes.append(
            PackagedNote(
                f"guid{i}",
                f"What is {i}? {words(pick, 5)}",
                "",
                answer,
                f"n.md:{i}",
                ("big",),
                deck,
                1_700 + i,
                i,
            )
        )
    return notes


def write(path: Path, notes: list[PackagedNote], media: tuple[MediaFile, ...] = ()) -> bytes:
    write_apkg(path, deck_id=3, deck_name="Big", notes=notes, note_type_mod=1_600, media=media)
    return path.read_bytes()


@pytest.fixture
def media(tmp_path: Path) -> tuple[MediaFile, ...]:
    (tmp_path / "pic.png").write_bytes(PICTURE)
    (tmp_path / "empty.png").write_bytes(b"")
    return (MediaFile("pic.png", tmp_path / "pic.png"), MediaFile("empty.png", tmp_path / "empty.png"))


def test_big_package_imports_every_note_with_its_fields_and_media(
    tmp_path: Path, media: tuple[MediaFile, ...]
) -> None:
    notes = make_notes()
    apkg = tmp_path / "out" / "big.apkg"
    first = write(apkg, notes, media)
    with zipfile.ZipFile(apkg) as archive:
        assert archive.testzip() is None
        assert [info.filename for info in archive.infolist()] == ["collection.anki2", "media", "0", "1"]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in archive.infolist())
        assert archive.getinfo("collection.anki2").file_size > 3 * CHUNK
        assert archive.read("0") == PICTURE and archive.read("1") == b""
    assert write(tmp_path / "again.apkg", notes, media) == first  # reproducible
    with collection(tmp_path / "col.anki2") as col:
        log = import_package(col, apkg)
        assert log["new"] == NOTES
        seen = {}
        for nid in col.find_notes(""):
            note = col.get_note(nid)
            seen[note.guid] = (
                note["Question"],
                note["Answer"],
                note["Source"],
                col.decks.name(note.cards()[0].did),
            )
        assert seen == {n.guid: (n.question, n.answer, n.source, n.deck) for n in notes}
        assert (Path(col.media.dir()) / "pic.png").read_bytes() == PICTURE


def test_zipfile_fallback_for_huge_packages_holds_the_same_content(
    tmp_path: Path, media: tuple[MediaFile, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = make_notes(300)
    write(tmp_path / "fast.apkg", notes, media)
    monkeypatch.setattr(package, "_ZIP32_LIMIT", 0)  # as if the content were over 2 GiB
    write(tmp_path / "zip64.apkg", notes, media)
    with zipfile.ZipFile(tmp_path / "fast.apkg") as fast, zipfile.ZipFile(tmp_path / "zip64.apkg") as slow:
        assert slow.testzip() is None
        assert fast.namelist() == slow.namelist()
        assert all(fast.read(name) == slow.read(name) for name in fast.namelist())
    with collection(tmp_path / "col.anki2") as col:
        assert import_package(col, tmp_path / "zip64.apkg")["new"] == 300


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 9 * CHUNK + 5])
def test_deflated_pieces_join_into_one_stream(size: int) -> None:
    data = random.Random(size).randbytes(size // 2) + b"abc" * (size // 6)
    data += b"x" * (size - len(data))
    with ThreadPoolExecutor(2) as pool:
        content = package._Deflater(io.BytesIO(data), 1, pool, 2)
        deflated = b"".join(content)
    assert (content.crc, content.size) == (zlib.crc32(data), size)
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(deflated) == data
    assert inflater.eof and inflater.unused_data == b""


def test_the_bytes_do_not_depend_on_how_many_threads_deflate(
    tmp_path: Path, media: tuple[MediaFile, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = make_notes(1200)
    written = []
    for jobs in ("1", "2", "5"):
        monkeypatch.setenv("NOTEDECK_JOBS", jobs)
        written.append(write(tmp_path / f"{jobs}.apkg", notes, media))
    assert written[0] == written[1] == written[2]
