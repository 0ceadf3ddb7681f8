"""Importers: Memvault's readable exports and other tools' files (chat exports, memory tools, note folders)."""
