"""Everything that touches the outside: deck configs, Anki packages, the CLI."""

__version__ = "0.1.0"
