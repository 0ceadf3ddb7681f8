"""Unit tests of the GUI's pure helpers (no Qt)."""
