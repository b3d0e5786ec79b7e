"""Deck definitions: one YAML file per deck, validated strictly.

Every problem names the file, the key and what was expected, so a student can
fix the YAML without reading code (mdformat's ``_conf.py`` is the model).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cards.errors import CardsError
from cards.options import DEFAULT as DEFAULT_READING
from cards.options import ReaderOptions


class ConfigError(CardsError):
    """A deck YAML file is missing, malformed or invalid (exit code 2)."""


@dataclass(frozen=True)
class DeckConfig:
    """A validated deck definition."""

    path: Path
    """The YAML file; relative note paths are resolved against its folder."""
    name: str
    """Anki deck name; ``A::B`` nests. Decks are matched by name on import."""
    id: int
    """Anki deck id, fixed forever: it seeds every card's GUID."""
    notes: tuple[str, ...]
    """Paths or globs of Markdown notes, relative to the YAML file."""
    tags: tuple[str, ...] = ()
    """Tags added to every card."""
    subdecks: str = "none"
    """``none`` (one deck) or ``chapter`` (one subdeck per chapter)."""
    include_tags: tuple[str, ...] = ()
    """Keep only cards with one of these tags (empty: keep all)."""
    exclude_tags: tuple[str, ...] = ()
    """Drop cards with one of these tags."""
    exercises: int = 4
    """Generated exercise cards per Keras model in the notes; 0 turns the generator off."""
    reading: ReaderOptions = DEFAULT_READING
    """How the notes are read (``reading:``): conventions, flashcard markup, separators."""

    @property
    def stem(self) -> str:
        """File stem of the YAML; names the ``.apkg`` and the lock file."""
        return self.path.stem

    @property
    def folder(self) -> Path:
        """Folder of the YAML file."""
        return self.path.parent


_SUBDECK_MODES = ("none", "chapter")


def load_deck_config(path: Path) -> DeckConfig:
    """Read and validate the deck YAML at ``path``."""
    import yaml

    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(where, "no such deck file", "check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(where, f"cannot read the deck file ({exc})", "check the file") from None
    try:
        data = yaml.load(text, Loader=_unique_key_loader())  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"{where}:{mark.line + 1}" if mark is not None else where
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(at, f"YAML syntax error: {problem}", "fix the YAML syntax") from None
    if not isinstance(data, dict):
        raise ConfigError(where, "a deck file must be a YAML mapping", "see the README's deck reference")
    return _validate(path, data)


def _unique_key_loader() -> type[Any]:
    """A safe YAML loader that refuses a key written twice (PyYAML keeps the last silently)."""
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, (str, int, float, bool)) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key}'", key_node.start_mark
                    )
                seen.add(key if isinstance(key, (str, int, float, bool)) else id(key_node))
            return super().construct_mapping(node, deep=deep)

        def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
            # Aliases let a few lines expand into gigabytes ("billion laughs"); a deck needs none.
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in deck files", mark
                )
            return super().compose_node(parent, index)

    return UniqueKeyLoader


def _validate(path: Path, data: dict[Any, Any]) -> DeckConfig:
    where = str(path)
    known = {
        "name",
        "id",
        "notes",
        "tags",
        "subdecks",
        "include_tags",
        "exclude_tags",
        "exercises",
        "reading",
    }
    for key in data:
        if key not in known:
            raise ConfigError(
                f"{where}: {key}",
                "unknown key",
                f"use one of: {', '.join(sorted(known))}",
            )
    name = _deck_name(path, _require(path, data, "name", str))
    deck_id = _require(path, data, "id", int)
    if isinstance(deck_id, bool) or not 1 <= deck_id < 2**63:
        raise ConfigError(
            f"{where}: id", "expected a positive integer", "pick a fixed number, e.g. 1700000000001"
        )
    notes = _string_list(path, data, "notes", required=True)
    if not notes:
        raise ConfigError(f"{where}: notes", "empty list", "list at least one Markdown file or glob")
    subdecks = data.get("subdecks", "none")
    if subdecks not in _SUBDECK_MODES:
        raise ConfigError(
            f"{where}: subdecks",
            f"expected one of {', '.join(_SUBDECK_MODES)}, got {_shown(subdecks)}",
            "fix the value",
        )
    return DeckConfig(
        path=path,
        name=name,
        id=deck_id,
        notes=notes,
        tags=_string_list(path, data, "tags"),
        subdecks=subdecks,
        include_tags=_string_list(path, data, "include_tags"),
        exclude_tags=_string_list(path, data, "exclude_tags"),
        exercises=_exercises(path, data.get("exercises", True)),
        reading=_reading(path, data.get("reading", {})),
    )


_READING_KEYS = {"conventions": ("auto", "off"), "markup": ("auto", "on", "off")}


