"""Small widget builders shared by the pages, so every form looks and reads alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QWidget,
)

from app.domain.enums import MemoryType
from app.domain.errors import MemvaultError
from app.gui.tasks import CancelToken, TaskRunner


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


def run_cancellable(parent: QWidget, runner: TaskRunner, label: str,
                    work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any],
                    finished: Callable[[Any], None]) -> QProgressDialog:
    """Run long ``work(report, cancelled)`` off the GUI thread behind a progress dialog with Cancel.

    ``work`` calls ``report(done, total)`` as it goes and checks ``cancelled()``
    between steps; ``finished`` gets its result (also after a cancel). A
    :class:`MemvaultError` closes the dialog and is shown in a message box.
    """
    token = CancelToken()
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle("Memvault")
    dialog.setMinimumDuration(300)
    dialog.setAccessibleName(label.rstrip("…"))
    dialog.canceled.connect(token.cancel)

    def on_progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)

    def on_done(result: Any) -> None:
        dialog.reset()
        finished(result)

    def on_error(exc: MemvaultError) -> None:
        dialog.reset()
        QMessageBox.warning(parent, "Memvault", exc.message)

    runner.run(lambda report: work(report, lambda: token.cancelled), on_done, on_error, on_progress, owner=parent)
    return dialog
