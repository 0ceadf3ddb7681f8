"""Namespaces shared between people, end to end encrypted on the same targets as sync (see FORMAT.md here)."""
