"""Icons for actions and pages, from Font Awesome (qtawesome), drawn in the palette's colours.

Views ask for an icon by what it means (``icon("delete")``), never by glyph, so
one table here decides the look. Each icon is drawn when it is painted, in the
colours of the application palette at that moment: a dark desktop theme (or a
palette switched while the app runs) gets light icons without rebuilding any
widget.
"""

from __future__ import annotations

import qtawesome
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

#: What an icon means -> the Font Awesome 5 glyph that shows it.
GLYPHS: dict[str, str] = {
    "new": "fa5s.plus",
    "edit": "fa5s.edit",
    "save": "fa5s.save",
    "delete": "fa5s.trash-alt",
    "restore": "fa5s.trash-restore",
    "empty_trash": "fa5s.dumpster",
    "undo": "fa5s.undo",
    "search": "fa5s.search",
    "filter": "fa5s.filter",
    "clear": "fa5s.times",
    "lock": "fa5s.lock",
    "unlock": "fa5s.lock-open",
    "quit": "fa5s.power-off",
    "open": "fa5s.window-restore",
    "quick_capture": "fa5s.bolt",
    "memories": "fa5s.list",
    "stats": "fa5s.chart-bar",
    "agents": "fa5s.robot",
    "entities": "fa5s.project-diagram",
    "reembed": "fa5s.sync-alt",
    "namespace": "fa5.folder",
    "all_namespaces": "fa5s.layer-group",
    "trash": "fa5.trash-alt",
    "history": "fa5s.history",
    "copy": "fa5.copy",
    "key": "fa5s.key",
    "port": "fa5s.network-wired",
    "storage": "fa5s.hdd",
    "check": "fa5s.stethoscope",
    "export": "fa5s.file-export",
    "import": "fa5s.file-import",
    "backup": "fa5s.archive",
    "sync": "fa5s.cloud",
    "sync_now": "fa5s.exchange-alt",
    "settings": "fa5s.cog",
    "warning": "fa5s.exclamation-triangle",
}


class _PaletteIconEngine(QIconEngine):
    """Paints one glyph in the current application palette (text colour; greyed when disabled)."""

    def __init__(self, glyph: str, colour: str | None = None) -> None:
        super().__init__()
        self._glyph = glyph
        self._colour = colour

    def _icon(self) -> QIcon:
        palette = QGuiApplication.palette()
        if self._colour is not None:
            return qtawesome.icon(self._glyph, color=self._colour,
                                  color_disabled=palette.color(QPalette.Disabled, QPalette.WindowText))
        # qtawesome caches by glyph and colours, so this is a lookup after the first paint.
        return qtawesome.icon(
            self._glyph,
            color=palette.color(QPalette.Active, QPalette.WindowText),
            color_disabled=palette.color(QPalette.Disabled, QPalette.WindowText),
            color_selected=palette.color(QPalette.Active, QPalette.HighlightedText),
        )

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        self._icon().paint(painter, rect, Qt.AlignCenter, mode, state)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        pixmap = QPixmap(size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        return _PaletteIconEngine(self._glyph, self._colour)


def icon(name: str, colour: str | None = None) -> QIcon:
    """The icon for ``name`` (a key of :data:`GLYPHS`); needs a running QApplication.

    ``colour`` (e.g. ``"#b03a2e"``) fixes the colour, for icons on a background
    that does not follow the palette (a warning banner); otherwise the icon
    follows the palette.

    Raises:
        KeyError: ``name`` is not in :data:`GLYPHS` (a typo should fail loudly, not show nothing).
    """
    return QIcon(_PaletteIconEngine(GLYPHS[name], colour))
