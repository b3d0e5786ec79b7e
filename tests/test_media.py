"""Images: files inside the deck folder are packed, everything else is refused or left as a link."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.model import Card
from cards.sanitize import clean_card, drop_image
from exporter.cli import cli
from exporter.media import image_sources, media_name, presanitise, shown_images
from tests.anki_engine import collection, import_package, note_by_question

SECRET = b"SECRET-KEY-MATERIAL-" * 50
PICTURE = b"\x89PNG\r\n\x1a\n picture inside the deck"
OTHER = b"\x89PNG\r\n\x1a\n another picture, same file name"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    """A deck folder with images inside, and a secret next to (outside) it."""
    (tmp_path / "secret.png").write_bytes(SECRET)
    folder = tmp_path / "deck"
    (folder / "notes" / "img").mkdir(parents=True)
    (folder / "img").mkdir()
    (folder / "notes" / "img" / "plot.png").write_bytes(PICTURE)
    (folder / "img" / "plot.png").write_bytes(OTHER)
    (folder / "notes" / "img" / "my plot (1).PNG").write_bytes(PICTURE)
    os.symlink(tmp_path / "secret.png", folder / "notes" / "img" / "link.png")
    (folder / "deck.yaml").write_text("name: D\nid: 5\nnotes: [notes/*.md]\n", encoding="utf-8")
    return folder / "deck.yaml"


def write_notes(deck: Path, body: str) -> Path:
    notes = deck.parent / "notes" / "n.md"
    notes.write_text(f"# Chap\n\n## Show it?\n\n{body}\n", encoding="utf-8")
    return notes


def build(deck: Path, out: Path, *options: str) -> str:
    """Build ``deck`` into ``out``, which must succeed; the warnings it printed (stderr)."""
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out), *options])
    assert result.exit_code == 0, result.stderr
    return result.stderr


def answer_in_anki(apkg: Path, tmp_path: Path) -> str:
    """The answer of the note 'Show it?' once ``apkg`` is imported into a new Anki collection."""
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        answer: str = note_by_question(col, "Show it?")["Answer"]
    return answer


def packed(apkg: Path) -> dict[str, bytes]:
    """Media name → content, as the package carries them."""
    with zipfile.ZipFile(apkg) as archive:
        index = json.loads(archive.read("media"))
        return {name: archive.read(number) for number, name in index.items()}


def test_images_inside_the_deck_folder_are_packed_under_unique_safe_names(deck: Path, tmp_path: Path) -> None:
    notes = write_notes(
        deck,
        '![plot](img/plot.png) <img src="../img/plot.png"> ![again](./img/plot.png)\n\n'
        "![spaces](<img/my plot (1).PNG>)",
    )
    assert build(deck, tmp_path / "out") == ""
    media = packed(tmp_path / "out" / "deck.apkg")
    inner = media_name(notes.parent / "img" / "plot.png")
    outer = media_name(deck.parent / "img" / "plot.png")
    spaced = media_name(notes.parent / "img" / "my plot (1).PNG")
    assert media == {inner: PICTURE, outer: OTHER, spaced: PICTURE}
    assert inner.endswith("-plot.png") and outer.endswith("-plot.png") and inner != outer
    assert spaced.endswith("-my_plot_1.png")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "deck.apkg")
        answer = note_by_question(col, "Show it?")["Answer"]
        assert answer.count(f'src="{inner}"') == 2
        assert f'src="{outer}"' in answer and f'src="{spaced}"' in answer
        assert (Path(col.media.dir()) / inner).read_bytes() == PICTURE
        assert list(col.media.check().missing) == []


@pytest.mark.parametrize(
    ("src", "shown"),
    [
        ("../../secret.png", "../../secret.png"),
        ("{tmp}/secret.png", "{tmp}/secret.png"),
        ("file://{tmp}/secret.png", "file://{tmp}/secret.png"),
        ("img/link.png", "img/link.png"),
        ("img/../../../secret.png", "img/../../../secret.png"),
        ("%2E%2E/%2E%2E/secret.png", "%2E%2E/%2E%2E/secret.png"),
    ],
    ids=["dot-dot", "absolute", "file-url", "symlink-out", "dot-dot-inside", "percent-encoded"],
)
def test_images_outside_the_deck_folder_are_refused(deck: Path, tmp_path: Path, src: str, shown: str) -> None:
    notes = write_notes(deck, f'Look: <img src="{src.format(tmp=tmp_path)}" alt="x">')
    assert build(deck, tmp_path / "out") == (
        f"deck/notes/n.md:3: image '{shown.format(tmp=tmp_path)}' is outside the deck folder — "
        "move it next to the notes\n"
    ).replace("deck/notes/n.md", str(notes))
    apkg = tmp_path / "out" / "deck.apkg"
    assert packed(apkg) == {}
    with zipfile.ZipFile(apkg) as archive:
        assert all(b"SECRET-KEY" not in archive.read(name) for name in archive.namelist())
    assert answer_in_anki(apkg, tmp_path) == '<p>Look: <img alt="x"></p>'


def test_missing_and_unsupported_images_warn_and_remote_ones_stay_links(deck: Path, tmp_path: Path) -> None:
    notes = write_notes(
        deck,
        '![gone](img/missing.png) <img src="https://example.org/a.png"> '
        '<img src="data:image/png;base64,iVBORw0KGgo="> <img src="img">',
    )
    assert build(deck, tmp_path / "out").splitlines() == [
        f"{notes}:3: image 'img/missing.png' not found — check the path (it is relative to the notes file)",
        f"{notes}:3: image 'data:image/png;base64,iVBORw0KGgo=' is neither a file nor an http(s) link — "
        "save it as a file next to the notes",
        f"{notes}:3: image 'img' not found — check the path (it is relative to the notes file)",
    ]
    assert packed(tmp_path / "out" / "deck.apkg") == {}
    answer = answer_in_anki(tmp_path / "out" / "deck.apkg", tmp_path)
    assert answer == '<p><img alt="gone"> <img src="https://example.org/a.png"> <img> <img></p>'


def test_only_images_of_kept_cards_are_packed(deck: Path, tmp_path: Path) -> None:
    notes = deck.parent / "notes" / "n.md"
    notes.write_text(
        "# Kept\n\n## A?\n\n![a](img/plot.png)\n\n# Dropped\n\n## B?\n\n![b](../img/plot.png)\n",
        encoding="utf-8",
    )
    build(deck, tmp_path / "out", "--tag", "Kept")
    assert list(packed(tmp_path / "out" / "deck.apkg").values()) == [PICTURE]


_PIECES = st.sampled_from(
    [
        '<IMG SRC="a.png">',
        "<img src=b.png alt='x'>",
        "<Img\nsrc='c d.png'/>",
        "<p>text</p>",
        "<!-- <img src=e.png> -->",
        "&lt;img src=f.png&gt;",
        "<svg><img src=g.png></svg>",
        "<img/src=h.png>",
        "<textarea><img src=i.png></textarea>",
        "<script><img src=j.png></script>",
        "<div>" * 300,
        "`<img` ",
        "<code>&lt;img</code>",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECES, max_size=6).map("".join), st.lists(_PIECES, max_size=4).map("".join))
def test_the_fast_image_lookup_of_sanitised_cards_agrees_with_the_html_parser(
    question: str, answer: str
) -> None:
    """``shown_images`` skips fields without ``<img``: sound, as the sanitiser writes tags in lower case."""
    card = Card(question=question, answer=answer, key="k")
    ready = presanitise([card])
    sanitised = [c for i, c in enumerate(ready.cards) if i not in ready.images]
    for safe in (*sanitised, clean_card(card, image_src=lambda src: src)):
        assert shown_images(safe) == image_sources(safe.question, safe.context, safe.answer)
    if not image_sources(question, "", answer):
        assert ready.images == ()
        assert ready.cards == (clean_card(card, image_src=drop_image),)
