"""Images in cards: pack files from the deck's folder, refuse everything else.

A shared deck must never carry a file from outside the folder its author
chose (``../../.ssh/id_rsa`` in an ``<img>`` would otherwise ship the key), and
a build must not touch the network, so remote images stay links. Packed files
get a content-hash name: unique in Anki's single media folder, safe on every
file system, and stable across builds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from cards import Card, NoteWarning
from cards.sanitize import MAX_HTML_DEPTH, clean_card, drop_image, too_deep
from exporter.package import MediaFile

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_REMOTE_SCHEMES = ("http", "https")
_IMG_TAG = re.compile("<img", re.IGNORECASE)
_TOO_DEEP = f"HTML nested over {MAX_HTML_DEPTH} levels deep is shown as text — close the tags you open"


class MediaPacker:
    """Resolves the images of one deck, so names stay unique across its notes files."""

    def __init__(self, deck_folder: Path) -> None:
        self.root = deck_folder.resolve()
        self._packed: dict[Path, str] = {}
        self._files: dict[str, MediaFile] = {}

    def cards(self, ready: Presanitised, notes_path: Path) -> tuple[list[Card], list[NoteWarning]]:
        """Finish sanitising a file's cards: those with images point at packed media; say what was refused."""
        safe = list(ready.cards)
        warnings: list[NoteWarning] = []
        deep = frozenset(ready.deep)
        images = frozenset(ready.images)
        for i in sorted(deep | images):
            card = safe[i]
            if i in deep:
                warnings.append(NoteWarning(card.source, card.line, _TOO_DEEP))
            if i not in images:
                continue
            sources: dict[str, str | None] = {}
            for src in dict.fromkeys(image_sources(card.question, card.context, card.answer)):
                sources[src], problem = self._resolve(src, notes_path.parent)
                if problem:
                    warnings.append(NoteWarning(card.source, card.line, problem))
            safe[i] = clean_card(card, image_src=sources.get)
        return safe, warnings

    def media_of(self, cards: Iterable[Card]) -> tuple[MediaFile, ...]:
        """The packed files ``cards`` show, in name order (for reproducible packages)."""
        if not self._files:
            return ()  # most decks have no images: no need to look through every card
        names = {src for card in cards for src in shown_images(card)}
        return tuple(self._files[name] for name in sorted(names) if name in self._files)

    def _resolve(self, src: str, base: Path) -> tuple[str | None, str]:
        """The src to keep (``None`` drops it) and a problem to report (``""`` if none)."""
        shown = src if len(src) <= 80 else src[:77] + "..."
        url = urlsplit(src.strip())
        scheme = url.scheme.lower()
        if scheme in _REMOTE_SCHEMES or (not scheme and src.strip().startswith("//")):
            return src, ""
        outside = f"image '{shown}' is outside the deck folder — move it next to the notes"
        windows = PureWindowsPath(src.strip())
        if scheme == "file" or windows.drive or windows.root or src.strip().startswith("/"):
            return None, outside
        if scheme:
            return (
                None,
                f"image '{shown}' is neither a file nor an http(s) link — "
                "save it as a file next to the notes",
            )
        relative = unquote(url.path)
        if not relative:
            return None, ""
        target = (base / PurePosixPath(relative)).resolve()
        if not target.is_relative_to(self.root):
            return None, outside
        if not target.is_file():
            return None, f"image '{shown}' not found — check the path (it is relative to the notes file)"
        return self._pack(target), ""

    def _pack(self, target: Path) -> str:
        if target not in self._packed:
            name = media_name(target)
            self._packed[target] = name
            self._files.setdefault(name, MediaFile(name=name, path=target))
        return self._packed[target]


class Presanitised(NamedTuple):
    """A file's cards, sanitised as far as they can be without looking at the deck's folder.

    Sanitising is a pure function of a card unless it shows images (their files
    decide the ``src``), so it is done once per file, where the file is parsed,
    and kept in the parse cache: a rebuild sanitises only the files that changed.
    """

    cards: tuple[Card, ...]
    """Sanitised, except the cards listed in ``images``."""
    images: tuple[int, ...]
    """Indices of the cards that show images: still raw, finished by :meth:`MediaPacker.cards`."""
    deep: tuple[int, ...]
    """Indices of the cards whose raw HTML nests too deep (each is warned about)."""


def presanitise(cards: Iterable[Card]) -> Presanitised:
    """Sanitise every card that shows no image (see :class:`Presanitised`)."""
    safe: list[Card] = []
    images: list[int] = []
    deep: list[int] = []
    for i, card in enumerate(cards):
        if any(too_deep(field) for field in (card.question, card.context, card.answer)):
            deep.append(i)
        if image_sources(card.question, card.context, card.answer):
            images.append(i)
            safe.append(card)
        else:
            safe.append(clean_card(card, image_src=drop_image))
    return Presanitised(tuple(safe), tuple(images), tuple(deep))


def media_name(path: Path) -> str:
    """``<content hash>-<safe stem>.<ext>``: unique, portable and stable across builds."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    stem = _UNSAFE.sub("_", path.stem).strip("_")[:40] or "image"
    suffix = _UNSAFE.sub("", path.suffix.lower())[:8]
    return f"{digest.hexdigest()[:16]}-{stem}" + (f".{suffix}" if suffix else "")


def image_sources(*fragments: str) -> list[str]:
    """Every ``<img src>`` in the HTML fragments, as a browser reads it (entities decoded)."""
    finder = _ImageFinder()
    for fragment in fragments:
        if _IMG_TAG.search(fragment):  # most cards have no image: skip the slow HTML parser
            finder.feed(fragment)
            finder.close()
            finder.reset()
    return finder.sources


def shown_images(card: Card) -> list[str]:
    """The image sources of a *sanitised* card, quickly.

    The sanitiser writes tag names in lower case, so a field without ``<img``
    shows no image; only the few fields with one need the HTML parser.
    """
    fields = [field for field in (card.question, card.context, card.answer) if "<img" in field]
    return image_sources(*fields) if fields else []


class _ImageFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(value for name, value in attrs if name == "src" and value)

    handle_startendtag = handle_starttag
