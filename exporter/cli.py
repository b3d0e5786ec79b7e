"""The ``notedeck`` command line: thin Click wiring over :mod:`exporter.build`.

Errors from the domain are converted once, here, into ``Error: …`` lines with
the documented exit codes (1: notes or build failed, 2: usage or config).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from exporter import __version__

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FAILED = 1
EXIT_USAGE = 2


class NotedeckError(click.ClickException):
    """An error shown as ``Error: <where>: <what> — <what to do>``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # Click reads it per instance


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn domain errors into Click errors with the right exit code."""
    from cards.errors import CardsError
    from exporter.config import ConfigError

    try:
        yield
    except ConfigError as exc:
        raise NotedeckError(str(exc), EXIT_USAGE) from None
    except CardsError as exc:
        raise NotedeckError(str(exc), EXIT_FAILED) from None
    except OSError as exc:
        where = exc.filename or "output"
        raise NotedeckError(
            f"{where}: {exc.strerror or exc} — check the path and permissions", EXIT_FAILED
        ) from None
    except Exception as exc:
        # A bug, not bad input; still no traceback for the student, who cannot fix it.
        if os.environ.get("NOTEDECK_DEBUG"):
            raise
        raise NotedeckError(
            f"internal error: {type(exc).__name__}: {exc} — please report it with the notes "
            "that caused it (NOTEDECK_DEBUG=1 shows the traceback)",
            EXIT_FAILED,
        ) from None


LONG_BUILD_FILES = 20
LONG_BUILD_CHARS = 1_000_000
"""About a second of parsing when nothing is cached: below both, a bar would only flicker."""


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], Callable[[int], None] | None]]:
    """A progress bar on stderr while a long build reads its notes (issue 3).

    Only on a terminal: piped or logged output stays exactly as it was. The
    bar counts characters of notes, so one big file moves it as smoothly as
    many small ones.
    """
    with ExitStack() as stack:

        def start(files: int, chars: int) -> Callable[[int], None] | None:
            if not stderr_is_terminal() or (files <= LONG_BUILD_FILES and chars <= LONG_BUILD_CHARS):
                return None
            bar = stack.enter_context(click.progressbar(length=chars, label=label, file=sys.stderr))
            return bar.update

        yield start


def stderr_is_terminal() -> bool:
    """True if stderr is an interactive terminal (tests replace this)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def default_deck_files() -> tuple[list[Path], bool]:
    """Deck files built when no argument is given, and whether they are shipped ones.

    ``./decks/*.yaml`` when the working folder has them (a notes repository),
    else the decks shipped with notedeck (the first user's ANNDL deck), whose
    lock and cache then live in the user's folders (:mod:`exporter.places`).
    """
    from exporter.places import packaged_decks, source_decks

    for folder, shipped in ((Path.cwd() / "decks", False), (source_decks(), True), (packaged_decks(), True)):
        found = sorted(folder.glob("*.yaml"))
        if found:
            return found, shipped
    raise NotedeckError(
        "decks/: no deck file found — pass a deck .yaml, or run 'notedeck init' to make one", EXIT_USAGE
    )


def load_configs(paths: Sequence[Path]) -> list[Any]:
    """Load deck configs; a ``.md`` path becomes a one-file deck named after it."""
    from dataclasses import replace

    from exporter.config import DeckConfig, check_distinct, load_deck_config
    from exporter.places import is_packaged

    shipped = False
    if not paths:
        paths, shipped = default_deck_files()
    configs = []
    for path in dict.fromkeys(paths):
        if path.suffix.lower() in {".md", ".markdown"}:
            digest = hashlib.sha256(path.stem.encode()).digest()
            configs.append(
                DeckConfig(
                    path=path, name=path.stem, id=int.from_bytes(digest[:6], "big") + 1, notes=(path.name,)
                )
            )
        else:
            configs.append(load_deck_config(path))
        if shipped or is_packaged(path):
            configs[-1] = replace(configs[-1], shipped=True)
    check_distinct(configs)
    return configs


def tag_options(func: F) -> F:
    """``--tag`` / ``--exclude-tag`` filters shared by several commands."""
    func = click.option(
        "--exclude-tag",
        "exclude_tags",
        multiple=True,
        metavar="TAG",
        help="Leave out cards with this tag (repeatable).",
    )(func)
    func = click.option(
        "--tag",
        "include_tags",
        multiple=True,
        metavar="TAG",
        help="Keep only cards with this tag, e.g. CNN (repeatable).",
    )(func)
    return func


