"""``notedeck preview`` without a browser: the page's content, Anki's own rendering as the oracle."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cards import Card
from exporter.build import collect_cards
from exporter.cli import cli, load_configs
from exporter.mathml import formula_problems, formulas_to_mathml
from exporter.preview import card_sides, deck_preview, page_html, render_template
from tests.anki_engine import collection, import_package
from tests.preview_support import watch_server, write_preview_deck


@pytest.fixture
def deck(tmp_path: Path) -> Path:
    return write_preview_deck(tmp_path)


FLASHCARD_NOTES = """---
tags: [flashcards]
---
# Markup

The capital of France is {{c1::Paris}}, of Italy {{c2::Rome::a city}}.

Dog:::Hund

What is 2+2?::Four
"""


def test_card_sides_are_what_anki_renders_from_the_package(deck: Path, tmp_path: Path) -> None:
    """The preview fills the note type's templates exactly as Anki does (fields, sections, FrontSide)."""
    cards = _anki_renders_as_the_preview(deck, tmp_path)
    assert any(card.context for card in cards)  # the {{#Context}} section both ways
    assert {card.kind for card in cards} == {"basic", "multiple-choice", "generated"}


def test_cloze_and_reversed_cards_show_as_anki_shows_them(tmp_path: Path) -> None:
    """Reversed cards as Anki's first card of the note; clozes with every deletion at once."""
    notes = tmp_path / "markup.md"
    notes.write_text(FLASHCARD_NOTES, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(notes), "--out", str(tmp_path / "out"), "--no-lock"])
    assert result.exit_code == 0, result.output
    (config,) = load_configs([notes])
    cards = collect_cards(config).cards
    assert {card.kind for card in cards} == {"basic", "cloze", "reversed"}
    sides = {card.question: (card.kind, card_sides(card)) for card in cards}
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / "markup.apkg")
        for cid in col.find_cards(""):
            shown = col.get_card(cid)
            kind, (front, back) = sides[shown.note().fields[0]]
            anki_front = shown.question().split("</style>", 1)[1]
            anki_back = shown.answer().split("</style>", 1)[1]
            if kind == "cloze":  # Anki hides one deletion per card; the preview hides them all
                assert 'class="cloze"' in anki_front and '<span class="cloze">[' in front
                assert "[...]" not in back and "[...]" not in anki_back
            elif shown.ord == 0:
                assert (anki_front, anki_back) == (front, back)


def _anki_renders_as_the_preview(deck: Path, tmp_path: Path) -> tuple[Card, ...]:
    """Build ``deck``, import it into a fresh Anki collection, compare every card's two sides."""
    result = CliRunner().invoke(cli, ["build", str(deck), "--out", str(tmp_path / "out"), "--no-lock"])
    assert result.exit_code == 0, result.output
    (config,) = load_configs([deck])
    cards = collect_cards(config).cards
    by_question = {card.question: card_sides(card) for card in cards}
    with collection(tmp_path / "col.anki2") as col:
        import_package(col, tmp_path / "out" / f"{deck.stem}.apkg")
        seen = 0
        for cid in col.find_cards(""):
            shown = col.get_card(cid)
            front, back = by_question[shown.note()["Question"]]
            assert shown.question().split("</style>", 1)[1] == front
            assert shown.answer().split("</style>", 1)[1] == back
            seen += 1
    assert seen == len(cards)
    return cards


def test_template_sections_follow_anki_rules() -> None:
    template = "{{#A}}[{{A}}]{{/A}}{{^A}}no A{{/A}}|{{B}}"
    assert render_template(template, {"A": "x", "B": "<b>y</b>"}) == "[x]|<b>y</b>"
    assert render_template(template, {"A": "  ", "B": ""}) == "no A|"


def test_formulas_become_mathml_outside_code_only() -> None:
    page, problems = formulas_to_mathml(
        r'<p>\(a &lt; b\)</p><div class="math">\[\frac{1}{2}\]</div><pre>print("\(x\)")</pre>'
    )
    assert problems == ()
    assert page.count("<math") == 2 and 'display="block"' in page
    assert "<mo>&#x0003C;</mo>" in page  # the escaped < reached latex2mathml as <, and left escaped again
    assert r'<pre>print("\(x\)")</pre>' in page


@pytest.mark.parametrize(
    "tex", [r"\arg\max_x f(x)", r"a \newline b", r"\operatorname*{argmax}_x", r"\lVert w \rVert_2^2"]
)
def test_formulas_mathjax_knows_render(tex: str) -> None:
    page, problems = formulas_to_mathml(f"<p>\\({tex}\\)</p>")
    assert problems == () and page.startswith("<p><math") and "\\" not in page


