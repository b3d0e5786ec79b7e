"""``notedeck preview``: every card of a deck on one self-contained HTML page.

The page shows each card as Anki shows it: the note type's own templates
(:data:`exporter.package.FRONT` / :data:`~exporter.package.BACK`) filled with
the same fields the package carries, styled by the same CSS. It needs no
network: formulas are MathML (:mod:`exporter.mathml`) instead of MathJax,
images are embedded as ``data:`` URLs, and a Content-Security-Policy forbids
every other request. The page's own layout, styles and script live in
``preview_page.html`` next to this module.
"""

from __future__ import annotations

import base64
import html
import json
import mimetypes
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from cards import Card, NoteWarning
from exporter.build import DeckCards, collect_cards
from exporter.config import DeckConfig
from exporter.mathml import FormulaProblem, formulas_to_mathml

_SECTION = re.compile(r"\{\{([#^])([^}]+)\}\}(.*?)\{\{/\2\}\}", re.DOTALL)
_FIELD = re.compile(r"\{\{([^#^/}][^}]*)\}\}")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")', re.IGNORECASE)
_REMOTE_IMG = re.compile(r'<img\b[^>]*?\bsrc="(?P<url>(?:https?:)?//[^"]*)"[^>]*>', re.IGNORECASE)
_NOT_IN_ID = re.compile(r"[^A-Za-z0-9_-]+")
_ALT = re.compile(r'\balt="([^"]*)"', re.IGNORECASE)
OPEN_WARNINGS = 5
"""Up to this many warnings are listed open at the top; more are folded under their count."""
KIND_LABELS = {
    "basic": "basic",
    "multiple-choice": "multiple choice",
    "generated": "generated exercise",
    "cloze": "cloze",
    "reversed": "reversed",
}
"""How the page names each kind of card (an unknown kind shows as it is)."""


@dataclass(frozen=True)
class PreviewCard:
    """One card as the page shows it."""

    anchor: str
    """Its element id on the page (``card-anndl-3``): warnings link to it."""
    card: Card
    front: str
    """The front side's HTML, as Anki renders the front template, formulas as MathML."""
    back: str
    problems: tuple[FormulaProblem, ...]
    """Formulas the page could not render (flagged on the card)."""


@dataclass(frozen=True)
class PreviewWarning:
    """A build warning with the place on the page (or in the notes) it concerns."""

    warning: NoteWarning
    href: str
    """``#card-<deck>-N`` when a card starts at the warning's line, else the notes file."""


@dataclass(frozen=True)
class DeckPreview:
    """Everything the page shows of one deck."""

    config: DeckConfig
    cards: tuple[PreviewCard, ...]
    warnings: tuple[PreviewWarning, ...]


def render_template(template: str, fields: Mapping[str, str]) -> str:
    """Fill an Anki card template: ``{{Field}}``, ``{{#Field}}…{{/Field}}``, ``{{^Field}}…{{/Field}}``.

    The subset notedeck's note type uses. A section shows when its field is
    not blank, as in Anki; fields are inserted as HTML, unescaped, as in Anki.
    """

    def section(match: re.Match[str]) -> str:
        shown = bool(fields.get(match.group(2).strip(), "").strip())
        return match.group(3) if shown == (match.group(1) == "#") else ""

    previous = None
    while previous != template:  # sections may nest
        previous, template = template, _SECTION.sub(section, template)
    return _FIELD.sub(lambda m: fields.get(m.group(1).strip(), ""), template)


def card_sides(card: Card) -> tuple[str, str]:
    """Front and back HTML of ``card`` through its note type's templates (its first card).

    A cloze note shows every deletion at once, hidden on the front and shown
    on the back (Anki makes one card per deletion); a reversed note shows its
    front-to-back card.
    """
    from exporter.package import (
        BACK,
        CLOZE_BACK,
        CLOZE_FIELDS,
        CLOZE_FRONT,
        FIELDS,
        FRONT,
        REVERSED_FIELDS,
        REVERSED_TEMPLATES,
    )

    def filled(names: Sequence[str]) -> dict[str, str]:  # the note types share their slots' order
        return dict(zip(names, (card.question, card.context, card.answer, card.location), strict=True))

    if card.kind == "cloze":
        fields = filled(CLOZE_FIELDS)
        hidden = _CLOZE.sub(lambda m: f'<span class="cloze">[{m.group(2) or "..."}]</span>', card.question)
        shown = _CLOZE.sub(lambda m: f'<span class="cloze">{m.group(1)}</span>', card.question)
        front = render_template(CLOZE_FRONT.replace("{{cloze:Text}}", hidden), fields)
        return front, render_template(CLOZE_BACK.replace("{{cloze:Text}}", shown), fields)
    if card.kind == "reversed":  # its first card, front to back
        (_, qfmt, afmt), *_ = REVERSED_TEMPLATES
        fields = filled(REVERSED_FIELDS)
    else:
        qfmt, afmt, fields = FRONT, BACK, filled(FIELDS)
    front = render_template(qfmt, fields)
    return front, render_template(afmt, {**fields, "FrontSide": front})


