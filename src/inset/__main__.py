"""``python -m inset`` runs the CLI."""

from inset.cli import main

main()
