"""Cloze and reversed note types, through the real Anki engine.

Cards of every kind are made by hand (reading them from Markdown is the
reader's job), built by the real build pipeline, imported into a fresh
collection and rendered as a student would see them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cards import guid_for
from exporter.package import (
    CLOZE_TYPE_ID,
    NOTE_TYPE_ID,
    REVERSED_TYPE_ID,
    PackagedNote,
    card_ords,
    cloze_numbers,
    write_apkg,
)
from tests.anki_engine import collection, import_package
from tests.kinds_support import DECK_ID, KindsDesk, assert_renders, card, kinds_desk

CLOZE = "The {{c1::mitochondrion}} is the {{c2::powerhouse::what kind of building?}} of the cell."
REVERSED = ("<p>Hund</p>", "<p>dog</p>")
EVERY_KIND = [
    card("What is a tensor?", "<p>An n-dimensional array.</p>"),
    card("Which layer has no weights?", "<ul><li>Dense</li><li><b>MaxPool</b></li></ul>", "multiple-choice"),
    card("How many parameters has conv1?", "<p>896</p>", "generated", key="model:conv1"),
    card(CLOZE, "<p>Biology, chapter 1.</p>", "cloze", context="<p>Cells</p>", line=7),
    card(*REVERSED, "reversed", line=9),
]


@pytest.fixture
def kd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KindsDesk]:
    with kinds_desk(tmp_path, monkeypatch) as ready:
        yield ready


def visible(fragment: str) -> str:
    """Rendered HTML as the text a student reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def sides(card: Any) -> tuple[str, str]:
    """The visible text of a card's front and back, rendered by the engine."""
    output = card.render_output()
    return visible(output.question_text), visible(output.answer_text)


def cards_of(note: Any) -> list[Any]:
    return sorted(note.cards(), key=lambda c: c.ord)


def test_every_kind_imports_and_every_card_renders(kd: KindsDesk) -> None:
    log = kd.rebuild(EVERY_KIND)
    assert log["new"] == 5 and log["conflicting"] == log["missing_notetype"] == 0
    types = {n.fields[0]: n.mid for n in kd.notes().values()}
    assert types == {
        "What is a tensor?": NOTE_TYPE_ID,
        "Which layer has no weights?": NOTE_TYPE_ID,
        "How many parameters has conv1?": NOTE_TYPE_ID,
        CLOZE: CLOZE_TYPE_ID,
        REVERSED[0]: REVERSED_TYPE_ID,
    }
    # 3 basic cards, 2 for the cloze's c1 and c2, 2 for the reversed note.
    assert len(kd.col.find_cards("")) == 7
    for card_id in kd.col.find_cards(""):
        assert_renders(kd.col.get_card(card_id))  # kd.check() did it too; say it here


def test_cloze_cards_hide_one_deletion_each_and_show_it_on_the_back(kd: KindsDesk) -> None:
    kd.rebuild(EVERY_KIND)
    first, second = cards_of(kd.note("mitochondrion"))
    assert (first.ord, second.ord) == (0, 1)
    front, back = sides(first)
    assert front == "Cells The [...] is the powerhouse of the cell."
    assert back.startswith("Cells The mitochondrion is the powerhouse of the cell. Biology, chapter 1.")
    assert back.endswith("notes/kinds.md:7")
    front, back = sides(second)
    assert front == "Cells The mitochondrion is the [what kind of building?] of the cell."  # the hint
    assert "is the powerhouse of the cell." in back and "what kind of building" not in back


def test_cloze_without_extra_has_no_empty_answer_block(kd: KindsDesk) -> None:
    kd.rebuild([card("{{c1::Paris}} is the capital of France.", "", "cloze")])
    (only,) = kd.col.find_cards("")
    answer = kd.col.get_card(only).render_output().answer_text
    assert visible(answer).startswith("Paris is the capital of France.")
    assert 'class="answer"' not in answer


def test_reversed_note_gives_two_cards_front_to_back_and_back(kd: KindsDesk) -> None:
    kd.rebuild(EVERY_KIND)
    forward, backward = cards_of(kd.note("Hund"))
    assert sides(forward)[0] == "Hund" and sides(backward)[0] == "dog"
    assert sides(forward)[1].startswith("Hund dog")
    assert sides(backward)[1].startswith("dog Hund")


@pytest.mark.parametrize(
    "text",
    [
        "{{c1::a}} and {{c2::b}}",
        "{{c2::a}} {{c1::b}} {{c2::c}}",
        "{{c1::}} empty",
        "{{c0::zero}} {{c3::three}}",
        "{{c1,2::both}}",
        "{{c1::outer {{c2::inner}} }}",
        "{{c10::ten}}",
        "{{c1::a::hint}}",
        "{{c1::\\(\\frac{a}{b_{c}}\\)}}",
        "{{c1::unclosed}",
        "{{C1::capital}} {{c 1::space}} {{c1, 2::space}}",
        "{{c65536::too big}} {{c4::x}}",
        "}} {{c5::after a stray close}}",
        "{{c1,,3::gap}}",
    ],
)
def test_cloze_numbers_are_the_engines(text: str, tmp_path: Path) -> None:
    note = PackagedNote("g", text, "", "", "n.md:1", (), "D", 1_700_000_000, 0, "cloze")
    write_apkg(tmp_path / "c.apkg", deck_id=5, deck_name="D", notes=[note], note_type_mod=1_700_000_000)
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "c.apkg")
        (nid,) = col.find_notes("")
        imported = col.get_note(nid)
        assert cloze_numbers(text) == set(imported.cloze_numbers_in_fields())
        assert [c.ord for c in cards_of(imported)] == list(card_ords("cloze", text, ""))


