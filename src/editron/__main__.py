"""``python -m editron`` runs the CLI."""

from __future__ import annotations

from editron.cli.main import main

main()