def builds_folder_option(help: str) -> Callable[[F], F]:
    """``--out``: the folder ``build`` writes to, read by the commands that look at its builds."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("build"),
        show_default=True,
        help=help,
    )


paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="notedeck")
def cli() -> None:
    """Turn Markdown study notes into Anki decks.

    \b
    Example:
        notedeck init --notes "notes/*.md"   # a deck for your notes
        notedeck build                 # every deck in decks/ -> build/*.apkg
        notedeck list decks/anndl.yaml --tag CNN
    """


@cli.command()
@paths_argument
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder for the .apkg files.",
)
@tag_options
@click.option(
    "--reset-lock",
    is_flag=True,
    help="Ignore the lock file and rebuild it from the notes (cards keep the identities of their keys).",
)
@click.option("--no-lock", is_flag=True, help="Neither read nor write the lock file.")
@click.option(
    "--from",
    "from_package",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="OLD.apkg",
    help="The package last built for this deck, when it is not in --out: identities and times "
    "the lock file lacks are recovered from it.",
)
def build(
    paths: tuple[Path, ...],
    out_dir: Path,
    include_tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    reset_lock: bool,
    no_lock: bool,
    from_package: Path | None,
) -> None:
    """Build an Anki package (.apkg) for each deck.

    With no DECK.yaml, builds every deck in decks/. The lock file next to each
    deck (decks/<deck>.lock.json) remembers identities and modification times
    so that re-importing is always safe: commit it with your notes. When it is
    missing, or older than the previous package in --out (or --from), it is
    recovered from that package.

    \b
    Example:
        notedeck build
        notedeck build decks/anndl.yaml --out build --tag CNN
        notedeck build --reset-lock      # after a broken lock file
        notedeck build decks/anndl.yaml --from old/anndl.apkg   # lock lost, package elsewhere
    """
    from exporter.build import LockMode, build_deck, display_path, shown_warning

    if reset_lock and no_lock:
        raise click.UsageError("--reset-lock and --no-lock cannot be used together")
    lock: LockMode = "reset" if reset_lock else "off" if no_lock else "use"
    with reported_errors():
        configs = load_configs(paths)
        if from_package is not None and len(configs) != 1:
            raise click.UsageError("--from needs exactly one deck: name the deck file it belongs to")
        for config in configs:
            with progress_bar(f"{config.name}: reading notes") as progress:
                report = build_deck(
                    config,
                    out_dir,
                    include_tags=include_tags,
                    exclude_tags=exclude_tags,
                    lock=lock,
                    progress=progress,
                    previous_package=from_package,
                    notify=lambda message: click.echo(message, err=True),
                )
            for notice in report.notices:
                click.echo(notice, err=True)
            for warning in report.warnings:
                click.echo(shown_warning(warning, config.folder), err=True)
            for message in report.messages:
                click.echo(message)
            click.echo(
                f"{display_path(report.output)}: {report.cards} cards from {report.files} "
                f"file{'s' if report.files != 1 else ''}, {len(report.warnings)} warning"
                f"{'s' if len(report.warnings) != 1 else ''}, {report.seconds:.2f} s"
            )


@cli.command()
@click.argument("folder", metavar="[DIR]", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="Anki deck name (default: the folder's name); 'A::B' nests.")
@click.option(
    "--notes",
    "notes",
    multiple=True,
    metavar="GLOB",
    help="Your notes: a path or glob relative to DIR, e.g. 'notes/*.md' (repeatable). "
    "Default: an example notes file.",
)
def init(folder: Path, name: str | None, notes: tuple[str, ...]) -> None:
    """Start a deck for your own notes: writes DIR/decks/<name>.yaml with a fresh deck id.

    Never overwrites a deck file. Without --notes, writes an example notes file
    (notes/example.md) to start from. Adds notedeck's cache to .gitignore.

    \b
    Example:
        notedeck init --notes "notes/*.md"
        notedeck init my-course --name "Machine Learning"
    """
    from exporter.build import display_path
    from exporter.lock import lock_name
    from exporter.scaffold import create_deck

    with reported_errors():
        made = create_deck(folder, name, notes)
    shown = display_path(folder / made.deck_file)
    click.echo(f"created {shown}: deck '{made.name}', id {made.id}, notes {', '.join(made.notes)}")
    if made.example is not None:
        click.echo(f"created {display_path(folder / made.example)}: example notes, replace them with yours")
    if made.gitignore:
        click.echo(f"added .notedeck-cache/ to {display_path(folder / '.gitignore')}")
    go = "" if folder.resolve() == Path.cwd().resolve() else f"cd {display_path(folder)} && "
    stem = made.deck_file.stem
    click.echo("next:")
    click.echo(f"  {go}notedeck list      # the cards your notes make")
    click.echo(f"  {go}notedeck build     # writes build/{stem}.apkg: import it into Anki")
    click.echo(
        f"then commit {made.deck_file.as_posix()} and decks/{lock_name(stem)} (written by the first "
        "build) with your notes: the lock file keeps your review history when you reword questions"
    )


@cli.command(name="list")
@paths_argument
@tag_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per card.")
@builds_folder_option("Output folder of the builds (its previous package stands in for a missing lock file).")
def list_cards(
    paths: tuple[Path, ...],
    include_tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    as_json: bool,
    out_dir: Path,
) -> None:
    """List the cards of decks or single notes files.

    PATH is a deck .yaml or a notes .md file (default: every deck in decks/).

    \b
    Example:
        notedeck list decks/anndl.yaml --tag CNN
        notedeck list notes.md --json
    """
    from exporter.build import check_filters, collect_cards, deck_name_for, planned_guids, tag_matches

    def wanted(tags: Sequence[str]) -> bool:
        if include_tags and not any(tag_matches(t, w) for t in tags for w in include_tags):
            return False
        return not any(tag_matches(t, w) for t in tags for w in exclude_tags)

    rows: list[dict[str, Any]] = []
    questions: list[str] = []  # the table shows the question, not the context above it
    with reported_errors():
        for config in load_configs(paths):
            deck = collect_cards(config)
            check_filters(config, deck.cards, include_tags, exclude_tags)
            guids = planned_guids(config, deck.cards, out_dir)  # as the next build will give them
            rows.extend(
                {
                    "deck": deck_name_for(config, c),
                    "front": _front(c.context, c.question),
                    "back": c.answer,
                    "tags": list(c.tags),
                    "source": c.location,
                    "kind": c.kind,
                    "guid": guid,
                }
                for c, guid in zip(deck.cards, guids, strict=True)
                if wanted(c.tags)
            )
            questions.extend(c.question for c in deck.cards if wanted(c.tags))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    width = max((len(row["source"]) for row in rows), default=0)  # one column, however long the paths
    for row, question in zip(rows, questions, strict=True):
        click.echo(f"{row['source']:<{width}} {row['kind']:<15} {_plain(question)[:70]}")
    click.echo(f"{len(rows)} cards", err=True)


@cli.command()
@paths_argument
@click.option("--strict", is_flag=True, help="Exit with 1 on any warning (for a pre-commit hook).")
def check(paths: tuple[Path, ...], strict: bool) -> None:
    """Report every warning and error in the notes; write nothing.

    Prints, for each notes file, its cards and the ways of marking questions
    notedeck detected in it. Exits with 1 when there are errors, or with
    --strict when there are warnings.

    \b
    Example:
        notedeck check
        notedeck check decks/anndl.yaml --strict
    """
    from cards.parse import document_conventions
    from exporter.build import collect_cards, display_path, load_notes, shown_warning, source_name
    from exporter.preview import formula_warnings
    from exporter.regen import cardless_warnings, unique_keys

    total = 0
    with reported_errors():
        for config in load_configs(paths):
            deck = collect_cards(config)
            # + repeats across files, cloze cards Anki would show no card of, formulas that cannot be rendered
            warnings = (
                *deck.warnings,
                *unique_keys(deck.cards)[1],
                *cardless_warnings(deck.cards),
                *formula_warnings(deck.cards),
            )
            for warning in warnings:
                click.echo(shown_warning(warning, config.folder))
            total += len(warnings)
            for path in deck.files:
                source = source_name(path, config.folder)  # as the cards name their file
                count = sum(1 for c in deck.cards if c.source == source)
                text = load_notes(path, source)[0]
                found = document_conventions(text, config.reading) or ["plain questions"]
                click.echo(f"{display_path(path)}: {count} cards; conventions: {', '.join(found)}", err=True)
            click.echo(f"{config.path}: {len(deck.cards)} cards, {len(warnings)} warnings", err=True)
    if strict and total:
        raise NotedeckError(f"{total} warning{'s' if total != 1 else ''} (--strict)", EXIT_FAILED)


@cli.command()
@paths_argument
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The page to write (default: build/<deck>.html, build/preview.html for several decks).",
)
@tag_options
@click.option("--open", "open_page", is_flag=True, help="Open the page in the web browser.")
@click.option(
    "--watch",
    is_flag=True,
    help="Serve the page on 127.0.0.1 and rebuild it on every save of the notes (Ctrl-C stops).",
)
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Port for --watch (default: a free one)."
)
def preview(
    paths: tuple[Path, ...],
    out: Path | None,
    include_tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    open_page: bool,
    watch: bool,
    port: int,
) -> None:
    """Show every card as Anki will, on one page, before importing anything.

    Writes a self-contained HTML page (no network needed): each card's front
    and back with the deck's own templates and CSS, grouped by chapter, with a
    filter, night-mode and phone-width switches, the build's warnings at the
    top and each card's file:line. With --watch, serves the page and reloads
    it whenever you save a notes file.

    \b
    Example:
        notedeck preview --open
        notedeck preview decks/anndl.yaml --out build/anndl.html --tag CNN
        notedeck preview --watch
    """
    if watch:
        if out is not None:
            raise click.UsageError("--out and --watch cannot be used together (--watch serves the page)")
        _watch_preview(paths, open_page, port, include_tags, exclude_tags)
        return
    from exporter.build import display_path
    from exporter.preview import write_preview

    with reported_errors():
        configs = load_configs(paths)
        target = out or Path("build") / (f"{configs[0].stem}.html" if len(configs) == 1 else "preview.html")
        written, cards, warnings = write_preview(configs, target, include_tags, exclude_tags)
    click.echo(
        f"{display_path(written)}: {cards} card{'s' if cards != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    if open_page:
        import webbrowser

        webbrowser.open(written.resolve().as_uri())


def _watch_preview(
    paths: tuple[Path, ...], open_page: bool, port: int, include: tuple[str, ...], exclude: tuple[str, ...]
) -> None:
    """Serve the live preview until Ctrl-C; errors in the notes show on the page."""
    import signal
    import threading
    import time

    from exporter.preview_server import LivePreview, serve, watch, watched_folders

    live = LivePreview(lambda: load_configs(paths), include, exclude)
    first_error = live.rebuild()
    try:
        server = serve(live, port)
    except OSError as exc:
        raise NotedeckError(
            f"127.0.0.1:{port}: {exc.strerror or exc} — choose another --port", EXIT_FAILED
        ) from None
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    click.echo(f"Serving the preview on {url} — Ctrl-C stops", err=False)
    if first_error:
        click.echo(f"Error: {first_error}", err=True)
    if open_page:
        import webbrowser

        webbrowser.open(url)

    def built(error: str, seconds: float) -> None:
        stamp = time.strftime("%H:%M:%S")
        click.echo(f"{stamp} page rebuilt in {seconds:.2f} s{': ' + error if error else ''}", err=bool(error))

    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C: stop the loops, not os._exit
    folders = watched_folders(live.configs) or {p.resolve().parent for p in paths} or {Path.cwd() / "decks"}
    folders = {folder for folder in folders if folder.is_dir()}
    if not folders:
        server.server_close()
        raise NotedeckError(f"{first_error or 'nothing to watch'}", EXIT_USAGE)
    try:
        watch(live, folders, stop, built)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
    click.echo("Stopped.")


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per model.")
def exercises(path: Path, as_json: bool) -> None:
    """Analyse the Keras models in notes: output shapes, parameters, receptive fields.

    PATH is a notes .md or a deck .yaml. Code that Keras would reject, or
    that notedeck cannot follow exactly, is reported on stderr and left out.

    \b
    Example:
        notedeck exercises decks/anndl.yaml
        notedeck exercises notes.md --json
    """
    from cards.generators.keras.summary import model_dict, summary_text
    from exporter.exercises import models_in

    found = []
    with reported_errors():
        for config in load_configs([path]):
            models, warnings = models_in(config)
            found += models
            for warning in warnings:
                click.echo(str(warning), err=True)
    if as_json:
        click.echo(json.dumps([model_dict(f.model, f.source) for f in found], indent=1))
        return
    click.echo("\n\n".join(summary_text(f.model, f.source) for f in found))
    click.echo(f"{len(found)} model{'s' if len(found) != 1 else ''}", err=True)


@cli.command()
@click.option("--count", type=click.IntRange(1, 500), default=10, show_default=True, help="Networks to draw.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same deck.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("build/drill.apkg"),
    show_default=True,
    help="The .apkg to write.",
)
@click.option("--cards-per-model", type=click.IntRange(1, 50), default=4, show_default=True)
def drill(count: int, seed: int, out: Path, cards_per_model: int) -> None:
    """Practise on fresh random networks: a deck of Keras exercise cards.

    CNNs, encoder-decoders and RNNs, each with questions on output shapes,
    parameters and receptive fields. The same --count and --seed give a
    byte-identical deck.

    \b
    Example:
        notedeck drill --count 20 --seed 7 --out build/drill.apkg
    """
    from exporter.build import display_path
    from exporter.exercises import write_drill

    with reported_errors():
        cards = write_drill(out, count=count, seed=seed, cards_per_model=cards_per_model)
    click.echo(f"{display_path(out)}: {cards} cards from {count} networks (seed {seed})")


@cli.command()
@paths_argument
@builds_folder_option("Output folder of the builds (holds the lock when the deck's folder is read-only).")
def prune(paths: tuple[Path, ...], out_dir: Path) -> None:
    """Forget the tombstones of removed cards once you have dealt with them in Anki.

    Removed cards stay in the packages, tagged notedeck::removed, until you
    prune them. Find them in Anki with the search tag:notedeck::removed,
    delete or suspend them, then prune: later packages no longer carry them.

    \b
    Example:
        notedeck prune
        notedeck prune decks/anndl.yaml
    """
    from exporter.build import display_path
    from exporter.lock import exclusive, locate_lock, read_lock, write_lock

    with reported_errors():
        for config in load_configs(paths):
            where = locate_lock(config.folder, config.stem, out_dir, shipped=config.shipped)
            shown = display_path(where.read)
            with exclusive(where.write):  # not while a build of the deck runs
                found = read_lock(where.read, shown=shown, deck_id=config.id)
                if found is not None:
                    write_lock(where.write, found._replace(removed=()))
            if found is None:
                click.echo(f"{shown}: no lock file, nothing to prune")
                continue
            n = len(found.removed)
            click.echo(f"{display_path(where.write)}: forgot {n} tombstone{'s' if n != 1 else ''}")


def _front(context: str, question: str) -> str:
    return f'<div class="context">{context}</div>\n{question}' if context else question


def _plain(html_text: str) -> str:
    """One line of text for the table: block tags (options, paragraphs) part words, inline ones do not."""
    import html
    import re

    spaced = re.sub(r"</?(?:li|p|div|br|tr|td|th|ul|ol|h\d)\b[^>]*>", " ", html_text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", spaced))).strip()


def main() -> None:
    """Entry point of the ``notedeck`` console script."""
    # One short run that makes (almost) no reference cycles: the cyclic collector
    # would only re-walk the tens of thousands of live cards, over and over
    # (a tenth of a warm 50,000-card build). Memory is freed by reference counting.
    gc.disable()
    _exit_cleanly_on_termination()
    try:
        cli.main(prog_name="notedeck")
    except KeyboardInterrupt:
        click.echo("Aborted.", err=True)
        _exit_at_once(130)
    except SystemExit as done:
        _exit_at_once(done.code)
    _exit_at_once(0)


def _exit_at_once(code: str | int | None) -> NoReturn:
    """Exit without tearing the interpreter down object by object.

    By now every file is written, renamed and closed, and worker processes and
    threads are joined; what is left is freeing the cards one at a time, which
    takes longer than the rest of a warm 50,000-card build's last step. The
    operating system reclaims the memory at once.
    """
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or coverage writes its report at the normal exit
    if isinstance(code, str):
        click.echo(code, err=True)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _exit_cleanly_on_termination() -> None:
    """On Ctrl-C, SIGTERM or SIGHUP: delete this build's temporary files and exit at once.

    Python's default (KeyboardInterrupt, or no cleanup at all for SIGTERM) can
    land inside zipfile or sqlite3 and end in a confusing error or in stray
    files. Exiting at once is safe at any moment because a package only ever
    appears by an atomic rename. SIGKILL cannot be caught; the next build
    removes what it leaves.
    """
    import signal

    def stop(signum: int, frame: object) -> None:
        # Only exporter.package writes temporaries; not imported yet (``--help``
        # stays fast without it) means there are none.
        package = sys.modules.get("exporter.package")
        if package is not None:
            package.remove_temporaries()
        # Parse workers would wait forever for a parent that is gone.
        processes = sys.modules.get("multiprocessing")
        if processes is not None:
            for child in processes.active_children():
                child.kill()
        os.write(2, b"Aborted.\n")
        os._exit(128 + signum)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
