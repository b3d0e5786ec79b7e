"""Built packages, checked through the real Anki engine as a user would see them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.anki_engine import collection, import_package, note_by_question, review_first_new_card

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DECK = ROOT / "decks" / "anndl.yaml"


def build(deck: Path, out: Path, *args: str) -> Path:
    # The repository's own deck is built without its lock file, so tests never
    # write into the source tree nor depend on a lock left by an earlier run.
    lock = ["--no-lock"] if deck == DEFAULT_DECK else []
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(out), *lock, *args])
    assert result.exit_code == 0, result.output
    return out / f"{deck.stem}.apkg"


@pytest.fixture
def deck_copy(tmp_path: Path) -> Path:
    """A private copy of the default deck that tests may edit."""
    target = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", target, ignore=shutil.ignore_patterns("*.lock.json"))
    return target / "anndl.yaml"


def test_default_deck_imports_cleanly(tmp_path: Path) -> None:
    apkg = build(DEFAULT_DECK, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        log = import_package(col, apkg)
        note_ids = col.find_notes("")
        assert log["new"] == len(note_ids) > 50
        assert log["conflicting"] == log["missing_notetype"] == 0
        assert len(col.find_cards("")) == len(note_ids)  # no note without a card
        assert "ANNDL" in [d.name for d in col.decks.all_names_and_ids()]
        for nid in note_ids:
            note = col.get_note(nid)
            assert note.tags, note["Question"]
            assert all(" " not in tag for tag in note.tags)
            assert "$" not in note["Question"] + note["Answer"] or "\\(" in note["Answer"]
        for cid in col.find_cards(""):
            output = col.get_card(cid).render_output()
            assert output.question_text.strip()


def test_cards_render_without_template_errors(tmp_path: Path) -> None:
    apkg = build(DEFAULT_DECK, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            output = card.render_output()
            text = output.question_text + output.answer_text
            assert "{{" not in text
            assert "Invalid" not in text and "unknown field" not in text.lower()
            assert 'class="question"' in output.question_text


def test_math_uses_mathjax_delimiters(tmp_path: Path) -> None:
    apkg = build(DEFAULT_DECK, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        note = note_by_question(col, "What is the Constant Error Carousel?")
        assert "\\[c_{t+1} = c_t * \\text{forget gate}" in note["Answer"]
        assert "\\(f'(x) * W\\)" in note["Answer"]
        assert "$" not in note["Answer"]


def test_new_cards_come_in_notes_order(tmp_path: Path) -> None:
    apkg = build(DEFAULT_DECK, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        cards = sorted((col.get_card(cid) for cid in col.find_cards("")), key=lambda c: c.due)
        lines = [int(col.get_note(c.nid)["Source"].rsplit(":", 1)[1]) for c in cards]
        assert lines == sorted(lines)


def test_edited_answer_updates_in_place_and_keeps_review(deck_copy: Path, tmp_path: Path) -> None:
    apkg = build(deck_copy, tmp_path / "out")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        before = len(col.find_notes(""))
        reviewed = review_first_new_card(col)
        assert reviewed.type != 0  # no longer new

        notes = deck_copy.parent / "notes" / "anndl-exam-notes.md"
        text = notes.read_text(encoding="utf-8")
        first_answer = "Yes, word embeddings are also commonly used in LSTM"
        notes.write_text(text.replace(first_answer, "EDITED: " + first_answer), encoding="utf-8")
        # No sleep: the lock file gives a changed note a newer time even within the same second.
        log = import_package(col, build(deck_copy, tmp_path / "out"))

        assert len(col.find_notes("")) == before
        assert log["new"] == 0
        assert log["updated"] == 1  # only the edited note; the others are left alone
        note = note_by_question(col, "Do you use word embedding with LSTM networks?")
        assert "EDITED: " in note["Answer"]
        again = col.get_card(reviewed.id)
        assert (again.type, again.due, again.ivl, again.reps) == (
            reviewed.type,
            reviewed.due,
            reviewed.ivl,
            reviewed.reps,
        )


def test_tag_filter_keeps_exactly_one_chapter(tmp_path: Path) -> None:
    apkg = build(DEFAULT_DECK, tmp_path / "out", "--tag", "CNN")
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, apkg)
        note_ids = col.find_notes("")
        assert note_ids
        for nid in note_ids:
            assert any(t.split("::")[:2] == ["ANNDL", "CNN"] for t in col.get_note(nid).tags)
        assert len(col.find_notes("tag:ANNDL::CNN*")) == len(note_ids)
    # ... and every card of the chapter made it: compare with a full build.
    full = build(DEFAULT_DECK, tmp_path / "full")
    with collection(tmp_path / "full.anki2") as col:
        import_package(col, full)
        in_chapter = col.find_notes("tag:ANNDL::CNN")  # the tag and its children
        assert len(col.find_notes("")) > len(in_chapter) == len(note_ids)


def test_build_is_byte_reproducible_given_times(tmp_path: Path) -> None:
    from exporter.package import PackagedNote, write_apkg

    note = PackagedNote("g1", "Q?", "", "A", "n.md:1", ("T",), "D", 1_700_000_000, 0)
    one, two = tmp_path / "1.apkg", tmp_path / "2.apkg"
    write_apkg(one, deck_id=5, deck_name="D", notes=[note], note_type_mod=1_700_000_000)
    write_apkg(two, deck_id=5, deck_name="D", notes=[note], note_type_mod=1_700_000_000)
    assert one.read_bytes() == two.read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
