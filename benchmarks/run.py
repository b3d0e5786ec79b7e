#!/usr/bin/env python3
"""The speed and memory targets (issues 6 and 17), measured side by side with the peer tools
and with the parse-only floor (``parse_floor.py``: markdown-it-py alone on the same notes).

Generates the synthetic corpora with ``shared/bench/synth_notes.py``, creates the
peers' virtualenvs with ``shared/bench/peers-venvs.sh`` (both cached outside the
repository), then runs notedeck and the peers round-robin, several times each,
and prints median wall time, peak memory and the ratios the targets are stated in.
Wall times come from runs nobody watches; one more run per case samples the
memory of its whole process tree (sampling costs CPU, so it is not timed).

Machines are noisy: only compare numbers from the same run. This is a script that
prints numbers, never a test that fails on them.

    python benchmarks/run.py                       # everything, 5 repetitions
    python benchmarks/run.py --reps 3 --skip-peers # notedeck only
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOOLS = ROOT.parent / "shared" / "bench"
DEFAULT_DIR = Path(os.environ.get("NOTEDECK_BENCH_DIR", Path.home() / ".cache" / "notedeck-bench"))
GNU_TIME = shutil.which("time", path="/usr/bin:/bin")
"""GNU time, for the peak RSS of each process (sampling alone may miss short peaks)."""
CACHE_DIR_NAME = ".notedeck-cache"
"""notedeck's parse cache, next to the deck file; cold builds remove it."""
FILES_50K = 50
DOLLAR = ("--config", "{dollar: True}")
"""ankdown option: ``$…$`` formulas, like the plain corpus."""
FLOOR_5K = "parse-only floor 5k (markdown-it)"
FLOOR_50K = "parse-only floor 50k (markdown-it)"
"""``parse_floor.py``: markdown-it-py alone on the same notes, on every core, process start included."""
EDITED_FILE = 0
"""The file of the 50k corpus whose answer the warm rebuild edits (card 42 lives there)."""
EDITED_ANSWER = 2500
"""The answer of the 5k notes (one file) that the single-file warm rebuild edits: mid-file."""


@dataclass
class Case:
    """One command to time, with what has to happen before each run."""

    name: str
    argv: list[str]
    cwd: Path
    before: Callable[[int], None] = lambda rep: None
    walls: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def run(self, rep: int, *, sample_memory: bool = False) -> None:
        """One timed run, or (``sample_memory``) one run that samples the process tree's memory.

        Sampling reads ``/proc/*/smaps_rollup`` every 10 ms, which takes CPU from
        the command it watches (a third of a core for a 200 MB process tree): so
        it gets runs of its own, whose wall time is not counted.
        """
        self.before(rep)
        wall, rss = measure(self.argv, self.cwd, sample=sample_memory)
        if not sample_memory:
            self.walls.append(wall)
        self.rss_mb.append(rss)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def rss(self) -> float:
        return max(self.rss_mb)


def measure(argv: Sequence[str], cwd: Path, *, sample: bool = False) -> tuple[float, float]:
    """Run ``argv``; return its wall time (s) and peak RSS (MB).

    The peak is GNU time's per-process maximum or, with ``sample``, the larger
    of that and the sampled sum of proportional set sizes over the process and
    its children (so worker pools count, without counting the pages they share
    twice). GNU time starts the
    command from a small process: a child forked from this script would inherit this
    script's own peak in its ``ru_maxrss``.
    """
    with tempfile.NamedTemporaryFile("r") as peak_file:
        wrapper = [GNU_TIME, "-q", "-f", "%M", "-o", peak_file.name] if GNU_TIME else []
        started = time.perf_counter()
        proc = subprocess.Popen([*wrapper, *argv], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sampled = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, sampled, done), daemon=True)
        if sample:
            sampler.start()
        _, err = proc.communicate()
        wall = time.perf_counter() - started
        done.set()
        if sample:
            sampler.join()
        if proc.returncode != 0:
            tail = err.decode(errors="replace")[-2000:]
            sys.exit(f"benchmark command failed ({proc.returncode}): {shlex.join(argv)}\n{tail}")
        reported = peak_file.read().split()
    per_process = int(reported[-1]) * 1024 if reported else 0
    return wall, max(per_process, sampled[0]) / 2**20


def _sample_tree(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.01):
        peak[0] = max(peak[0], sum(_rss(p) for p in _tree(pid)))


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            tasks = os.listdir(f"/proc/{pids[i]}/task")
            for tid in tasks:
                with open(f"/proc/{pids[i]}/task/{tid}/children") as f:
                    pids.extend(int(c) for c in f.read().split())
        except OSError:
            pass
        i += 1
    return pids


