"""Exceptions of the card domain; the CLI turns them into ``Error: …`` lines."""

from __future__ import annotations


class CardsError(Exception):
    """Base class of every error notedeck reports to the user.

    The message says where (``path:line`` or ``path: key``), what happened and
    what to do, so the CLI can print it as is.
    """

    def __init__(self, where: str, what: str, todo: str = "") -> None:
        self.where = where
        self.what = what
        self.todo = todo
        super().__init__(str(self))

    def __reduce__(self) -> tuple[type[CardsError], tuple[str, str, str]]:
        """Pickle with all three parts (errors raised in parse workers cross processes)."""
        return (type(self), (self.where, self.what, self.todo))

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text} — {self.todo}" if self.todo else text


class CardParseError(CardsError):
    """The notes cannot be turned into cards at all (not merely odd)."""