@pytest.mark.parametrize(
    ("tex", "reason"),
    [
        (r"\foo{x}", r"unknown command \foo"),
        (r"x^{2", "a { without its }"),
        (r"x}", "a } without its {"),
        (r"\frac{a}{", "a { without its }"),
        (r"\left( x \right", "latex2mathml: StopIteration"),
    ],
)
def test_formulas_that_cannot_render_are_problems(tex: str, reason: str) -> None:
    (problem,) = formula_problems(f"<p>\\({tex}\\)</p>")
    assert (problem.tex, problem.reason) == (tex, reason)


def test_check_reports_a_formula_that_cannot_render(deck: Path) -> None:
    result = CliRunner().invoke(cli, ["check", str(deck)])
    assert result.exit_code == 0, result.output
    assert (
        "notes/notes.md:15: formula \\(\\notacommand{x}\\) cannot be rendered "
        "(unknown command \\notacommand) — fix the formula"
    ) in result.stdout


def test_page_groups_cards_by_chapter_and_links_them(deck: Path) -> None:
    (config,) = load_configs([deck])
    shown = deck_preview(config)
    page = page_html([shown])
    counts = re.findall(r'<h3>([^<]+) <span class="nd-count" data-total="(\d+)">', page)
    assert counts == [("Basics", "3"), ("Models", "1"), ("Exercises", str(len(shown.cards) - 4))]
    notes_url = (deck.parent / "notes" / "notes.md").resolve().as_uri()
    assert f'href="{notes_url}">notes/notes.md:3</a>' in page
    generated = sum(c.card.kind == "generated" for c in shown.cards)
    assert page.count('class="nd-kind nd-generated">generated exercise<') == generated > 0
    kinds = re.search(r'<select id="nd-kind".*?</select>', page, re.DOTALL).group(0)  # type: ignore[union-attr]
    assert re.findall(r'<option value="([^"]*)">', kinds) == ["", "basic", "multiple-choice", "generated"]
    assert '<img src="data:image/png;base64,' in page  # the image travels inside the page
    assert '<img src="https:' not in page and 'href="https://example.org/remote.png"' in page


def test_warnings_link_to_their_card_or_line(deck: Path) -> None:
    (config,) = load_configs([deck])
    shown = deck_preview(config)
    links = {w.warning.line: w.href for w in shown.warnings}
    broken = next(c for c in shown.cards if c.card.line == 15)
    assert links[15] == f"#{broken.anchor}"  # the formula's card
    assert links[19] == (deck.parent / "notes" / "notes.md").resolve().as_uri()  # no card: the file
    assert [str(p) for p in broken.problems] == [
        r"formula \(\notacommand{x}\) cannot be rendered (unknown command \notacommand)"
    ]