def _rss(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them), else RSS.

    Forked workers share the parent's pages; summing their RSS would count those twice.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


# ------------------------------------------------------------------ corpora and peers
def load_synth(tools: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("synth_notes", tools / "synth_notes.py")
    if spec is None or spec.loader is None:
        sys.exit(f"cannot load {tools / 'synth_notes.py'} (pass --tools)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_corpora(tools: Path, corpora: Path) -> None:
    """Write the corpora once; they are deterministic, so a cached copy is reused."""
    synth = tools / "synth_notes.py"
    for syntax in ("plain", "ankdown"):
        out = corpora / f"{syntax}5k"
        if not out.exists():
            run_quiet([sys.executable, str(synth), "synth", syntax, "5000", str(out)])
    single = corpora / "plain5k-edited"
    if not (single / "notes.edited").exists():
        # One 2 MB file, like a student's single notes file, and the same with one answer edited.
        single.mkdir(parents=True, exist_ok=True)
        text = (corpora / "plain5k" / "notes.md").read_text(encoding="utf-8")
        (single / "notes.md").write_text(text, encoding="utf-8")
        (single / "notes.original").write_text(text, encoding="utf-8")
        edited = text.replace(f"Answer {EDITED_ANSWER}.", f"Answer {EDITED_ANSWER}. EDITED", 1)
        (single / "notes.edited").write_text(edited, encoding="utf-8")
    big = corpora / "plain50k"
    if (big / "deck.yaml").exists() and (big / f"notes-{EDITED_FILE:02d}.original").exists():
        return
    module = load_synth(tools)
    notes = big / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    sections = module.synth(50_000)
    per_file = len(sections) // FILES_50K
    for i in range(FILES_50K):
        text = module.emit_plain(sections[i * per_file : (i + 1) * per_file], f"Part {i:02d}")["notes.md"]
        (notes / f"notes-{i:02d}.md").write_text(text, encoding="utf-8")
    # The warm case toggles the file between these two; notes/ may hold either when a run stops.
    (big / f"notes-{EDITED_FILE:02d}.original").write_text(
        (notes / f"notes-{EDITED_FILE:02d}.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    edited = module.synth(per_file, edit=True)
    text = module.emit_plain(edited, f"Part {EDITED_FILE:02d}")["notes.md"]
    (big / f"notes-{EDITED_FILE:02d}.edited").write_text(text, encoding="utf-8")
    (big / "deck.yaml").write_text(
        "name: Synth50k\nid: 1700000050000\nnotes: [notes/*.md]\n", encoding="utf-8"
    )


def make_peers(tools: Path, peers: Path) -> dict[str, Path]:
    run_quiet(["bash", str(tools / "peers-venvs.sh"), str(peers)])
    found = {
        "ankdown": peers / "ankdown" / "bin" / "ankdown",
        "markdown-anki-decks": peers / "markdown-anki-decks" / "bin" / "mdankideck",
    }
    for name, exe in found.items():
        if not exe.exists():
            print(f"warning: peer {name} not available ({exe} missing)", file=sys.stderr)
    return {name: exe for name, exe in found.items() if exe.exists()}


def run_quiet(argv: Sequence[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"setup failed: {shlex.join(argv)}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


# ------------------------------------------------------------------ cases
def fresh(path: Path, deck: Path | None = None) -> Callable[[int], None]:
    """A ``before`` hook that removes the output folder and the deck's cache: a cold build."""

    def before(rep: int) -> None:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        if deck is not None:
            shutil.rmtree(deck.parent / CACHE_DIR_NAME, ignore_errors=True)

    return before


def compile_bytecode() -> None:
    """Compile notedeck's modules as ``pip install`` does, so runs from the checkout start like an install.

    The peers run from installed virtualenvs with their bytecode compiled; a
    checkout may have none (``PYTHONDONTWRITEBYTECODE``), and every run would
    then compile notedeck's code again (about 0.05 s).
    """
    import compileall

    for package in ("cards", "exporter"):
        compileall.compile_dir(ROOT / package, quiet=1)


def build_cases(args: argparse.Namespace, work: Path, peers: dict[str, Path]) -> list[Case]:
    corpora = args.dir / "corpora"
    nd = shlex.split(args.notedeck) if args.notedeck else [sys.executable, "-m", "exporter"]
    big = corpora / "plain50k"
    single = corpora / "plain5k-edited"
    default_warm = [*nd, "build", str(ROOT / "decks" / "anndl.yaml"), "--out", str(work / "default-warm")]
    floor = [sys.executable, str(ROOT / "benchmarks" / "parse_floor.py")]
    cases = [
        Case(FLOOR_5K, [*floor, str(corpora / "plain5k" / "notes.md")], ROOT),
        Case(
            "notedeck cold 5k",
            [*nd, "build", str(corpora / "plain5k" / "notes.md"), "--out", str(work / "nd5k")],
            ROOT,
            fresh(work / "nd5k", corpora / "plain5k" / "notes.md"),
        ),
    ]
    if "ankdown" in peers:
        cases.append(
            Case(
                "ankdown cold 5k",
                [
                    str(peers["ankdown"]),
                    "-r",
                    str(corpora / "ankdown5k"),
                    "-p",
                    str(work / "ad.apkg"),
                    *DOLLAR,
                ],
                work,
            )
        )
    if "markdown-anki-decks" in peers:
        cases.append(
            Case(
                "markdown-anki-decks cold 5k",
                [str(peers["markdown-anki-decks"]), str(corpora / "plain5k"), str(work / "mad")],
                work,
                fresh(work / "mad"),
            )
        )
    cases += [
        Case(FLOOR_50K, [*floor, *map(str, sorted((big / "notes").glob("*.md")))], ROOT),
        Case(
            "notedeck cold 50k (50 files)",
            [*nd, "build", str(big / "deck.yaml"), "--out", str(work / "nd50k-cold")],
            ROOT,
            fresh(work / "nd50k-cold", big / "deck.yaml"),
        ),
        Case(
            "notedeck warm 50k, 1 answer edited",
            [*nd, "build", str(big / "deck.yaml"), "--out", str(work / "nd50k-warm")],
            ROOT,
            edit_one_answer(
                big / "notes" / f"notes-{EDITED_FILE:02d}.md",
                big / f"notes-{EDITED_FILE:02d}",
                [*nd, "build", str(big / "deck.yaml"), "--out", str(work / "nd50k-warm")],
            ),
        ),
        Case(
            "notedeck warm 5k (1 file), edited",
            [*nd, "build", str(single / "notes.md"), "--out", str(work / "nd5k-warm")],
            ROOT,
            edit_one_answer(
                single / "notes.md",
                single / "notes",
                [*nd, "build", str(single / "notes.md"), "--out", str(work / "nd5k-warm")],
            ),
        ),
        Case(
            "notedeck warm 50k, nothing changed",
            [*nd, "build", str(big / "deck.yaml"), "--out", str(work / "nd50k-same")],
            ROOT,
            warmed_up([*nd, "build", str(big / "deck.yaml"), "--out", str(work / "nd50k-same")]),
        ),
        Case("notedeck --help", [*nd, "--help"], ROOT),
        Case(
            "notedeck build default deck (cold)",
            [*nd, "build", str(ROOT / "decks" / "anndl.yaml"), "--out", str(work / "default-cold")],
            ROOT,
            fresh(work / "default-cold", ROOT / "decks" / "anndl.yaml"),
        ),
        Case("notedeck build default deck (warm)", default_warm, ROOT, warmed_up(default_warm)),
    ]
    return cases


def warmed_up(argv: list[str]) -> Callable[[int], None]:
    """A ``before`` hook running ``argv`` untimed before each repetition.

    Every time, not once: the warm-edit case toggles a notes file of the same corpus
    between the repetitions, so "nothing changed" must be rebuilt first to be true.
    """

    def before(rep: int) -> None:
        measure(argv, ROOT)

    return before


def edit_one_answer(target: Path, versions: Path, warmup: list[str]) -> Callable[[int], None]:
    """Before each run, toggle ``target`` between ``versions``.original and .edited (one answer
    differs); the first time, build once untimed."""
    texts = [versions.with_suffix(suffix).read_text("utf-8") for suffix in (".original", ".edited")]

    def before(rep: int) -> None:
        if rep == 0:
            target.write_text(texts[0], encoding="utf-8")
            measure(warmup, ROOT)
        target.write_text(texts[(rep + 1) % 2], encoding="utf-8")

    return before


# ------------------------------------------------------------------ report
def report(cases: list[Case], reps: int) -> str:
    by = {c.name: c for c in cases}
    lines = [
        f"{'case':<38} {'median s':>9} {'min s':>7} {'peak MB':>8}",
        "-" * 65,
        *(f"{c.name:<38} {c.wall:>9.3f} {min(c.walls):>7.3f} {c.rss:>8.1f}" for c in cases),
        "",
        f"targets (issues 6 and 17), {reps} repetitions, medians:",
    ]
    nd5 = by["notedeck cold 5k"]
    if "ankdown cold 5k" in by:
        ratio = by["ankdown cold 5k"].wall / nd5.wall
        lines.append(verdict("1. ankdown / notedeck, cold 5k", ratio, ">= 1.0", ratio >= 1.0, "x"))
    if "markdown-anki-decks cold 5k" in by:
        ratio = by["markdown-anki-decks cold 5k"].wall / nd5.wall
        lines.append(verdict("1. markdown-anki-decks / notedeck, cold 5k", ratio, ">= 10", ratio >= 10, "x"))
    warm = by["notedeck warm 50k, 1 answer edited"].wall
    lines.append(verdict("2. warm rebuild 50k, one answer edited", warm, "<= 0.8 s", warm <= 0.8, " s"))
    if "notedeck warm 5k (1 file), edited" in by:
        single = by["notedeck warm 5k (1 file), edited"].wall
        lines.append(f"  {'   (5k in one file, one answer edited)':<44} {single:>8.2f} s")
    cold50 = by["notedeck cold 50k (50 files)"]
    lines.append(verdict("3. peak memory cold 50k", cold50.rss, "<= 300 MB", cold50.rss <= 300, " MB"))
    ratio = cold50.wall / nd5.wall
    lines.append(verdict("3. cold 50k / cold 5k", ratio, "<= 12", ratio <= 12, "x"))
    helps = by["notedeck --help"].wall
    lines.append(verdict("4. notedeck --help", helps, "<= 0.2 s", helps <= 0.2, " s"))
    for kind in ("cold", "warm"):
        t = by[f"notedeck build default deck ({kind})"].wall
        lines.append(verdict(f"4. notedeck build default deck ({kind})", t, "<= 0.5 s", t <= 0.5, " s"))
    return "\n".join([*lines, *floor_ratios(by)])


def floor_ratios(by: dict[str, Case]) -> list[str]:
    """Each build next to the parse-only floor of its notes: what notedeck adds to the parse."""
    lines = ["", "against the parse-only floor (markdown-it alone on the same notes, all cores):"]
    for floor, builds in (
        (FLOOR_5K, [n for n in by if "5k" in n and "50k" not in n and n != FLOOR_5K]),
        (FLOOR_50K, [n for n in by if "50k" in n and n.startswith("notedeck")]),
    ):
        if floor not in by:
            continue
        base = by[floor].wall
        for name in (b for b in builds if b in by):
            wall = by[name].wall
            lines.append(f"  {name:<44} {wall / base:>8.2f}x  ({wall - base:+.3f} s against {base:.3f} s)")
    return lines


def verdict(what: str, value: float, target: str, met: bool, unit: str) -> str:
    return f"  {what:<44} {value:>8.2f}{unit:<3} target {target:<9} {'met' if met else 'NOT met'}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions per case (default 5)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"cache folder (default {DEFAULT_DIR})")
    parser.add_argument("--tools", type=Path, default=DEFAULT_TOOLS, help="folder of synth_notes.py")
    parser.add_argument("--notedeck", help="command running notedeck (default: this python -m exporter)")
    parser.add_argument("--skip-peers", action="store_true", help="do not run the peer tools")
    parser.add_argument("--only", action="append", default=[], help="run only cases containing this text")
    args = parser.parse_args()
    args.dir = args.dir.resolve()
    make_corpora(args.tools, args.dir / "corpora")
    peers = {} if args.skip_peers else make_peers(args.tools, args.dir / "peers")
    work = args.dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if not args.notedeck:
        compile_bytecode()
    cases = build_cases(args, work, peers)
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    for rep in range(args.reps):
        for case in cases:
            case.run(rep)
        print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr)
    for case in cases:
        case.run(args.reps, sample_memory=True)
    print("memory run done", file=sys.stderr)
    if args.only:
        rows = [f"{c.name:<38} {c.wall:>9.3f} {min(c.walls):>7.3f} {c.rss:>8.1f}" for c in cases]
        print("\n".join([*rows, *floor_ratios({c.name: c for c in cases})]))
    else:
        print(report(cases, args.reps))


if __name__ == "__main__":
    main()
