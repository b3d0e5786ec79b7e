"""Identities are a promise: an upgrade of notedeck keeps every card a student already has.

``fixtures/upgrade/anndl-e210f51.lock.json`` is the lock file notedeck e210f51
(before the structure-based reader) wrote for the default deck. Rebuilt with
this version, every card it listed keeps its identity and its modification
time: re-importing changes nothing the student studied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from exporter.cli import cli

ROOT = Path(__file__).resolve().parent.parent
OLD_LOCK = Path(__file__).parent / "fixtures" / "upgrade" / "anndl-e210f51.lock.json"


def _entries(lock: Path) -> dict[str, dict[str, object]]:
    data = json.loads(lock.read_text(encoding="utf-8"))
    return {entry["key"]: entry for entry in data["cards"]}


def test_rebuilding_the_default_deck_keeps_every_identity_and_time(tmp_path: Path) -> None:
    decks = tmp_path / "decks"
    shutil.copytree(ROOT / "decks", decks)
    lock = decks / "anndl.lock.json"
    shutil.copyfile(OLD_LOCK, lock)
    old = _entries(lock)
    result = CliRunner().invoke(cli, ["build", str(decks / "anndl.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    new = _entries(lock)
    assert json.loads(lock.read_text(encoding="utf-8"))["removed"] == []
    assert set(old) <= set(new)
    changed = {k: (old[k]["guid"], new[k]["guid"]) for k in old if old[k]["guid"] != new[k]["guid"]}
    assert changed == {}
    retimed = [k for k in old if old[k]["mod"] != new[k]["mod"]]
    assert retimed == []