def test_preview_command_writes_one_page_without_network_references(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "page" / "deck.html"
    result = CliRunner().invoke(cli, ["preview", str(deck), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("deck.html: 9 cards, 2 warnings\n")
    page = out.read_text(encoding="utf-8")
    # Remote images become links; nothing on the page is fetched.
    assert not re.search(r"""src=["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", page)
    assert "default-src 'none'" in page


def test_preview_of_bad_notes_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    notes = tmp_path / "bad.md"
    notes.write_bytes(b"\xff\xfe# UTF-16\n")
    result = CliRunner().invoke(cli, ["preview", str(notes), "--out", str(tmp_path / "p.html")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {notes}: UTF-16 text, not UTF-8")
    assert not (tmp_path / "p.html").exists()


def test_live_preview_shows_a_notes_error_and_recovers(deck: Path) -> None:
    import threading

    from exporter.preview_server import LivePreview, serve

    live = LivePreview(lambda: load_configs([deck]))
    assert live.rebuild() == ""
    server = serve(live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        notes = deck.parent / "notes" / "notes.md"
        good = notes.read_text(encoding="utf-8")
        notes.write_bytes(b"\x00" * 100)
        error = live.rebuild()
        assert error.endswith(
            "binary data, not text (NUL byte at offset 0) — list only Markdown notes files in the deck"
        )
        page = urllib.request.urlopen(url + "/").read().decode()
        assert 'class="nd-error"' in page and "binary data, not text" in page
        assert urllib.request.urlopen(url + "/version").read() == b"2"
        notes.write_text(good + "\n## What came back?\n\nThe cards.\n", encoding="utf-8")
        assert live.rebuild() == ""
        page = urllib.request.urlopen(url + "/").read().decode()
        assert 'class="nd-error"' not in page and "What came back?" in page
    finally:
        server.shutdown()
        server.server_close()


def _wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until ``condition()`` holds; a generous bound, not a speed goal."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_watch_rebuilds_on_saves_of_notes_and_deck_only(deck: Path) -> None:
    import threading
    import time

    from exporter.preview_server import LivePreview, watch

    live = LivePreview(lambda: load_configs([deck]))
    live.rebuild()
    stop = threading.Event()
    builds: list[str] = []
    watcher = threading.Thread(target=watch, args=(live, set(), stop, lambda e, s: builds.append(e)))
    watcher.start()
    try:
        time.sleep(0.5)  # the watcher is up
        notes = deck.parent / "notes" / "notes.md"
        notes.write_text(notes.read_text(encoding="utf-8") + "\n## What is new?\n\nThis.\n", encoding="utf-8")
        _wait_for(lambda: live.version == 2)
        assert b"What is new?" in live.snapshot()[1]
        deck.write_text(deck.read_text(encoding="utf-8") + "tags: [fresh]\n", encoding="utf-8")
        _wait_for(lambda: live.version == 3)
        assert b"Preview::Basics&quot;, &quot;fresh" in live.snapshot()[1]
        # The parse cache the builds write, an editor's swap file, a stray text file: no rebuild.
        (deck.parent / "notes" / ".notes.md.swp").write_bytes(b"swap")
        (deck.parent / "notes" / "todo.txt").write_text("later", encoding="utf-8")
        time.sleep(1.0)
        assert live.version == 3 and builds == ["", ""]
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()


def test_preview_open_hands_the_page_to_the_browser(
    deck: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    out = tmp_path / "p.html"
    result = CliRunner().invoke(cli, ["preview", str(deck), "--out", str(out), "--open"])
    assert result.exit_code == 0, result.output
    assert opened == [out.resolve().as_uri()]


def test_preview_watch_and_out_are_exclusive(deck: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["preview", str(deck), "--watch", "--out", str(tmp_path / "p.html")])
    assert result.exit_code == 2
    assert "--out and --watch cannot be used together" in result.output


def test_two_decks_on_one_page_have_distinct_card_anchors(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n\n## Why {name}?\n\nBecause.\n", encoding="utf-8")
    out = tmp_path / "both.html"
    decks = [str(tmp_path / "a.md"), str(tmp_path / "b.md")]
    result = CliRunner().invoke(cli, ["preview", *decks, "--out", str(out)])
    assert result.exit_code == 0, result.output
    ids = re.findall(r'<article class="nd-card" id="([^"]+)"', out.read_text(encoding="utf-8"))
    assert ids == ["card-a-1", "card-b-1"]


def test_live_server_ignores_clients_that_hang_up(deck: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A closed tab or a reload mid-answer: no traceback in the student's terminal."""
    import socket
    import struct
    import threading
    import time

    from exporter.preview_server import LivePreview, serve

    live = LivePreview(lambda: load_configs([deck]))
    live.rebuild()
    server = serve(live)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in ("/", f"/version?after={live.version}", "/"):
            client = socket.create_connection(server.server_address[:2])
            client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()  # with a reset, before the answer is read
        live.rebuild()  # answers the waiting /version request
        time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/version") as answer:
            assert answer.read() == b"2"  # still serving
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capsys.readouterr().err


def test_watch_on_a_port_in_use_is_a_clear_error(deck: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["preview", str(deck), "--watch", "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: 127.0.0.1:{port}: ") and result.output.endswith(
        " — choose another --port\n"
    )


def test_preview_tag_filters_choose_the_cards(deck: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    result = CliRunner().invoke(cli, ["preview", str(deck), "--out", str(out), "--tag", "Basics"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("p.html: 3 cards, 2 warnings\n")
    assert re.findall(r'class="nd-source"[^>]*>([^<]+)<', out.read_text(encoding="utf-8")) == [
        "notes/notes.md:3",
        "notes/notes.md:9",
        "notes/notes.md:15",
    ]
    typo = CliRunner().invoke(cli, ["preview", str(deck), "--out", str(out), "--exclude-tag", "Basix"])
    assert typo.exit_code == 2
    assert "tag 'Basix' matches no card — use one of the deck's tags: Preview::Basics" in typo.output


def test_watch_serves_until_ctrl_c_and_stops_cleanly(deck: Path) -> None:
    """The real command in its own process: the printed address answers, SIGINT ends it with 0."""
    with watch_server(str(deck)) as server, urllib.request.urlopen(server.url) as answer:
        assert b"What is the softmax of" in answer.read()
    assert server.returncode == 0, server.err
    assert server.out.rstrip().endswith("Stopped.") and server.err == ""
