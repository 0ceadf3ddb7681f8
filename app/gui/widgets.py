"""Small widget builders shared by the pages, so every form looks and reads alike."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLineEdit

from app.domain.enums import MemoryType


def type_combo(first: str | None = None) -> QComboBox:
    """A combo of memory types (optionally preceded by an "any" entry)."""
    combo = QComboBox()
    combo.addItems(([first] if first else []) + [t.value for t in MemoryType])
    combo.setAccessibleName("Memory type" if first is None else "Filter by type")
    return combo


def tags_edit(hint: str = "comma-separated") -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText(hint)
    edit.setAccessibleName("Tags")
    return edit


def parse_tags(text: str) -> list[str]:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``."""
    return [t.strip() for t in text.split(",") if t.strip()]
