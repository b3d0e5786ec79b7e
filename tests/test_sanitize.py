"""Card HTML is sanitised: harmless markup stays, anything that can run or post goes."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from cards.parse import parse_document
from cards.render import render_markdown
from cards.sanitize import clean_html, too_deep
from exporter.cli import cli
from tests.anki_engine import collection, import_package, note_by_question

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "decks" / "notes" / "anndl-exam-notes.md"
MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>hi<script>alert(1)</script></p>", "<p>hi</p>"),
        ('<img src="a.png" onerror="alert(1)">', '<img src="a.png">'),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        ('<a href="jav&#x61;script:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
        (
            '<a href="https://example.org">x</a>',
            '<a href="https://example.org" rel="noopener noreferrer">x</a>',
        ),
        ('<iframe src="https://evil.example">fallback</iframe>ok', "ok"),
        ('<form action="https://evil.example"><button>Send</button></form>', "Send"),
        ('<img src="file:///etc/passwd">', "<img>"),
        ('<div style="position:fixed;color:red">x</div>', '<div style="color:red">x</div>'),
        ("<svg><script>alert(1)</script></svg>", ""),
        ("<style>.card{display:none}</style>text", "text"),
        ('<p onclick="steal()" class="x">t</p>', '<p class="x">t</p>'),
        ("<object data='x.swf'>fallback</object><embed src='x.swf'>", ""),
    ],
)
def test_dangerous_html_is_removed(dirty: str, clean: str) -> None:
    assert clean_html(dirty) == clean


@pytest.mark.parametrize(
    "markup",
    [
        "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
        "<p>H<sub>2</sub>O and x<sup>2</sup><br>next</p><hr>",
        '<div class="highlight"><pre><span></span><span class="k">def</span></pre></div>',
        '<ul><li><em>a</em></li></ul><ol start="3"><li><strong>b</strong></li></ol>',
        "<h3>Title</h3><details><summary>More</summary><p>hidden</p></details>",
        '<img src="packed-1.png" alt="diagram">',
        '<table><tbody><tr><th style="text-align:right">x</th></tr></tbody></table>',
    ],
)
def test_harmless_markup_is_kept_as_is(markup: str) -> None:
    assert clean_html(markup) == markup


def test_task_list_checkbox_stays_but_cannot_be_used() -> None:
    rendered = render_markdown("- [x] done\n- [ ] todo\n")
    cleaned = clean_html(rendered)
    assert cleaned.count('type="checkbox"') == 2
    assert cleaned.count('disabled="disabled"') == 2


def test_mathjax_text_survives_sanitising() -> None:
    rendered = render_markdown("If $a<b$ and $c > d \\& e$ then\n\n$$\\frac{a}{b} < 1$$\n")
    cleaned = clean_html(rendered)
    assert _math(cleaned) == ["a<b", "c > d \\& e", "\\frac{a}{b} < 1"]


def test_the_seed_notes_formulas_are_unchanged_by_sanitising() -> None:
    result = parse_document(SEED.read_text(encoding="utf-8"), source="seed.md")
    fields = [f for card in result.cards for f in (card.question, card.context, card.answer)]
    before = [m for f in fields for m in _math(f)]
    after = [m for f in fields for m in _math(clean_html(f))]
    assert len(before) > 20
    assert after == before


def test_sanitising_changes_only_entity_spelling_of_the_seed_text() -> None:
    result = parse_document(SEED.read_text(encoding="utf-8"), source="seed.md")
    for card in result.cards:
        assert _text(clean_html(card.answer)) == _text(card.answer), card.location


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' &;#:abcsriptonerfljv()[]\\$x")), max_size=80))
def test_sanitising_is_idempotent_and_never_leaves_a_script(text: str) -> None:
    cleaned = clean_html(text)
    assert clean_html(cleaned) == cleaned
    assert "<script" not in cleaned.lower()
    assert not re.search(r"<[^>]*\son\w+\s*=", cleaned)


HOSTILE_NOTES = """\
# Chapter

## What does this do?

<script>alert("owned")</script>
<img src="https://example.org/x.png" onerror="alert(1)">
<a href="javascript:alert(1)">click</a> and <iframe src="https://evil.example"></iframe>
<form action="https://evil.example"><input type="text" name="pw"></form>

Formula $a<b$ stays.
"""


def test_build_packs_sanitised_fields(tmp_path: Path) -> None:
    notes = tmp_path / "hostile.md"
    notes.write_text(HOSTILE_NOTES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "hostile.apkg")
        answer = note_by_question(col, "What does this do?")["Answer"]
    _assert_harmless(answer)
    assert "\\(a&lt;b\\)" in answer
    assert '<img src="https://example.org/x.png">' in answer


def test_list_json_shows_sanitised_fields(tmp_path: Path) -> None:
    notes = tmp_path / "hostile.md"
    notes.write_text(HOSTILE_NOTES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["list", str(notes), "--json"])
    assert result.exit_code == 0, result.output
    (card,) = json.loads(result.stdout)
    _assert_harmless(card["back"])


def _assert_harmless(field: str) -> None:
    lowered = field.lower()
    for needle in ("<script", "onerror", "javascript:", "<iframe", "<form", 'type="text"', "alert("):
        assert needle not in lowered, needle


def _math(field: str) -> list[str]:
    return [a or b for a, b in MATH.findall(html.unescape(field))]


def _text(field: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", field))


@pytest.mark.parametrize(
    ("markup", "deep"),
    [
        ("<div>" * 300, True),
        ("<span>" * 300 + "</x>" * 300, True),  # stray end tags close nothing
        ("<span></x>" * 300, True),
        ("<ul><li>" * 300, True),
        ("<div><span>x</span></div>" * 5_000, False),
        ("<li>item" * 1_000, False),  # each <li> closes the previous one
        ("<p>para" * 1_000, False),
        ("<div>" * 200 + "<b>x</b>" * 1_000 + "</div>" * 200, False),
    ],
)
def test_depth_guard(markup: str, deep: bool) -> None:
    assert too_deep(markup) is deep
    if deep:
        assert clean_html(markup) == html.escape(markup, quote=False)


def test_highlighted_code_is_never_too_deep() -> None:
    code = render_markdown("```python\n" + "x = f(1, 'a')  # note\n" * 5_000 + "```\n")
    assert not too_deep(code)