@pytest.mark.parametrize(
    "back",
    ["", " \n", "<br>", "<div></div><BR/>", "<p></p>", "<p>&nbsp;</p>", "\u200b", '<img src="a.png">', "dog"],
)
def test_reversed_note_gets_a_back_to_front_card_unless_anki_counts_the_back_empty(
    back: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exporter import package

    # Write both cards whatever the back, then ask the engine which it calls empty.
    monkeypatch.setattr(package, "card_ords", lambda family, question, answer: (0, 1))
    note = PackagedNote("g", "Hund", "", back, "n.md:1", (), "D", 1_700_000_000, 0, "reversed")
    write_apkg(tmp_path / "r.apkg", deck_id=5, deck_name="D", notes=[note], note_type_mod=1_700_000_000)
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "r.apkg")
        anki_says_empty = bool(col.get_empty_cards().notes)
    assert card_ords("reversed", "Hund", back) == ((0,) if anki_says_empty else (0, 1))


def test_basic_kinds_keep_the_guid_of_their_key_and_other_kinds_mix_their_type_in(kd: KindsDesk) -> None:
    kd.rebuild(EVERY_KIND)
    guids = {e.text: e.guid for e in kd.lock().cards}
    for made in EVERY_KIND[:3]:
        assert guids[made.question] == guid_for(DECK_ID, made.key)
    for made in EVERY_KIND[3:]:
        text = visible(made.question)
        assert guids[text] != guid_for(DECK_ID, made.key)
        assert guids[text] == guid_for(DECK_ID, f"{made.key}\x1e{made.kind}")


def test_package_uses_only_the_note_types_it_needs(kd: KindsDesk, tmp_path: Path) -> None:
    kd.rebuild(EVERY_KIND[:3])
    assert {m["id"] for m in kd.col.models.all()} >= {NOTE_TYPE_ID}
    assert CLOZE_TYPE_ID not in {m["id"] for m in kd.col.models.all()}
    basic_lock = kd.lock()
    kd.rebuild(EVERY_KIND)
    assert {CLOZE_TYPE_ID, REVERSED_TYPE_ID} <= {m["id"] for m in kd.col.models.all()}
    # Cloze and reversed templates now count in the lock's fingerprint, and their time moved on.
    assert kd.lock().note_type_fingerprint != basic_lock.note_type_fingerprint
    assert kd.lock().note_type_mod > basic_lock.note_type_mod


def test_list_shows_each_cards_kind_and_the_guid_the_build_gives(
    kd: KindsDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from click.testing import CliRunner

    from exporter import build as build_module
    from exporter.build import DeckCards
    from exporter.cli import cli

    kd.rebuild(EVERY_KIND)

    def collect_cards(config: Any, **_: Any) -> DeckCards:
        return DeckCards(config, tuple(EVERY_KIND), (), (config.folder / "notes/kinds.md",))

    monkeypatch.setattr(build_module, "collect_cards", collect_cards)
    result = CliRunner().invoke(cli, ["list", str(kd.deck), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["kind"] for r in rows] == ["basic", "multiple-choice", "generated", "cloze", "reversed"]
    assert {r["guid"] for r in rows} == set(kd.notes())
    table = CliRunner().invoke(cli, ["list", str(kd.deck)])
    assert table.exit_code == 0, table.output
    kinds = [line.split()[1] for line in table.stdout.splitlines()]
    assert kinds == ["basic", "multiple-choice", "generated", "cloze", "reversed"]


def test_a_cloze_without_deletion_is_a_warning_in_check_and_build(
    kd: KindsDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from exporter import build as build_module
    from exporter.build import DeckCards
    from exporter.cli import cli

    cards = (card("Paris is the capital of France.", "", "cloze", line=3), EVERY_KIND[0])
    kd.cards = list(cards)

    def collect_cards(config: Any, **_: Any) -> DeckCards:
        return DeckCards(config, cards, (), (config.folder / "notes/kinds.md",))

    monkeypatch.setattr(build_module, "collect_cards", collect_cards)
    monkeypatch.setattr(build_module, "load_notes", lambda path, source="": ("", ()))
    expected = "notes/kinds.md:3: cloze card without a deletion Anki can read"
    checked = CliRunner().invoke(cli, ["check", str(kd.deck), "--strict"])
    assert checked.exit_code == 1 and expected in checked.stdout, checked.output
    built = CliRunner().invoke(cli, ["build", str(kd.deck), "--out", str(kd.folder / "out")])
    assert built.exit_code == 0 and expected in built.output, built.output


def test_an_old_basic_deck_keeps_its_note_type_fingerprint_and_time(tmp_path: Path) -> None:
    """New note types must not touch a deck without cloze or reversed cards (no upgrade churn)."""
    import json
    import shutil

    from click.testing import CliRunner

    from exporter.cli import cli
    from tests.test_upgrade import OLD_LOCK, ROOT

    decks = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", decks, ignore=shutil.ignore_patterns(".notedeck-cache"))
    lock = decks / "anndl.lock.json"
    shutil.copyfile(OLD_LOCK, lock)
    result = CliRunner().invoke(cli, ["build", str(decks / "anndl.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    before = json.loads(OLD_LOCK.read_text(encoding="utf-8"))["note_type"]
    assert json.loads(lock.read_text(encoding="utf-8"))["note_type"] == before
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "anndl.apkg")
        assert [m["id"] for m in col.models.all() if m["id"] in (CLOZE_TYPE_ID, REVERSED_TYPE_ID)] == []
