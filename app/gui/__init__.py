"""The PySide6 desktop app. It calls the service layer only, never the vault or SQL."""
