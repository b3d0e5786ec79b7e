"""The preview page in a real browser (Debian's Chromium through Playwright) at phone width."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from exporter.cli import cli
from tests.browser_support import CHROMIUM_ARGS, PHONE, SCREENSHOTS, chromium_path
from tests.preview_support import watch_server, write_preview_deck

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a test module."""
    executable = chromium_path()
    if executable is None:
        wanted = os.environ.get("NOTEDECK_CHROMIUM")
        pytest.skip(
            f"no Chromium at NOTEDECK_CHROMIUM={wanted}"
            if wanted
            else "Chromium is not installed (apt-get install chromium; .ci/run does it)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh page at phone width."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page_url(tmp_path: Path) -> str:
    """The preview page of the sample deck, written by the CLI."""
    deck = write_preview_deck(tmp_path)
    out = tmp_path / "preview.html"
    result = CliRunner().invoke(cli, ["preview", str(deck), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.resolve().as_uri()


def _card(page: Any, line: int, kind: str = "") -> Any:
    """The card whose question is at ``line`` of the notes."""
    found = page.locator(f'article.nd-card:has(a.nd-source:text-is("notes/notes.md:{line}"))')
    if kind:
        found = found.and_(page.locator(f'article[data-kind="{kind}"]'))
    return found.first


def _visible_cards(page: Any) -> list[str]:
    """``file:line`` of the cards the reader can see (scrolled to), in page order.

    Not Playwright's ``:visible``: cards off screen are skipped by ``content-visibility: auto``
    and have no box until scrolled to, yet they are shown.
    """
    return page.locator("article.nd-card").evaluate_all(
        "cards => cards.filter(c => c.checkVisibility()).map(c => c.querySelector('.nd-source').textContent)"
    )


def test_formulas_render_as_math_at_phone_width(phone: Any, page_url: str) -> None:
    phone.goto(page_url)
    softmax = _card(phone, 3)
    maths = softmax.locator("math")
    assert maths.count() == 4  # z_i on the front; z_i again, the softmax and the interval on the back
    for i in range(maths.count()):
        box = maths.nth(i).bounding_box()
        assert box["width"] > 0 and box["height"] > 0
        # Chromium lays MathML out as math ("inline math" / "block math"), not as unknown tags.
        assert "math" in maths.nth(i).evaluate("m => getComputedStyle(m).display")
    assert softmax.locator("math[display=block] mfrac").count() == 1
    for card in phone.locator("article.nd-card:not(:has(.nd-flags))").all():
        text = card.text_content()  # also of cards off screen (content-visibility skips their layout)
        assert not re.search(r"\$|\\\(|\\\[|\\frac|\\sum|\\sigma", text), text
    broken = _card(phone, 15)
    assert "cannot be rendered (unknown command \\notacommand)" in broken.locator(".nd-flags").text_content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_mcq_front_shows_every_option_unticked_and_back_the_correct_ones(phone: Any, page_url: str) -> None:
    phone.goto(page_url)
    mcq = _card(phone, 23, "multiple-choice")
    front = mcq.locator(".nd-front .options li").all_text_contents()
    assert front == ["☐ MaxPooling2D", "☐ Conv2D", "☐ Dense"]
    back = mcq.locator(".nd-back .answer .correct li").all_text_contents()
    assert back == ["☒ Conv2D", "☒ Dense"]
    first = mcq.locator(".nd-back .answer .correct li").first
    assert first.evaluate("e => getComputedStyle(e).fontWeight") == "600"  # the deck's .correct style


def test_filter_hides_and_shows_cards(phone: Any, page_url: str) -> None:
    phone.goto(page_url)
    every = _visible_cards(phone)
    assert len(every) == 9
    phone.fill("#nd-text", "softmax")
    assert _visible_cards(phone) == ["notes/notes.md:3"]
    assert phone.locator("#nd-shown").inner_text() == "1 of 9 cards"
    assert phone.locator("section.nd-chapter:has(h3:text('Models'))").evaluate("s => !s.checkVisibility()")
    phone.fill("#nd-text", "notes.md:23")
    assert _visible_cards(phone) == ["notes/notes.md:23"]
    phone.fill("#nd-text", "")
    assert _visible_cards(phone) == every
    phone.select_option("#nd-kind", "generated")
    generated = _visible_cards(phone)
    assert generated and len(generated) == phone.locator("article[data-kind=generated]").count() < 9
    assert phone.locator("article.nd-card:not([hidden]) .nd-generated").count() == len(generated)
    phone.select_option("#nd-kind", "")
    phone.select_option("#nd-tag", "Preview::Basics")
    assert _visible_cards(phone) == ["notes/notes.md:3", "notes/notes.md:9", "notes/notes.md:15"]
    assert phone.locator("section.nd-chapter:has(h3:text('Basics')) .nd-count").inner_text() == "3"
    phone.select_option("#nd-tag", "")
    assert _visible_cards(phone) == every


def test_night_mode_and_phone_width_switches(browser: Any, page_url: str) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    try:
        page.goto(page_url)
        card = page.locator("article.nd-card .nd-back .card").first
        assert card.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(255, 255, 255)"
        page.check("#nd-night-toggle")
        # The deck's own .nightMode.card rule, as in Anki's night mode.
        assert card.evaluate("c => getComputedStyle(c).backgroundColor") == "rgb(30, 30, 30)"
        assert page.locator("main").bounding_box()["width"] > 600
        page.check("#nd-phone-toggle")
        assert page.locator("main").bounding_box()["width"] <= PHONE["width"]
    finally:
        context.close()


def test_page_needs_no_network(phone: Any, page_url: str) -> None:
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(page_url)
    phone.wait_for_load_state("networkidle")
    assert [url for url in requested if not url.startswith("data:")] == [page_url]
    image = _card(phone, 9).locator(".nd-back img")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 4
    remote = _card(phone, 9).locator(".nd-back .nd-remote-image").text_content()
    assert remote == (
        "[remote image “a remote picture”, not loaded by the preview: https://example.org/remote.png]"
    )


def test_a_warning_links_to_its_card(phone: Any, page_url: str) -> None:
    phone.goto(page_url)
    phone.click(".nd-warnings a:text('notes/notes.md:15')")
    anchor = _card(phone, 15).get_attribute("id")
    assert phone.evaluate("location.hash") == f"#{anchor}"
    assert _card(phone, 15).evaluate("e => e.matches(':target')")


@pytest.mark.parametrize(
    ("name", "line", "kind"),
    [
        ("basic", 3, "basic"),
        ("multiple-choice", 23, "multiple-choice"),
        ("generated", 34, "generated"),
        ("context", 42, "basic"),
    ],
)
def test_screenshot_of_each_kind_of_card(phone: Any, page_url: str, name: str, line: int, kind: str) -> None:
    """One picture per kind of card at phone width, for a reviewer (``build/preview-screenshots/``)."""
    phone.goto(page_url)
    phone.add_style_tag(content=".nd-bar { position: static; }")  # the sticky bar would cover tall cards
    card = _card(phone, line, kind)
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    card.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    if name == "context":
        assert card.locator(".nd-front .context .highlight").count() == 1


def test_watch_mode_shows_an_edit_of_the_default_deck(phone: Any, tmp_path: Path) -> None:
    """``notedeck preview --watch`` with no argument: the default deck, edited while the page is open."""
    import shutil

    shutil.copytree(REPO / "decks" / "notes", tmp_path / "decks" / "notes")
    shutil.copy(REPO / "decks" / "anndl.yaml", tmp_path / "decks" / "anndl.yaml")
    notes = tmp_path / "decks" / "notes" / "anndl-exam-notes.md"
    with watch_server(cwd=tmp_path) as server:
        phone.goto(server.url)
        total = phone.locator("article.nd-card").count()
        assert total > 100
        phone.fill("#nd-text", "student just")  # matches no card yet
        assert _visible_cards(phone) == []
        text = notes.read_text(encoding="utf-8")
        notes.write_text(text + "\n# Watch\n\n## What did the student just write?\n\nThis card.\n", "utf-8")
        phone.locator("text=What did the student just write?").first.wait_for(timeout=15_000)
        # The reloaded page kept the filter: only the new card shows.
        assert phone.input_value("#nd-text") == "student just"
        assert _visible_cards(phone) == [f"notes/anndl-exam-notes.md:{len(text.splitlines()) + 4}"]
        assert phone.locator("#nd-shown").inner_text() == f"1 of {total + 1} cards"
        phone.fill("#nd-text", "")
        notes.write_bytes(b"\x00" * 64)  # broken notes: the error on the page, the server still up
        phone.locator(".nd-error:has-text('binary data, not text')").wait_for(timeout=15_000)
        notes.write_text(text, "utf-8")
        phone.locator("article.nd-card").first.wait_for(timeout=15_000)
        assert phone.locator(".nd-error").count() == 0
    assert server.returncode == 0, server.err
    assert server.out.rstrip().endswith("Stopped.")
    assert "Traceback" not in server.err


def test_long_file_names_and_tags_fit_a_phone(phone: Any, tmp_path: Path) -> None:
    notes = tmp_path / ("a_very_long_notes_file_name_as_exported_by_some_wiki_" * 2 + ".md")
    notes.write_text("# Klausurvorbereitung\n\n## Was ist das?\n\nDas.\n\n## Leer?\n", encoding="utf-8")
    out = tmp_path / "long.html"
    result = CliRunner().invoke(cli, ["preview", str(notes), "--out", str(out)])
    assert result.exit_code == 0, result.output
    phone.goto(out.resolve().as_uri())
    assert phone.locator(".nd-warnings li").count() == 1 and phone.locator("article.nd-card").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
