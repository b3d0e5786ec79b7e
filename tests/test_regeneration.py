"""Safe regeneration through the real Anki engine: edit the notes, rebuild, re-import.

Every rebuild goes through ``Desk.rebuild``, which also checks after the import:
no duplicate notes, every reviewed card keeps its review state, one note per
lock entry, and the lock file round-trips. The tests below add what each edit
must (and must not) change in the student's collection.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from exporter.regen import REMOVED_TAG
from tests.anki_engine import collection
from tests.regen_support import Desk, desk, import_counts

EMBED_Q = "## Can word embedding overfit?"
CEC_Q = "## What is the Constant Error Carousel?"
CEC_ANSWER = "The Constant Error Carousel (CEC) as you might well know"
LSTM_USE_ANSWER = "Yes, word embeddings are also commonly used in LSTM"
WHY_DL_Q = "## Why Deep Learning?"
RELU_Q = "## What is ReLU and why does it help with vanishing gradient?"


@pytest.fixture
def d(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    with desk(tmp_path, monkeypatch) as ready:
        ready.review("Can word embedding overfit?")
        ready.review("What is the Constant Error Carousel?")
        ready.review("Why Deep Learning?", ease=4)
        yield ready


def total(d: Desk) -> int:
    return len(d.col.find_notes(""))


def test_answer_edit_updates_only_that_note(d: Desk) -> None:
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    new, updated, duplicate = import_counts(d.rebuild())
    assert (new, updated, duplicate) == (0, 1, total(d) - 1)
    assert "EDITED. " in d.note("Constant Error Carousel")["Answer"]


def test_unchanged_rebuild_rewrites_nothing_and_is_byte_identical(d: Desk) -> None:
    before = d.apkg.read_bytes()
    lock = d.lock_file.read_text(encoding="utf-8")
    new, updated, duplicate = import_counts(d.rebuild(tick=60))
    assert (new, updated, duplicate) == (0, 0, total(d))
    assert d.apkg.read_bytes() == before
    assert d.lock_file.read_text(encoding="utf-8") == lock


def test_package_bytes_come_from_the_notes_and_the_lock_alone(d: Desk) -> None:
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    d.rebuild()
    first = d.apkg.read_bytes()
    d.apkg.unlink()
    shutil.rmtree(d.folder / "decks" / ".notedeck-cache", ignore_errors=True)
    d.now += 86_400  # a day later, same notes, same lock
    d.build()
    assert d.apkg.read_bytes() == first


def test_reworded_question_keeps_its_note_and_history(d: Desk) -> None:
    note_id = d.note("Can word embedding overfit?").id
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    new, updated, _ = import_counts(d.rebuild())
    assert "kept history: 'Can word embedding overfit?' → 'Can word embeddings overfit?'" in d.last_output
    assert (new, updated) == (0, 1)
    assert d.note("Can word embeddings overfit?").id == note_id
    assert d.removed() == []


def test_near_misses_on_both_sides_of_the_threshold(d: Desk) -> None:
    d.replace("## What are GANs?", "## What exactly are GANs?")  # a word added: 0.857, kept
    d.replace("## Why Deep Learning?", "## Why Machine Learning?")  # a word swapped: 0.667, new card
    new, updated, _ = import_counts(d.rebuild())
    assert d.last_output.count("kept history") == 1
    assert "kept history: 'What are GANs?' → 'What exactly are GANs?'" in d.last_output
    assert (new, updated) == (1, 2)  # the new question; the rewording and the tombstone
    assert d.removed() == ["Why Deep Learning?"]


def test_moving_a_section_keeps_identity_and_rewrites_nothing(d: Desk) -> None:
    section = d.cut_section(CEC_Q)
    d.insert_before(
        "## Why do we need an attention mechanism? Aren't Long Short-Term Memories enough?", section
    )
    new, updated, duplicate = import_counts(d.rebuild())
    assert (new, updated, duplicate) == (0, 0, total(d))
    # Its Source line lags behind until the note changes for another reason (documented).
    assert d.note("Constant Error Carousel")["Source"].endswith(":65")


def test_moving_a_section_to_another_chapter_retags_it_in_place(d: Desk) -> None:
    note_id = d.note("Constant Error Carousel").id
    section = d.cut_section(CEC_Q)
    d.insert_before(RELU_Q, section)  # into "Miscellaneous"
    new, updated, _ = import_counts(d.rebuild())
    assert (new, updated) == (0, 1)
    note = d.note("Constant Error Carousel")
    assert note.id == note_id
    assert note.tags == ["ANNDL::Miscellaneous"]
    assert not note["Source"].endswith(":65")  # refreshed with the update


def test_deleted_section_becomes_a_tombstone_until_pruned(d: Desk) -> None:
    from click.testing import CliRunner

    from exporter.cli import cli

    before = d.note("Constant Error Carousel")
    d.cut_section(CEC_Q)
    new, updated, _ = import_counts(d.rebuild())
    assert (new, updated) == (0, 1)
    assert "1 removed card kept as tombstone; find them in Anki with: tag:notedeck::removed" in d.last_output
    after = d.note("Constant Error Carousel")
    assert after.id == before.id
    assert after.tags == [REMOVED_TAG]
    assert after["Answer"] == before["Answer"]  # its last content, not a placeholder
    # Stable afterwards: the tombstone is not rewritten again.
    assert import_counts(d.rebuild()) == (0, 0, total(d))
    # Pruned: the next package no longer carries it; the student's note stays as it is.
    result = CliRunner().invoke(cli, ["prune", "decks/anndl.yaml", "--out", "out"])
    assert result.exit_code == 0, result.output
    assert result.output == "decks/anndl.lock.json: forgot 1 tombstone\n"
    d.now += 1
    d.build()
    from tests.anki_engine import import_package

    log = import_package(d.col, d.apkg)
    assert import_counts(log) == (0, 0, total(d) - 1)
    assert d.note("Constant Error Carousel").tags == [REMOVED_TAG]


def test_removed_card_that_comes_back_gets_its_note_back(d: Desk) -> None:
    note_id = d.note("Constant Error Carousel").id
    section = d.cut_section(CEC_Q)
    d.rebuild()
    d.insert_before(RELU_Q, section)
    new, updated, _ = import_counts(d.rebuild())
    assert (new, updated) == (0, 1)
    note = d.note("Constant Error Carousel")
    assert note.id == note_id
    assert REMOVED_TAG not in note.tags
    assert d.removed() == []


def test_renamed_chapter_retags_its_cards_in_place(d: Desk) -> None:
    lstm = len(d.col.find_notes("tag:ANNDL::LSTM"))
    d.replace("\n# LSTM\n", "\n# Long Short-Term Memory\n")
    new, updated, duplicate = import_counts(d.rebuild())
    assert (new, updated, duplicate) == (0, lstm, total(d) - lstm)
    assert len(d.col.find_notes("tag:ANNDL::Long_Short-Term_Memory")) == lstm
    assert d.col.find_notes("tag:ANNDL::LSTM") == []


def test_added_questions_are_new_notes_and_nothing_else_changes(d: Desk) -> None:
    d.insert_before(
        WHY_DL_Q, "## What is a residual connection?\n\nA shortcut that adds the input to the output.\n"
    )
    d.insert_before(
        EMBED_Q, "## What is teacher forcing?\n\nFeeding the true previous token while training.\n"
    )
    new, updated, duplicate = import_counts(d.rebuild())
    assert (new, updated, duplicate) == (2, 0, total(d) - 2)


def test_two_builds_in_the_same_second_both_reach_anki(d: Desk) -> None:
    d.replace(CEC_ANSWER, "FIRST. " + CEC_ANSWER)
    assert import_counts(d.rebuild(tick=0))[1] == 1
    d.replace("FIRST. ", "SECOND. ")
    assert import_counts(d.rebuild(tick=0))[1] == 1
    assert "SECOND. " in d.note("Constant Error Carousel")["Answer"]


def test_student_edit_in_anki_survives_a_rebuild_of_other_cards(d: Desk) -> None:
    mine = d.note("Why Deep Learning?")
    mine["Answer"] += "<p>my own mnemonic</p>"
    d.col.update_note(mine)
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    new, updated, _ = import_counts(d.rebuild())
    assert (new, updated) == (0, 1)
    assert "my own mnemonic" in d.note("Why Deep Learning?")["Answer"]


def test_no_lock_keeps_identities_from_keys(d: Desk) -> None:
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    section = d.cut_section(EMBED_Q.replace("embedding", "embedding"))
    d.insert_before(RELU_Q, section)
    new, _, _ = import_counts(d.rebuild(lock="off"))
    assert new == 0
    assert "EDITED. " in d.note("Constant Error Carousel")["Answer"]


def test_reset_lock_keeps_identities_and_times_of_what_the_package_had(d: Desk) -> None:
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    new, updated, _ = import_counts(d.rebuild(lock="reset"))
    assert (new, updated) == (0, 1)  # unchanged notes keep the previous package's time


def test_reset_lock_without_the_package_rewrites_every_note_once(d: Desk) -> None:
    d.apkg.unlink()
    new, updated, _ = import_counts(d.rebuild(lock="reset"))
    assert (new, updated) == (0, total(d))  # every note rewritten once, none duplicated


def test_note_type_style_change_reaches_an_existing_collection(
    d: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exporter.package

    lock_before = d.lock_file.read_text(encoding="utf-8")
    monkeypatch.setattr(
        exporter.package, "BASE_CSS", exporter.package.BASE_CSS + ".regen-test { color: red; }\n"
    )
    new, updated, duplicate = import_counts(d.rebuild())
    assert (new, updated, duplicate) == (0, 0, total(d))
    assert lock_before.split("\n")[5:] == d.lock_file.read_text(encoding="utf-8").split("\n")[5:]
    path = d.folder / "collection.anki2"
    d.col.close()
    with collection(path) as col:  # reopened: the Python side caches note types
        names = [m.name for m in col.models.all_names_and_ids()]
        assert "notedeck" in names and "notedeck+" not in names
        assert ".regen-test { color: red; }" in col.models.by_name("notedeck")["css"]
    d.col.reopen()


def test_identical_questions_get_distinct_stable_identities(d: Desk) -> None:
    # The same question in a second notes file of the deck (the parser handles
    # repeats inside one file; the deck handles them across files).
    (d.folder / "decks" / "notes" / "extra.md").write_text(
        "# Miscellaneous\n\n## Why Deep Learning?\n\nBecause the second copy says something else.\n",
        encoding="utf-8",
    )
    d.deck.write_text(d.deck.read_text(encoding="utf-8") + "  - notes/extra.md\n", encoding="utf-8")
    new, _, _ = import_counts(d.rebuild())
    assert new == 1
    warnings = [str(w) for w in d.build().warnings if "same question" in w.message]
    assert warnings == [
        "notes/extra.md:3: same question as notes/anndl-exam-notes.md:981 — reword one or "
        "pin an id with <!-- card id: NAME --> (until then the copies keep their identities by order)"
    ]
    # Editing the second copy updates the second note only; the first keeps its review.
    d.replace_in("extra.md", "the second copy says", "the second copy now says")
    assert import_counts(d.rebuild())[:2] == (0, 1)
    copies = [
        d.col.get_note(n)
        for n in d.col.find_notes("")
        if "Why Deep Learning?" in d.col.get_note(n)["Question"]
    ]
    assert sorted("now says" in n["Answer"] for n in copies) == [False, True]


def test_a_semester_of_edits(d: Desk) -> None:
    """One collection through a long, realistic sequence; the invariants are checked at every import."""
    from click.testing import CliRunner

    from exporter.cli import cli
    from tests.anki_engine import import_package

    embed_id = d.note("Can word embedding overfit?").id
    pain_q = "## What is the pain behind text encoding? What is the relief?"

    # Week 1: two answers improved.
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    d.replace(LSTM_USE_ANSWER, "EDITED. " + LSTM_USE_ANSWER)
    assert import_counts(d.rebuild())[:2] == (0, 2)

    # Week 2: a typo fixed in a question; the student annotates another card inside Anki.
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    assert import_counts(d.rebuild())[:2] == (0, 1)
    assert d.note("Can word embeddings overfit?").id == embed_id
    mine = d.note("Why Deep Learning?")
    mine["Answer"] += "<p>my own mnemonic</p>"
    d.col.update_note(mine)
    d.review("Can word embeddings overfit?")

    # Week 3: a section moves to another chapter; a reviewed card is deleted.
    d.review("What is the pain behind text encoding?")
    section = d.cut_section(CEC_Q)
    d.insert_before(RELU_Q, section)
    pain = d.cut_section(pain_q)
    assert import_counts(d.rebuild())[:2] == (0, 2)
    assert d.note("Constant Error Carousel").tags == ["ANNDL::Miscellaneous"]
    assert d.removed() == ["What is the pain behind text encoding? What is the relief?"]
    assert "1 removed card kept as tombstone" in d.last_output

    # Week 4: a chapter renamed, two questions added.
    rnn = len(d.col.find_notes("tag:ANNDL::RNN"))
    d.replace("\n# RNN\n", "\n# Recurrent networks\n")
    d.insert_before(
        WHY_DL_Q, "## What is a residual connection?\n\nA shortcut that adds the input to the output.\n"
    )
    d.insert_before(RELU_Q, "## What is label smoothing?\n\nSoft targets instead of one-hot ones.\n")
    assert import_counts(d.rebuild()) == (2, rnn, total(d) - 2 - rnn)

    # Exam eve: two builds in the same second, each imported.
    d.replace("A shortcut that adds", "A skip path that adds")
    assert import_counts(d.rebuild())[:2] == (0, 1)
    d.replace("A skip path that adds", "An identity path that adds")
    assert import_counts(d.rebuild(tick=0))[:2] == (0, 1)
    assert "An identity path" in d.note("residual connection")["Answer"]

    # After the exam: the deleted section comes back; one question is reworded while a
    # similar one is deleted in the same build: the most similar keeps the history.
    d.insert_before(RELU_Q, pain)
    decay_id = d.note("What is weight decay and why").id
    d.replace(
        "## What is weight decay and why does it help with overfitting?",
        "## What is weight decay and why does it help against overfitting?",
    )
    d.cut_section("## What is early stopping and why does it help with overfitting?")
    assert import_counts(d.rebuild())[:2] == (0, 3)  # revived, reworded, new tombstone
    assert d.removed() == ["What is early stopping and why does it help with overfitting?"]
    assert d.note("help against overfitting").id == decay_id

    # A quiet rebuild: nothing rewritten, the same bytes.
    before = d.apkg.read_bytes()
    assert import_counts(d.rebuild(tick=3600)) == (0, 0, total(d))
    assert d.apkg.read_bytes() == before

    # The student deleted the removed card in Anki, then prunes: the next package forgets it.
    d.col.remove_notes(d.col.find_notes(f"tag:{REMOVED_TAG}"))
    result = CliRunner().invoke(cli, ["prune", "decks/anndl.yaml", "--out", "out"])
    assert result.output == "decks/anndl.lock.json: forgot 1 tombstone\n"
    d.now += 1
    d.build()
    assert "tombstone" not in d.last_output
    assert import_counts(import_package(d.col, d.apkg)) == (0, 0, total(d))
    assert "my own mnemonic" in d.note("Why Deep Learning?")["Answer"]
    d.check()


def test_a_tag_build_does_not_take_other_cards_for_removed_ones(d: Desk) -> None:
    from tests.anki_engine import import_package

    d.now += 1
    d.build_filtered(["CNN"])
    assert "tombstone" not in d.last_output
    log = import_package(d.col, d.apkg)
    assert import_counts(log)[:2] == (0, 0)
    assert d.removed() == []
    assert import_counts(d.rebuild()) == (0, 0, total(d))  # the whole deck again: nothing changed


def test_list_json_shows_the_guid_the_next_build_gives(d: Desk) -> None:
    import json

    from click.testing import CliRunner

    from exporter.cli import cli

    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    d.rebuild()
    result = CliRunner().invoke(cli, ["list", "decks/anndl.yaml", "--json"])
    assert result.exit_code == 0, result.output
    guids = {c["front"]: c["guid"] for c in json.loads(result.stdout)}
    assert guids["Can word embeddings overfit?"] == d.note("Can word embeddings overfit?").guid


def test_generated_exercise_cards_follow_the_same_rules(d: Desk) -> None:
    """Keras exercise cards: identity = the model's code (syntax tree) + layer + what is asked."""
    exercise = "tag:generated Source:*anndl-exam-notes.md:4*"
    model_cards = set(d.col.find_notes(exercise))
    assert len(model_cards) >= 2
    convt = d.note("<code>convt1</code>")
    d.review("<code>convt1</code>")
    # A comment edited in the code: same exercises (same notes), updated fronts; also the
    # exercise's own questions, which show the code above them. Nothing else is rewritten.
    before = fields(d)
    d.replace(
        "dropout = tfkl.Dropout(0.3)(mp2)\n", "dropout = tfkl.Dropout(0.3)(mp2)  # against overfitting\n"
    )
    new, updated, _ = import_counts(d.rebuild())
    after = fields(d)
    changed = {nid for nid in before if before[nid] != after[nid]}
    assert set(after) == set(before)
    assert model_cards <= changed
    assert (new, updated) == (0, len(changed))
    assert d.note("<code>convt1</code>").id == convt.id
    assert "against overfitting" in d.note("<code>convt1</code>")["Context"]
    # Moving the exercise does not touch its cards.
    section = d.cut_between("## EXERCISE (09-02-2022)", "## Exercise (17-01-22)")
    d.insert_before("# GAN", section)  # to the end of its chapter
    assert import_counts(d.rebuild())[:2] == (0, 0)
    # A different model is a different exercise: new cards, the old ones become tombstones.
    d.replace("input_shape = (128,256,3)", "input_shape = (64,128,3)")
    new, updated, _ = import_counts(d.rebuild())
    assert new >= 1 and updated >= len(model_cards)
    assert {tuple(d.col.get_note(n).tags) for n in model_cards} == {(REMOVED_TAG,)}


def fields(d: Desk) -> dict[int, tuple[str, ...]]:
    notes = (d.col.get_note(n) for n in d.col.find_notes(""))
    return {n.id: (n["Question"], n["Context"], n["Answer"], *n.tags) for n in notes}