_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.S)
"""Anki's deletions ``{{c1::text::hint}}``, as the preview shows them all at once."""


def deck_preview(config: DeckConfig, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> DeckPreview:
    """Parse the deck's notes (as ``build`` would) and lay out its cards and warnings.

    ``include`` / ``exclude``: tag filters as ``build --tag`` / ``--exclude-tag``
    (a tag that matches no card is an error); the warnings stay the whole deck's.
    """
    from dataclasses import replace

    from exporter.build import check_filters, tag_matches
    from exporter.regen import unique_keys

    deck = collect_cards(config)
    warnings = (*deck.warnings, *unique_keys(deck.cards)[1])
    if include or exclude:
        check_filters(config, deck.cards, include, exclude)
        chosen = tuple(
            card
            for card in deck.cards
            if (not include or any(tag_matches(t, w) for t in card.tags for w in include))
            and not any(tag_matches(t, w) for t in card.tags for w in exclude)
        )
        deck = replace(deck, cards=chosen, content=())
    return preview_of(deck, warnings)


def preview_of(deck: DeckCards, warnings: Sequence[NoteWarning]) -> DeckPreview:
    """Lay out ``deck``'s cards; formulas that cannot render join the ``warnings``."""
    images = {m.name: m.path for m in deck.media}
    prefix = "card-" + _NOT_IN_ID.sub("_", deck.config.stem)  # decks on one page have distinct stems
    cards = []
    found = list(warnings)
    for i, card in enumerate(deck.cards, 1):
        front, back = card_sides(card)
        front, _ = formulas_to_mathml(_embed_images(front, images))
        back, problems = formulas_to_mathml(_embed_images(back, images))
        found += [_formula_warning(card, p) for p in problems]
        cards.append(PreviewCard(f"{prefix}-{i}", card, front, back, problems))
    first_at: dict[tuple[str, int], str] = {}
    for shown in cards:
        first_at.setdefault((shown.card.source, shown.card.line), shown.anchor)
    linked = tuple(
        PreviewWarning(w, f"#{first_at[(w.source, w.line)]}")
        if (w.source, w.line) in first_at
        else PreviewWarning(w, _file_url(deck.config.folder, w.source))
        for w in found
    )
    return DeckPreview(deck.config, tuple(cards), linked)


def formula_warnings(cards: Sequence[Card]) -> list[NoteWarning]:
    """A warning for each formula of ``cards`` that cannot be rendered (for ``notedeck check``)."""
    from exporter.mathml import formula_problems

    return [
        _formula_warning(card, problem)
        for card in cards
        for problem in formula_problems(card.question, card.context, card.answer)
    ]


def _formula_warning(card: Card, problem: FormulaProblem) -> NoteWarning:
    return NoteWarning(card.source, card.line, f"{problem} — fix the formula")


def page_html(decks: Sequence[DeckPreview], *, live: bool = False, version: int = 0, error: str = "") -> str:
    """The whole page; ``error`` is shown at the top.

    ``live``: served by ``--watch``, the page asks the server for a build after
    ``version`` and reloads itself when one comes.
    """
    from exporter.package import note_type_css

    total = sum(len(d.cards) for d in decks)
    tags = sorted({t for d in decks for c in d.cards for t in c.card.tags}, key=str.casefold)
    present = {c.card.kind for d in decks for c in d.cards}
    kinds = [k for k in KIND_LABELS if k in present] + sorted(present - KIND_LABELS.keys())
    return _page_template().substitute(
        title=html.escape(" + ".join(d.config.name for d in decks) or "notedeck preview"),
        card_css=note_type_css(),
        summary=html.escape(f"{total} card{'s' if total != 1 else ''}"),
        tag_options="".join(f'<option value="{html.escape(t)}">{html.escape(t)}</option>' for t in tags),
        kind_options="".join(
            f'<option value="{html.escape(k)}">{html.escape(KIND_LABELS.get(k, k))}</option>' for k in kinds
        ),
        error=f'<div class="nd-error" role="alert">{html.escape(error)}</div>' if error else "",
        warnings=_warnings_html(decks),
        decks="".join(_deck_html(d) for d in decks),
        live=json.dumps(live),
        version=str(version),
    )


def write_preview(
    configs: Sequence[DeckConfig], out: Path, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[Path, int, int]:
    """Write the page of ``configs`` to ``out`` atomically; return ``(out, cards, warnings)``."""
    decks = [deck_preview(config, include, exclude) for config in configs]
    write_text_atomically(out, page_html(decks))
    return out, sum(len(d.cards) for d in decks), sum(len(d.warnings) for d in decks)


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` by rename, so a browser never reads half a page."""
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(name, 0o666 & ~mask)  # mkstemp's 0600 would hide the page from other users
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@lru_cache(maxsize=1)
def _page_template() -> string.Template:
    text = resources.files("exporter").joinpath("preview_page.html").read_text(encoding="utf-8")
    return string.Template(text)


def _warnings_html(decks: Sequence[DeckPreview]) -> str:
    items = [
        f'<li><a href="{html.escape(w.href)}">{html.escape(f"{w.warning.source}:{w.warning.line}")}</a> '
        f"{html.escape(w.warning.message)}</li>"
        for d in decks
        for w in d.warnings
    ]
    if not items:
        return ""
    n = len(items)
    opened = " open" if n <= OPEN_WARNINGS else ""  # a long list would push every card off a phone's screen
    return (
        f'<details class="nd-warnings"{opened}><summary>{n} warning{"s" if n != 1 else ""}</summary>'
        f"<ul>{''.join(items)}</ul></details>"
    )


def _deck_html(deck: DeckPreview) -> str:
    chapters: dict[str, list[PreviewCard]] = {}
    for shown in deck.cards:
        chapters.setdefault(" › ".join(shown.card.chapter) or "(no chapter)", []).append(shown)
    sections = "".join(
        f'<section class="nd-chapter"><h3>{html.escape(name)} '
        f'<span class="nd-count" data-total="{len(cards)}">{len(cards)}</span></h3>'
        f"{''.join(_card_html(c, deck.config.folder) for c in cards)}</section>"
        for name, cards in chapters.items()
    )
    return f'<section class="nd-deck"><h2>{html.escape(deck.config.name)}</h2>{sections}</section>'


def _card_html(shown: PreviewCard, folder: Path) -> str:
    card = shown.card
    flags = "".join(f'<li class="nd-flag">{html.escape(str(p))}</li>' for p in shown.problems)
    badge = "nd-kind nd-generated" if card.kind == "generated" else "nd-kind"  # generated: marked in colour
    tags = " ".join(f'<span class="nd-tag">{html.escape(t)}</span>' for t in card.tags)
    return (
        f'<article class="nd-card" id="{shown.anchor}" data-kind="{html.escape(card.kind)}" '
        f'data-tags="{html.escape(json.dumps(list(card.tags)))}">'
        f'<div class="nd-meta"><a class="nd-source" href="{html.escape(_file_url(folder, card.source))}">'
        f"{html.escape(card.location)}</a> "
        f'<span class="{badge}">{html.escape(KIND_LABELS.get(card.kind, card.kind))}</span> '
        f'<span class="nd-tags">{tags}</span></div>'
        f"{f'<ul class=nd-flags>{flags}</ul>' if flags else ''}"
        '<div class="nd-sides">'
        f'<div class="nd-side nd-front"><div class="nd-label">Front</div>'
        f'<div class="card">{shown.front}</div></div>'
        f'<div class="nd-side nd-back"><div class="nd-label">Back</div>'
        f'<div class="card">{shown.back}</div></div>'
        "</div></article>"
    )


def _file_url(folder: Path, source: str) -> str:
    """A ``file://`` link to a notes file named relative to the deck's folder."""
    path = Path(source)
    return (path if path.is_absolute() else (folder / path)).resolve().as_uri()


def _embed_images(fragment: str, images: Mapping[str, Path]) -> str:
    """Packed images as ``data:`` URLs: the page works without the media folder or a network.

    A remote image (``https://…``), which Anki loads when the phone is online,
    becomes a link saying so: the page itself never touches the network.
    """
    if "<img" not in fragment.lower():
        return fragment
    fragment = _REMOTE_IMG.sub(_remote_image, fragment)
    if not images:
        return fragment

    def embed(match: re.Match[str]) -> str:
        path = images.get(html.unescape(match.group(2)))
        if path is None:
            return match.group(0)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f"{match.group(1)}data:{kind};base64,{data}{match.group(3)}"

    return _IMG_SRC.sub(embed, fragment)


def _remote_image(match: re.Match[str]) -> str:
    url = match.group("url")
    alt = _ALT.search(match.group(0))
    label = f"“{alt.group(1)}”, " if alt and alt.group(1) else ""
    return (
        f'<span class="nd-remote-image">[remote image {label}not loaded by the preview: '
        f'<a href="{url}">{url}</a>]</span>'
    )
