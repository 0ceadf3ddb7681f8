"""Memvault: a local, encrypted, on-device semantic memory store for AI agents."""

__version__ = "0.1.0"
