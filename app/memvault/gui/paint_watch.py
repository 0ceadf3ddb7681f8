"""Running something right after a widget has been painted (the first page is on screen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class PaintWatch(QObject):
    """Calls ``callback`` once, right after ``widget`` next paints; never if it is destroyed first."""

    def __init__(self, widget: QWidget, callback: Callable[[], Any], parent: QObject) -> None:
        super().__init__(parent)
        self._widget = widget
        self._callback: Callable[[], Any] | None = callback
        widget.installEventFilter(self)
        widget.destroyed.connect(self._on_widget_destroyed)
        # Hidden windows do not paint (started to the tray); do not wait for ever.
        self._fallback = QTimer(self, singleShot=True, interval=1000)
        self._fallback.timeout.connect(self._fire)
        self._fallback.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Paint:
            self._fallback.start(0)  # after this paint has been flushed
        return False

    def _on_widget_destroyed(self) -> None:
        self._callback = None
        self.deleteLater()

    def _fire(self) -> None:
        callback, self._callback = self._callback, None
        if callback is not None:
            self._widget.removeEventFilter(self)
            self.deleteLater()
            callback()
