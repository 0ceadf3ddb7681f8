"""The PySide6 desktop app. It calls the service layer only, never the vault or SQL."""

from memvault.gui import pyside_sources

# Before anything else in the app is imported with PySide6 loaded (see the module).
pyside_sources.install()