def _reading(path: Path, value: Any) -> ReaderOptions:
    """``reading:`` with ``conventions`` (auto/off), ``markup`` (auto/on/off) and ``separators``."""
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path}: reading",
            f"expected a mapping, got {_type_name(type(value))}",
            "write e.g. 'reading: {markup: on}'",
        )
    options: dict[str, Any] = {}
    for key, item in value.items():
        if key in _READING_KEYS:
            if item not in _READING_KEYS[key] and not (isinstance(item, bool) and key == "markup"):
                raise ConfigError(
                    f"{path}: reading: {key}",
                    f"expected one of {', '.join(_READING_KEYS[key])}, got {_shown(item)}",
                    "fix the value",
                )
            options[key] = ("on" if item else "off") if isinstance(item, bool) else item
        elif key == "separators":
            options.update(_separators(path, item))
        else:
            raise ConfigError(
                f"{path}: reading: {key}", "unknown key", "use conventions, markup or separators"
            )
    return ReaderOptions(**options)


def _separators(path: Path, value: Any) -> dict[str, tuple[str, ...]]:
    """``separators: {one_way: ["::", ";;"], both_ways: [":::"]}``: the vault's plugin settings."""
    where = f"{path}: reading: separators"
    if not isinstance(value, dict) or not set(value) <= {"one_way", "both_ways"}:
        raise ConfigError(where, "expected a mapping with one_way and/or both_ways", "see the README")
    found: dict[str, tuple[str, ...]] = {}
    for key, items in value.items():
        if not isinstance(items, list) or not all(
            isinstance(i, str) and i.strip() == i and len(i) >= 2 for i in items
        ):
            raise ConfigError(
                f"{where}: {key}",
                "expected a list of separators of two or more characters without spaces",
                "write e.g. one_way: ['::', ';;']",
            )
        found[key] = tuple(items)
    return found


def _exercises(path: Path, value: Any) -> int:
    """``exercises:`` is ``false``/``true`` or ``{cards_per_model: N}``; the result is N (0: off)."""
    from cards.generators import GeneratorOptions

    default = GeneratorOptions().cards_per_model
    if isinstance(value, bool):
        return default if value else 0
    if not isinstance(value, dict):
        raise ConfigError(
            f"{path}: exercises",
            f"expected false or a mapping, got {_type_name(type(value))}",
            "write 'exercises: false' or 'exercises: {cards_per_model: 4}'",
        )
    for key in value:
        if key != "cards_per_model":
            raise ConfigError(f"{path}: exercises: {key}", "unknown key", "use cards_per_model")
    count = value.get("cards_per_model", default)
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 50:
        raise ConfigError(
            f"{path}: exercises: cards_per_model",
            f"expected a whole number from 0 to 50, got {_shown(count)}",
            "fix the value",
        )
    return count


def _deck_name(path: Path, name: str) -> str:
    """The name as Anki stores it: no blanks around ``::``; control characters refused.

    Anki silently drops control characters and names empty parts "blank", so a
    deck named that way would not be the deck the student wrote down.
    """
    if not name.strip() or any(not part.strip() for part in name.split("::")):
        raise ConfigError(f"{path}: name", "empty deck name", "give the deck a name, e.g. 'ANNDL'")
    control = next((c for c in name if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise ConfigError(
            f"{path}: name",
            f"control character U+{ord(control):04X} in the deck name",
            "remove it (Anki would drop it and rename the deck)",
        )
    return "::".join(part.strip() for part in name.split("::"))


def check_distinct(configs: Sequence[DeckConfig]) -> None:
    """Refuse decks built together that would overwrite each other.

    Two decks with one output stem would write the same ``.apkg``; two with one
    id would give different cards the same GUIDs, so one would overwrite the
    other inside Anki.
    """
    stems: dict[str, DeckConfig] = {}
    ids: dict[int, DeckConfig] = {}
    for config in configs:
        other = stems.setdefault(config.stem.casefold(), config)
        if other is not config:
            raise ConfigError(
                str(config.path),
                f"would write {config.stem}.apkg, like {other.path}",
                "rename one of the two files",
            )
        other = ids.setdefault(config.id, config)
        if other is not config:
            raise ConfigError(
                f"{config.path}: id",
                f"{config.id} is also the id of {other.path}",
                "give every deck its own id",
            )


def _require(path: Path, data: dict[Any, Any], key: str, kind: type) -> Any:
    if key not in data or data[key] is None:
        raise ConfigError(f"{path}: {key}", "missing required key", f"add '{key}:' to the deck file")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            f"{path}: {key}",
            f"expected {_type_name(kind)}, got {_type_name(type(value))}",
            "fix the value",
        )
    return value


def _string_list(path: Path, data: dict[Any, Any], key: str, *, required: bool = False) -> tuple[str, ...]:
    if key not in data:
        if required:
            raise ConfigError(f"{path}: {key}", "missing required key", f"add '{key}:' to the deck file")
        return ()
    value = data[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ConfigError(
            f"{path}: {key}", "expected a list of strings", "write one item per line as '- item'"
        )
    return tuple(item.strip() for item in value)


def _shown(value: Any) -> str:
    """A short ``repr`` for messages: a wrong value may be huge."""
    import reprlib

    return reprlib.repr(value)


def _type_name(kind: type) -> str:
    return {
        str: "a string",
        int: "an integer",
        list: "a list",
        dict: "a mapping",
        bool: "true/false",
        float: "a number",
        type(None): "nothing",
    }.get(kind, kind.__name__)
