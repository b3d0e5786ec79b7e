#!/usr/bin/env python3
"""CI gate: the reader's score on the real-notes corpus must not fall below its floor.

The corpus (../shared/corpus: real notes by other people, hand-labelled) is
there on CI machines but not in a user's clone, so this is a CI step, not a
test. Raise the floors as the reader improves; never lower them to let a
change in.

    python .ci/corpus_gate.py            # the table, then the verdict
    python .ci/corpus_gate.py --markdown # the table for the README
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
MARKUP = {
    "cem-yilmaz_csec-revision_web_security_flashcards.md",
    "fibutterfly_sztochasztikus_standard_wiener_folyamat.md",
    "mahouboy23_ib-notes_inflation_et_ses_causes.md",
    "malachi-h_obsidian-software-flashcards_data_streams.md",
    "malachi-h_obsidian-software-flashcards_quite_unorganised.md",
    "nikneal91_knowledge_graph_logseq_faq.md",
}
"""The six files written in Obsidian/Logseq flashcard markup (issue 12); the others are plain notes."""

FLOORS = {
    "plain notes": {"found": 201, "matched": 201, "leaks": 0, "false": 0},
    "all files": {"found": 275, "matched": 275, "leaks": 0, "false": 2},
}
"""Least cards found and matched, most leaks and false cards allowed, per group.

The two "false" cards of all files are the scorer matching by text: the
Obsidian_to_Anki notes of fibutterfly's file ask "Wiener folyamat" and
"Wiener folyamat tulajdonságai" (labelled cards, lines 91 and 106), which are
also the texts of two topic headings labelled as no card (lines 6 and 19). No
card is made from those headings."""


def main() -> int:
    if not (CORPUS / "score.py").is_file():
        print(f"corpus gate skipped: {CORPUS} is not here (it is on CI machines only)")
        return 0
    out = subprocess.run(
        [sys.executable, str(CORPUS / "score.py"), "--json"], capture_output=True, text=True, check=True
    ).stdout
    files = json.loads(out)["files"]
    groups = {
        "plain notes": [f for f in files if f["file"] not in MARKUP],
        "all files": files,
    }
    markdown = "--markdown" in sys.argv
    if markdown:
        print("| file | cards labelled | found | notedeck cards | precision | leaks | false |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for f in files:
            print(
                f"| {f['file'][:-3]} | {f['expected']} | {f['found']} | {f['cards']} | {f['precision']} "
                f"| {f['leaks']} | {f['false']} |"
            )
    failed = False
    for name, rows in groups.items():
        total = {k: sum(r[k] for r in rows) for k in ("expected", "found", "cards", "leaks", "false")}
        matched = sum(_matched(r) for r in rows)
        floor = FLOORS[name]
        line = (
            f"{name} ({len(rows)} files): recall {total['found']}/{total['expected']} "
            f"({100 * total['found'] / total['expected']:.0f} %), precision {matched}/{total['cards']}, "
            f"leaks {total['leaks']}, false {total['false']}"
        )
        bad = [
            f"found {total['found']} < {floor['found']}" if total["found"] < floor["found"] else "",
            f"matched {matched} < {floor['matched']}" if matched < floor["matched"] else "",
            f"leaks {total['leaks']} > {floor['leaks']}" if total["leaks"] > floor["leaks"] else "",
            f"false {total['false']} > {floor['false']}" if total["false"] > floor["false"] else "",
        ]
        bad = [b for b in bad if b]
        failed |= bool(bad)
        print(("\n" if markdown else "") + line + ("  BELOW FLOOR: " + "; ".join(bad) if bad else ""))
    if not markdown:
        failed |= not _rendered_in_anki(sorted(MARKUP))
    return 1 if failed else 0


def _rendered_in_anki(names: list[str]) -> bool:
    """Build each flashcard-markup file, import it into a fresh collection, render every card.

    Every card must render without a template problem and show something on
    both sides; a cloze card must hide a deletion on the front.
    """
    import re
    import shutil
    import tempfile

    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    ok, total, kinds = True, 0, {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            notes = Path(tmp) / name
            shutil.copyfile(CORPUS / "notes" / name, notes)
            build = subprocess.run(
                ["notedeck", "build", str(notes), "--out", str(Path(tmp) / "out"), "--no-lock"],
                capture_output=True,
                text=True,
            )
            if build.returncode != 0:
                print(f"{name}: build failed: {build.stderr.strip()[-300:]}")
                ok = False
                continue
            col = Collection(str(Path(tmp) / f"{notes.stem}.anki2"))
            try:
                request = ImportAnkiPackageRequest(
                    package_path=str(Path(tmp) / "out" / f"{notes.stem}.apkg"),
                    options=ImportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False),
                )
                col.import_anki_package(request)
                for cid in col.find_cards(""):
                    card = col.get_card(cid)
                    out = card.render_output()
                    kind = card.note_type()["name"]
                    kinds[kind] = kinds.get(kind, 0) + 1
                    total += 1
                    front = re.sub(r"<style>.*?</style>|<[^>]+>", "", out.question_text, flags=re.S).strip()
                    back = re.sub(r"<style>.*?</style>|<[^>]+>", "", out.answer_text, flags=re.S).strip()
                    cloze_hidden = card.note_type()["type"] != 1 or 'class="cloze"' in out.question_text
                    if not front or not back or not cloze_hidden or "{{" in out.question_text:
                        first = card.note().fields[0][:60]
                        print(f"{name}: card {card.ord + 1} of note {first!r} renders badly")
                        ok = False
            finally:
                col.close()
    print(f"flashcard-markup files in the real Anki engine: {total} cards rendered, by note type {kinds}")
    return ok


def _matched(row: dict[str, object]) -> int:
    """Cards that match a label: precision is printed as a percentage, so recompute from counts."""
    precision = str(row["precision"])
    cards = int(str(row["cards"]))
    return round(cards * int(precision.rstrip("%")) / 100) if precision.endswith("%") else 0


if __name__ == "__main__":
    sys.exit(main())
