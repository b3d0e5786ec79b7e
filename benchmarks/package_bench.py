#!/usr/bin/env python3
"""Time of ``exporter.package.write_apkg`` for N synthetic notes (issue 6, target 2).

Builds N PackagedNotes about the size of real cards (~860 bytes of fields,
three tags, 10 subdecks) and prints the median of several writes, plus the
phases (collection file, zip). ``--baseline REV``
also times ``exporter/package.py`` as it was at git revision REV, interleaved
with the current one in the same run (machines are noisy: compare within a run).
A script that prints numbers, never a test.

    python benchmarks/package_bench.py
    python benchmarks/package_bench.py --notes 50000 --reps 7 --baseline main~1
    python benchmarks/package_bench.py --from-apkg ~/.cache/notedeck-bench/work/nd50k-warm/deck.apkg
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from exporter import package  # noqa: E402
from exporter.package import PackagedNote  # noqa: E402

WORDS = [
    *("the", "a", "of", "to", "is", "in", "layer", "weights", "gradient", "loss", "batch"),
    *("convolution", "kernel", "stride", "padding", "dropout", "network", "input", "output"),
    *("activation", "relu", "sigmoid", "softmax", "tensor", "shape", "model", "training", "epoch"),
    *("optimizer", "learning", "rate", "momentum", "adam", "regularisation", "overfitting"),
]


def text(seed: int, size: int) -> str:
    """Deterministic HTML-ish text of about ``size`` characters."""
    pick = random.Random(seed)
    words: list[str] = []
    length = 7
    while length < size:
        word = pick.choice(WORDS) if pick.random() < 0.9 else str(pick.randrange(10_000))
        words.append(word)
        length += len(word) + 1
    return "<p>" + " ".join(words)[: size - 7] + "</p>"


def synthetic_notes(count: int) -> list[PackagedNote]:
    notes = []
    for i in range(count):
        chapter = f"Synth::Chapter_{i % 10}"
        notes.append(
            PackagedNote(
                guid=hashlib.sha256(str(i).encode()).hexdigest()[:10],
                question=f"What is item {i}? " + text(i, 80),
                context=text(i + 1, 120) if i % 3 == 0 else "",
                answer=text(i + 2, 700),
                source=f"notes/file_{i % 50}.md:{i * 7 + 1}",
                tags=(chapter, "synth", f"file_{i % 50}"),
                deck=chapter,
                mod=1_700_000_000 + i,
                due=i,
            )
        )
    return notes


def write(module: ModuleType, out: Path, notes: Sequence[PackagedNote]) -> None:
    module.write_apkg(out, deck_id=1, deck_name="Synth", notes=notes, note_type_mod=1_700_000_000)


def baseline_module(rev: str) -> ModuleType:
    """``exporter/package.py`` at git revision ``rev``, loaded as a separate module."""
    source = subprocess.run(
        ["git", "show", f"{rev}:exporter/package.py"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="notedeck-bench-"))
    (folder / "package_baseline.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("package_baseline", folder / "package_baseline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def seconds(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def phases(notes: Sequence[PackagedNote], reps: int, folder: Path) -> dict[str, float]:
    """Median seconds of the current module's phases: the collection file, then the zip."""
    db, out = folder / "phase.anki2", folder / "phase.apkg"
    collection, zipped = [], []
    for _ in range(reps):
        db.unlink(missing_ok=True)
        collection.append(seconds(lambda: package._write_collection(db, 1, "Synth", notes, 1_700_000_000)))
        zipped.append(seconds(lambda: package._write_zip(out, db, ())))
    return {"collection file": statistics.median(collection), "zip": statistics.median(zipped)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--notes", type=int, default=50_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--from-apkg", type=Path, help="take the notes of this package instead")
    parser.add_argument(
        "--baseline", metavar="REV", help="also time exporter/package.py at this git revision"
    )
    args = parser.parse_args()
    notes = package.read_apkg(args.from_apkg) if args.from_apkg else synthetic_notes(args.notes)
    fields = sum(len(n.question) + len(n.context) + len(n.answer) + len(n.source) for n in notes)
    print(f"{len(notes)} notes, {fields / len(notes):.0f} characters of fields each on average")
    modules = {"current": package}
    if args.baseline:
        modules[f"baseline {args.baseline}"] = baseline_module(args.baseline)
    with tempfile.TemporaryDirectory(prefix="notedeck-bench-") as folder:
        out = Path(folder) / "deck.apkg"
        times: dict[str, list[float]] = {name: [] for name in modules}
        sizes: dict[str, int] = {}
        for module in modules.values():
            write(module, out, notes)  # warm up imports
        for _ in range(args.reps):
            for name, module in modules.items():  # interleaved: both see the same noise
                times[name].append(seconds(lambda module=module: write(module, out, notes)))
                sizes[name] = out.stat().st_size
        parts = phases(notes, args.reps, Path(folder))
    for name, values in times.items():
        print(
            f"write_apkg {name:<20} median {statistics.median(values):.3f} s  min {min(values):.3f} s"
            f"  ({sizes[name] / 1e6:.1f} MB, {args.reps} runs)"
        )
    for name, value in parts.items():
        print(f"  phase {name:<18} median {value:.3f} s")


if __name__ == "__main__":
    main()
