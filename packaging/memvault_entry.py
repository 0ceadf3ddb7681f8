"""Entry point for the frozen (PyInstaller) build: the same ``memvault`` command."""

from app.cli import main

raise SystemExit(main())
