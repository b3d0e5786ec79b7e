"""``python -m exporter`` runs the notedeck CLI."""

from exporter.cli import main

main()
