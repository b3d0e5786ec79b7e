"""Notes text made parseable: line endings, byte-order marks and control characters.

Notes pasted from PDFs or exported from other apps carry invisible debris
(a BOM, Windows line endings, NUL bytes, form feeds). Each is cleaned up and
reported, so the cards come out right and the student learns why a file looks
odd to other tools.
"""

from __future__ import annotations

import re

from cards.model import NoteWarning

MAX_CONTROL_WARNINGS = 10
"""Lines reported one by one before the rest are summed up in one warning."""

# C0 controls except tab and newline (carriage returns are line endings, handled
# first), DEL and the C1 range, which only appears in text decoded wrongly.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_PLAIN_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F), *range(0x80, 0x100)])
"""UTF-8 bytes that are never part of a control character (C1 controls start with 0xC2)."""
# Vertical tab and form feed separate words; dropping them would glue words together.
_AS_SPACE = {"\x0b": " ", "\x0c": " "}


def clean_notes_text(text: str, *, source: str) -> tuple[str, tuple[NoteWarning, ...]]:
    """Return ``text`` with ``\\n`` line endings and no BOM or control characters.

    Line numbers are unchanged (a ``\\r\\n`` or lone ``\\r`` is one line break),
    so warnings and cards still point at the line an editor shows.
    """
    warnings: list[NoteWarning] = []
    if text.startswith("\ufeff"):
        text = text[1:]
        warnings.append(NoteWarning(source, 1, "byte-order mark (BOM) removed — save as UTF-8 without BOM"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        warnings.append(
            NoteWarning(source, 1, "Windows/old Mac line endings (CR) converted to LF — this is harmless")
        )
    if _has_controls(text):
        warnings.extend(_control_warnings(text, source))
        text = _CONTROL.sub(lambda m: _AS_SPACE.get(m.group(), ""), text)
    return text, tuple(warnings)


def _has_controls(text: str) -> bool:
    """``_CONTROL.search(text)``, several times faster on the usual text (notes are megabytes)."""
    data = text.encode("utf-8", "surrogatepass")
    if data.translate(None, _PLAIN_BYTES):
        return True  # a C0 control or DEL
    return b"\xc2" in data and _CONTROL.search(text) is not None  # maybe a C1 control


def _control_warnings(text: str, source: str) -> list[NoteWarning]:
    """One warning per line with control characters, up to a limit, then a summary."""
    lines: dict[int, list[str]] = {}
    line, counted = 1, 0
    for match in _CONTROL.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        lines.setdefault(line, []).append(f"U+{ord(match.group()):04X}")
    warnings = [
        NoteWarning(
            source,
            number,
            f"control character{'s' if len(codes) > 1 else ''} {', '.join(dict.fromkeys(codes))} "
            "removed — they are invisible debris, e.g. from a PDF copy",
        )
        for number, codes in list(lines.items())[:MAX_CONTROL_WARNINGS]
    ]
    if len(lines) > MAX_CONTROL_WARNINGS:
        rest = list(lines)[MAX_CONTROL_WARNINGS:]
        warnings.append(
            NoteWarning(
                source,
                rest[0],
                f"control characters removed on {len(rest)} more lines — is this file really text?",
            )
        )
    return warnings
