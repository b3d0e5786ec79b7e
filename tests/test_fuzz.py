"""Fuzzing the whole pipeline: any bytes give a clean error or a deck the real Anki engine imports.

Random bytes exercise reading and decoding; Markdown-ish text built from the
characters and constructs that steer the parser (headings, fences, ``$``,
quotes, lists, raw HTML, images, control characters) exercises parsing,
sanitising, media and packaging. No exception may escape, and every built
package must import with one card per note.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cards.parse import parse_document
from exporter.cli import cli
from tests.anki_engine import collection, import_package

PIECES = [
    "# ", "## ", "### ", "?", "What is ", "Describe ", "\n", "\n\n", "  ", "\t", "$", "$$", "\\(", "\\",
    "`", "```", "```python\n", "~~~", "> ", "- ", "* ", "1. ", "- [ ] ", "- [x] ", "☐ ", "☒ ", "**", "_",
    "[", "](", ")", "![img](", "pic.png", "../../secret.png", "https://example.org/a.png", "<img src=\"",
    "\">", "<div>", "</div>", "<script>alert(1)</script>", "<b onclick=x>", "|", "| --- |", "---", "—",
    "&amp;", "&", "<", ">", "{", "}", "x^2", "a_b", "\r\n", "\r", "\x00", "\x0c", "\ufeff", "\u200b",
    "<!-- card id: x -->", "<!-- no-card -->", "---\ntags: [a]\n---\n", "Answer: ", "Solution:", "é", "？",
]  # fmt: skip
MARKDOWNISH = st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=60).map("".join)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_build_or_fail_cleanly(data: bytes) -> None:
    _build_and_import(data)


@SETTINGS
@given(MARKDOWNISH)
def test_markdownish_text_builds_a_deck_anki_imports(text: str) -> None:
    data = text.encode("utf-8")
    code = _build_and_import(data)
    # Text that is mostly NUL bytes is refused as binary, by design (exit 1, checked above).
    assert code == 0 or data[:8192].count(0) > max(4, len(data[:8192]) // 20)


@settings(max_examples=200, deadline=None)
@given(MARKDOWNISH)
def test_markdownish_text_parses_without_raising(text: str) -> None:
    result = parse_document(text, source="fuzz.md", deck="D")
    for card in result.cards:
        assert card.question.strip() and card.answer.strip()
        assert card.line >= 1


def _build_and_import(data: bytes) -> int:
    """Build ``data`` as notes; on success import the package and check every note got its card."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pic.png").write_bytes(b"\x89PNG fuzz")
        notes = folder / "notes.md"
        notes.write_bytes(data)
        result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(folder / "out")])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output
        apkg = folder / "out" / "notes.apkg"
        if result.exit_code != 0:
            assert result.exit_code == 1
            assert result.stderr.startswith("Error: ") and " — " in result.stderr
            assert "internal error" not in result.stderr
            assert not apkg.exists()
            return result.exit_code
        built = int(re.search(r"notes\.apkg: (\d+) cards", result.stdout).group(1))  # type: ignore[union-attr]
        with collection(folder / "col.anki2") as col:
            log = import_package(col, apkg)
            assert log["new"] == built
            assert log["conflicting"] == log["missing_notetype"] == log["empty_first_field"] == 0
            assert len(col.find_cards("")) == built
            for cid in col.find_cards(""):
                output = col.get_card(cid).render_output()
                assert "{{" not in output.question_text + output.answer_text
        return 0
