"""The lock file is a cache, not the only memory (issue 14), through the real Anki engine.

A lost lock is recovered from the previous package, an old lock is brought up
to date from it, unchanged notes keep their times (so the student's own edits in
Anki survive), a deck rename is explained before it splits the deck, and two
builds of one deck take turns. Every import goes through ``Desk.rebuild``,
which checks the invariants of safe regeneration (see tests/regen_support.py).
"""

from __future__ import annotations

import json
import queue
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from exporter.lock import exclusive, parse_lock
from exporter.package import read_apkg
from exporter.regen import REMOVED_TAG
from exporter.rematch import THRESHOLD, similarity
from tests.anki_engine import import_package
from tests.regen_support import Desk, desk, import_counts

EMBED_Q = "## Can word embedding overfit?"
CEC_Q = "## What is the Constant Error Carousel?"
CEC_ANSWER = "The Constant Error Carousel (CEC) as you might well know"
WHY_DL_Q = "## Why Deep Learning?"
MNEMONIC = "<p>my own mnemonic</p>"


@pytest.fixture
def d(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    with desk(tmp_path, monkeypatch) as ready:
        ready.review("Can word embedding overfit?")
        ready.review("What is the Constant Error Carousel?")
        yield ready


def total(d: Desk) -> int:
    return len(d.col.find_notes(""))


def edit_in_anki(d: Desk, question: str) -> None:
    mine = d.note(question)
    mine["Answer"] += MNEMONIC
    d.col.update_note(mine)


def test_lost_lock_after_a_reworded_question_keeps_its_note(d: Desk) -> None:
    note_id = d.note("Can word embedding overfit?").id
    d.lock_file.unlink()  # a fresh clone where the lock was never committed
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    new, updated, duplicate = import_counts(d.rebuild())
    assert d.last_notices == (
        f"no lock file at decks/anndl.lock.json: identities, times and contents of {total(d)} notes "
        "recovered from out/anndl.apkg"
    )
    assert "kept history: 'Can word embedding overfit?' → 'Can word embeddings overfit?'" in d.last_output
    assert (new, updated, duplicate) == (0, 1, total(d) - 1)  # unchanged notes keep their times
    assert d.note("Can word embeddings overfit?").id == note_id
    assert d.removed() == []


def test_list_json_shows_the_guid_a_build_would_recover(d: Desk) -> None:
    d.lock_file.unlink()
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    result = CliRunner().invoke(cli, ["list", "decks/anndl.yaml", "--json", "--out", "out"])
    assert result.exit_code == 0, result.output
    guids = {c["front"]: c["guid"] for c in json.loads(result.stdout)}
    assert guids["Can word embeddings overfit?"] == d.note("Can word embedding overfit?").guid
    assert not d.lock_file.exists()  # list writes nothing


def test_lost_lock_keeps_the_students_edits_in_anki(d: Desk) -> None:
    edit_in_anki(d, "Why Deep Learning?")
    d.lock_file.unlink()
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    new, updated, _ = import_counts(d.rebuild())
    assert (new, updated) == (0, 1)
    assert MNEMONIC in d.note("Why Deep Learning?")["Answer"]
    assert "EDITED. " in d.note("Constant Error Carousel")["Answer"]


def test_lost_lock_and_package_behave_as_before_and_say_so(d: Desk) -> None:
    """Without either, a reworded question cannot be recognised: the documented limit."""
    d.lock_file.unlink()
    d.apkg.unlink()
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    d.now += 1
    d.build()
    assert d.last_output.startswith(
        "note: no lock file at decks/anndl.lock.json and no previous package at out/anndl.apkg: a first "
        "build? If this deck was built before, questions reworded since cannot be recognised (they become "
        "new notes in Anki); pass --from OLD.apkg to recover them"
    )
    new, updated, _ = import_counts(import_package(d.col, d.apkg))
    assert (new, updated) == (1, total(d) - 2)  # the reworded card twice; every other note rewritten


def test_lock_older_than_the_package_is_brought_up_to_date(d: Desk) -> None:
    note_id = d.note("Can word embedding overfit?").id
    old_lock = d.lock_file.read_text(encoding="utf-8")
    d.replace(EMBED_Q, "## Can word embeddings really overfit?")
    assert import_counts(d.rebuild())[:2] == (0, 1)
    d.lock_file.write_text(old_lock, encoding="utf-8")  # an old lock back from git
    d.replace("## Can word embeddings really overfit?", "## Can word embeddings really overfit badly?")
    # Two small steps, each recognised; from the old lock's question it is one step too far.
    old, new_q = "can word embedding overfit?", "can word embeddings really overfit badly?"
    assert similarity(old, new_q) < THRESHOLD
    new, updated, duplicate = import_counts(d.rebuild())
    assert d.last_notices == (
        "the lock file decks/anndl.lock.json is older than out/anndl.apkg: identities and times "
        "brought up to date from the package"
    )
    assert (new, updated, duplicate) == (0, 1, total(d) - 1)
    assert d.note("really overfit badly?").id == note_id
    assert d.removed() == []


def test_a_pruned_tombstone_does_not_make_the_lock_look_old(d: Desk) -> None:
    """The package still carries a tombstone the lock forgot: that is a prune, not an old lock."""
    d.cut_section(CEC_Q)
    d.rebuild()
    assert CliRunner().invoke(cli, ["prune", "decks/anndl.yaml", "--out", "out"]).exit_code == 0
    d.now += 1
    d.build()
    assert d.last_notices == ""
    assert parse_lock(d.lock_file.read_text(encoding="utf-8"), shown="lock").removed == ()
    assert [n for n in read_apkg(d.apkg) if REMOVED_TAG in n.tags] == []


def test_from_recovers_a_lost_lock_from_a_package_kept_elsewhere(d: Desk) -> None:
    note_id = d.note("Can word embedding overfit?").id
    d.apkg.rename(d.folder / "old.apkg")
    d.lock_file.unlink()
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out", "--from", "old.apkg"])
    assert result.exit_code == 0, result.output
    assert "notes recovered from old.apkg\n" in result.stderr
    assert "kept history: 'Can word embedding overfit?' → 'Can word embeddings overfit?'" in result.stdout
    assert import_counts(import_package(d.col, d.apkg))[:2] == (0, 1)
    assert d.note("Can word embeddings overfit?").id == note_id
    d.check()


def test_from_refuses_another_decks_package(d: Desk) -> None:
    other = d.folder / "drill.apkg"
    assert CliRunner().invoke(cli, ["drill", "--count", "1", "--out", str(other)]).exit_code == 0
    lock, package = d.lock_file.read_bytes(), d.apkg.read_bytes()
    result = CliRunner().invoke(cli, ["build", "decks/anndl.yaml", "--out", "out", "--from", str(other)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: --from {other}: not a package of this deck (no deck with id 1732615200001) — "
        "pass a package built from decks/anndl.yaml\n"
    )
    assert (d.lock_file.read_bytes(), d.apkg.read_bytes()) == (lock, package)


def rename_deck(d: Desk, name: str, *extra: str) -> None:
    text = d.deck.read_text(encoding="utf-8")
    d.deck.write_text(text.replace("name: ANNDL\n", "".join((f"name: {name}\n", *extra))), encoding="utf-8")


def decks_of_cards(d: Desk) -> dict[str, int]:
    found: dict[str, int] = {}
    for card_id in d.col.find_cards(""):
        name = d.col.decks.name(d.col.get_card(card_id).did)
        found[name] = found.get(name, 0) + 1
    return found


RENAME_NOTICE = (
    "deck renamed from 'ANNDL' to 'ANNDL::Exam' (decks/anndl.yaml): Anki matches decks by name, so the "
    "cards you already have stay in 'ANNDL' and only new cards go to 'ANNDL::Exam'. To keep one deck, "
    "rename 'ANNDL' to 'ANNDL::Exam' in Anki before importing (Browse, right-click the deck, Rename)."
)


def test_deck_rename_with_a_pinned_tag_root_is_explained_and_rewrites_nothing(d: Desk) -> None:
    edit_in_anki(d, "Why Deep Learning?")
    rename_deck(d, "ANNDL", "tag_root: ANNDL\n")  # the migration of an existing deck: nothing changes
    assert import_counts(d.rebuild()) == (0, 0, total(d))
    assert d.last_notices == ""
    rename_deck(d, "ANNDL::Exam")  # then the rename
    d.insert_before(WHY_DL_Q, "## What is a residual connection?\n\nA shortcut around a block.\n")
    new, updated, duplicate = import_counts(d.rebuild())
    assert d.last_notices == RENAME_NOTICE
    assert (new, updated, duplicate) == (1, 0, total(d) - 1)
    assert MNEMONIC in d.note("Why Deep Learning?")["Answer"]
    assert [t.split("::")[:2] for t in d.note("residual connection").tags] == [["ANNDL", "Miscellaneous"]]
    # What the notice said: the old cards stayed, the new one went to the new deck.
    assert decks_of_cards(d) == {"ANNDL": total(d) - 1, "ANNDL::Exam": 1}
    assert json.loads(d.lock_file.read_text(encoding="utf-8"))["deck"] == "ANNDL::Exam"
    d.rebuild()
    assert d.last_notices == ""  # said once


def test_deck_renamed_in_anki_first_stays_one_deck(d: Desk) -> None:
    d.col.decks.rename(d.col.decks.get(d.col.decks.id_for_name("ANNDL")), "ANNDL::Exam")
    rename_deck(d, "ANNDL::Exam", "tag_root: ANNDL\n")
    d.insert_before(WHY_DL_Q, "## What is a residual connection?\n\nA shortcut around a block.\n")
    assert import_counts(d.rebuild()) == (1, 0, total(d) - 1)
    assert decks_of_cards(d) == {"ANNDL::Exam": total(d)}


def test_deck_rename_without_tag_root_says_how_to_keep_the_tags(d: Desk) -> None:
    rename_deck(d, "ANNDL::Exam")
    new, updated, _ = import_counts(d.rebuild())
    assert d.last_notices == RENAME_NOTICE + (
        " Chapter tags follow the name ('ANNDL::…' becomes 'ANNDL::Exam::…', rewriting every note); "
        "to keep them, add 'tag_root: ANNDL' to decks/anndl.yaml."
    )
    assert (new, updated) == (0, total(d))  # every note retagged, as the notice says
    assert d.col.find_notes("tag:ANNDL::Exam::LSTM")


def test_a_build_waits_for_another_build_of_the_deck_and_loses_nothing(d: Desk) -> None:
    """Build B starts while build A holds the deck; B must read the lock A writes, not the one before."""
    embed_id = d.note("Can word embedding overfit?").id
    before_a = d.lock_file.read_text(encoding="utf-8"), d.apkg.read_bytes()
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    d.rebuild()  # build A's result, imported ...
    after_a = d.lock_file.read_text(encoding="utf-8"), d.apkg.read_bytes()
    d.lock_file.write_text(before_a[0], encoding="utf-8")  # ... but as if A were still running
    d.apkg.write_bytes(before_a[1])
    d.cut_section(CEC_Q)  # and the student edits again: build B
    with exclusive(d.lock_file):  # build A holds the deck
        b = subprocess.Popen(
            [sys.executable, "-m", "exporter", "build", "decks/anndl.yaml", "--out", "out"],
            cwd=d.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert first_line(b) == "waiting for another build of decks/anndl.yaml to finish…"
        assert b.poll() is None
        d.lock_file.write_text(after_a[0], encoding="utf-8")  # A finishes
        d.apkg.write_bytes(after_a[1])
    out, err = b.communicate(timeout=120)
    assert b.returncode == 0, err
    lock = parse_lock(d.lock_file.read_text(encoding="utf-8"), shown="lock")
    assert [t.key for t in lock.removed] == ["what is the constant error carousel?"]  # B's change
    assert "can word embeddings overfit?" in {e.key for e in lock.cards}  # A's change
    assert "kept history" not in out  # B started from A's lock: the rewording was already known
    assert "had no saved content" not in out  # the tombstone carries its last answer
    assert import_counts(import_package(d.col, d.apkg))[:2] == (0, 1)
    d.check()
    assert d.note("Can word embeddings overfit?").id == embed_id
    assert d.removed() == ["What is the Constant Error Carousel?"]


def first_line(process: subprocess.Popen[str]) -> str:
    """The first line the process writes to stderr (within a minute)."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stderr is not None
    stream = process.stderr
    threading.Thread(target=lambda: lines.put(stream.readline()), daemon=True).start()
    return lines.get(timeout=60).rstrip("\n")


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "upgrade"


def test_upgrade_from_the_lock_of_e210f51_keeps_every_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default deck's lock and package as notedeck e210f51 wrote them (2026-12-04), then a build
    with this notedeck: a card whose question is still there keeps its GUID, one whose content is the
    same keeps its time, and the import creates no note for a question Anki already has."""
    from exporter.build import build_deck
    from exporter.config import load_deck_config
    from tests.anki_engine import collection

    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "decks", tmp_path / "decks", ignore=shutil.ignore_patterns("*.lock.json", ".*"))
    shutil.copy(FIXTURES / "anndl-e210f51.lock.json", tmp_path / "decks" / "anndl.lock.json")
    (tmp_path / "out").mkdir()
    shutil.copy(FIXTURES / "anndl-e210f51.apkg", tmp_path / "out" / "anndl.apkg")
    monkeypatch.chdir(tmp_path)
    old = parse_lock((FIXTURES / "anndl-e210f51.lock.json").read_text(encoding="utf-8"), shown="old")
    with collection(tmp_path / "collection.anki2") as col:
        assert import_package(col, tmp_path / "out" / "anndl.apkg")["new"] == len(old.cards)
        report = build_deck(
            load_deck_config(Path("decks/anndl.yaml")), Path("out"), now=old.note_type_mod + 86_400
        )
        assert report.notices == ()
        now = parse_lock(Path("decks/anndl.lock.json").read_text(encoding="utf-8"), shown="new")
        assert now.deck == "ANNDL"  # the lock moved to format 2
        # A card is the same card when its key is, or (a reworded key) its question reads the same.
        by_key = {e.key: e for e in old.cards}
        texts = Counter(e.text.casefold() for e in old.cards)
        by_text = {e.text.casefold(): e for e in old.cards if texts[e.text.casefold()] == 1}
        same = {e.guid: by_key.get(e.key) or by_text.get(e.text.casefold()) for e in now.cards}
        for entry in now.cards:
            before = same[entry.guid]
            if before is not None:
                assert entry.guid == before.guid, entry.text
                assert entry.mod == before.mod or entry.hash != before.hash, entry.text
        fresh = [e for e in now.cards if same[e.guid] is None]
        changed = [e for e in now.cards if (b := same[e.guid]) is not None and e.hash != b.hash]
        log = import_counts(import_package(col, Path("out/anndl.apkg")))
        assert log[:2] == (len(fresh), len(changed))
        assert len(now.cards) - len(fresh) > 100  # today: all 116 are the same cards


def test_an_old_lock_as_new_as_the_package_is_still_noticed(d: Desk) -> None:
    """A card added in the same second as the old lock's newest time: equal times tell nothing."""
    old_lock = d.lock_file.read_text(encoding="utf-8")
    d.insert_before(WHY_DL_Q, "## What is a residual connection?\n\nA shortcut around a block.\n")
    assert import_counts(d.rebuild(tick=0))[0] == 1
    d.lock_file.write_text(old_lock, encoding="utf-8")
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    assert import_counts(d.rebuild())[:2] == (0, 1)  # the new card is not rewritten
    assert "is older than out/anndl.apkg" in d.last_notices


def test_two_builds_started_together_both_succeed_and_agree(d: Desk) -> None:
    embed_id = d.note("Can word embedding overfit?").id
    d.replace(EMBED_Q, "## Can word embeddings overfit?")
    command = [sys.executable, "-m", "exporter", "build", "decks/anndl.yaml", "--out", "out"]
    builds = [
        subprocess.Popen(command, cwd=d.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ]
    builds.append(
        subprocess.Popen(command, cwd=d.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    )
    done = [b.communicate(timeout=120) for b in builds]
    assert [b.returncode for b in builds] == [0, 0], done
    # One of them rematched the rewording; the other started from its lock (or did the same).
    assert any("kept history" in out for out, _ in done)
    assert import_counts(import_package(d.col, d.apkg))[:2] == (0, 1)
    d.check()
    assert d.note("Can word embeddings overfit?").id == embed_id


def test_no_lock_builds_keep_the_times_of_unchanged_notes(d: Desk) -> None:
    edit_in_anki(d, "Why Deep Learning?")
    lock = d.lock_file.read_bytes()
    d.replace(CEC_ANSWER, "EDITED. " + CEC_ANSWER)
    assert import_counts(d.rebuild(lock="off")) == (0, 1, total(d) - 1)
    assert import_counts(d.rebuild(lock="off")) == (0, 0, total(d))  # and again: nothing moves
    assert MNEMONIC in d.note("Why Deep Learning?")["Answer"]
    assert d.lock_file.read_bytes() == lock  # --no-lock writes no lock


def test_lost_lock_keeps_a_reworded_cloze_note_in_its_note_type(tmp_path: Path) -> None:
    """Cloze notes have their own note type: the recovered key carries it (cards.ids.identity_key)."""
    from tests.anki_engine import collection

    notes = tmp_path / "n.md"
    text = "# Ch\n\nThe {{c1::mitochondrion}} is the powerhouse of the cell, as every student knows.\n"
    notes.write_text(text, encoding="utf-8")
    build = ["build", str(notes), "--out", str(tmp_path / "out")]
    assert CliRunner().invoke(cli, build).exit_code == 0
    with collection(tmp_path / "c.anki2") as col:
        assert import_counts(import_package(col, tmp_path / "out" / "n.apkg"))[0] == 1
        (tmp_path / "n.lock.json").unlink()
        notes.write_text(text.replace("every student", "every good student"), encoding="utf-8")
        result = CliRunner().invoke(cli, build)
        assert result.exit_code == 0, result.output
        assert "recovered from" in result.stderr
        assert import_counts(import_package(col, tmp_path / "out" / "n.apkg"))[:2] == (0, 1)
        assert len(col.find_notes("")) == 1
