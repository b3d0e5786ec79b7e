"""Where notedeck keeps what it writes besides the packages: lock files and the parse cache.

A student's own deck keeps both next to its deck file (the lock is meant to be
committed with the notes). The default deck shipped inside notedeck cannot: an
installed package may be read-only, and an upgrade or reinstall would delete a
lock kept there, and with it the identities of every reworded card. Its lock
goes to the user's data folder and its cache to the user's cache folder
(platformdirs: ``~/.local/share/notedeck`` and ``~/.cache/notedeck`` on Linux).
"""

from __future__ import annotations

from pathlib import Path

APP = "notedeck"


def packaged_decks() -> Path:
    """The folder of the decks shipped inside an installed notedeck (``exporter/default_decks``)."""
    return Path(__file__).resolve().parent / "default_decks"


def source_decks() -> Path:
    """``decks/`` of a source checkout (an editable install builds the default deck from there)."""
    return Path(__file__).resolve().parent.parent / "decks"


def is_packaged(deck_file: Path) -> bool:
    """True if ``deck_file`` lies inside the installed notedeck package."""
    return deck_file.resolve().is_relative_to(Path(__file__).resolve().parent)


def data_folder() -> Path:
    """Where the locks of shipped decks live (the user's data folder, kept across upgrades)."""
    from platformdirs import user_data_path

    return user_data_path(APP, appauthor=False) / "decks"


def cache_folder() -> Path:
    """Where the parse cache of shipped decks lives (the user's cache folder, safe to delete)."""
    from platformdirs import user_cache_path

    return user_cache_path(APP, appauthor=False) / "parse"


def build_locks_folder() -> Path:
    """Where the short-lived locks that keep two builds of one deck apart are taken."""
    from platformdirs import user_cache_path

    return user_cache_path(APP, appauthor=False) / "build-locks"


def display_path(path: Path) -> str:
    """The path as shown to the user: relative to the working folder when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
