"""Entry point for the frozen (PyInstaller) build: the same ``memvault`` command."""

from memvault.cli import main

raise SystemExit(main())
