"""A build killed while it writes leaves the previous package intact and no temporary files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.anki_engine import collection, import_package

ROOT = Path(__file__).resolve().parent.parent
SMALL = "# Chap\n\n## What is old?\n\nThe previous deck.\n"
# A large incompressible image makes the package's zip phase last about a second.
IMAGE_BYTES = 24 * 1024 * 1024
CARDS = 1500


def big_notes() -> str:
    cards = "".join(f"## What is item {i}?\n\nAnswer {i}, with $x_{{{i}}}$.\n\n" for i in range(CARDS))
    return f"# Chap\n\n## Show the big picture?\n\n![big](big.png)\n\n{cards}"


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    folder = tmp_path / "deck"
    folder.mkdir()
    (folder / "notes.md").write_text(SMALL, encoding="utf-8")
    with (folder / "big.png").open("wb") as image:
        for _ in range(IMAGE_BYTES // (1 << 20)):
            image.write(os.urandom(1 << 20))
    (folder / "deck.yaml").write_text("name: D\nid: 11\nnotes: [notes.md]\n", encoding="utf-8")
    return folder / "deck.yaml"


def temporaries(out: Path) -> list[str]:
    return sorted(name for name in os.listdir(out) if name != "deck.apkg")


@pytest.mark.parametrize(
    ("signal_name", "phase"),
    [("SIGTERM", ".tmp.anki2"), ("SIGINT", ".tmp.apkg"), ("SIGKILL", ".tmp.anki2"), ("SIGKILL", ".tmp.apkg")],
    ids=["term-collection", "int-zip", "kill-collection", "kill-zip"],
)
def test_killed_build_keeps_the_previous_package(
    deck: Path, tmp_path: Path, signal_name: str, phase: str
) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["build", str(deck), "--out", str(out)]).exit_code == 0
    previous = (out / "deck.apkg").read_bytes()

    (deck.parent / "notes.md").write_text(big_notes(), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "exporter", "build", str(deck), "--out", str(out)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen = _wait_for_temporary(process, out, phase)
    process.send_signal(getattr(signal, signal_name))
    _, stderr = process.communicate(timeout=60)

    assert seen, f"the build ended before it wrote a {phase} file; make the deck bigger"
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert (out / "deck.apkg").read_bytes() == previous
    if signal_name == "SIGKILL":
        # Nothing can clean up after SIGKILL; the next build removes what is left.
        (deck.parent / "notes.md").write_text(SMALL.replace("old", "new"), encoding="utf-8")
        # --no-lock: with the lock, "What is old?" would also ride along as a tombstone.
        assert CliRunner().invoke(cli, ["build", str(deck), "--out", str(out), "--no-lock"]).exit_code == 0
    assert temporaries(out) == []
    with zipfile.ZipFile(out / "deck.apkg") as archive:
        assert archive.testzip() is None
    with collection(tmp_path / "col.anki2") as col:
        assert import_package(col, out / "deck.apkg")["new"] == 1


def _wait_for_temporary(process: subprocess.Popen[str], out: Path, phase: str) -> bool:
    """Poll until a temporary file of ``phase`` (or a later one) exists; False if the build ended."""
    later = {".tmp.anki2": (".tmp.anki2", ".tmp.apkg"), ".tmp.apkg": (".tmp.apkg",)}[phase]
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if any(name.endswith(later) for name in os.listdir(out)):
            return True
        time.sleep(0.001)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
@pytest.mark.parametrize("build", ["cold", "rebuild"])
def test_stopped_build_leaves_no_parse_workers_behind(tmp_path: Path, build: str) -> None:
    """Cold: a pool parses the files; rebuild: forked children parse the changed files."""
    for name in ("a", "b"):
        cards = "".join(f"## What is {name} {i}?\n\nAnswer {i} with $x_{{{i}}}$.\n\n" for i in range(20_000))
        (tmp_path / f"{name}.md").write_text(cards, encoding="utf-8")
    (tmp_path / "deck.yaml").write_text('name: P\nid: 12\nnotes: ["*.md"]\n', encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "exporter",
        "build",
        str(tmp_path / "deck.yaml"),
        "--out",
        str(tmp_path / "out"),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NOTEDECK_JOBS": "2", "NOTEDECK_NO_CACHE": "1"}
    if build == "rebuild":
        del env["NOTEDECK_NO_CACHE"]
        (tmp_path / "c.md").write_text("## What stays the same?\n\nThis file.\n", encoding="utf-8")
        assert subprocess.run(command, cwd=ROOT, env=env, capture_output=True).returncode == 0
        for name in ("a", "b"):
            with (tmp_path / f"{name}.md").open("a", encoding="utf-8") as notes:
                notes.write("## What changed?\n\nThis card.\n")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    workers: list[int] = []
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        time.sleep(0.01)
    assert len(workers) == 2, "the build did not start parse workers"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    deadline = time.monotonic() + 10
    while any(_state(pid) not in ("", "Z") for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [_state(pid) for pid in workers if _state(pid) not in ("", "Z")] == []


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _state(pid: int) -> str:
    """The process state letter ("Z" for a zombie), or "" when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""
