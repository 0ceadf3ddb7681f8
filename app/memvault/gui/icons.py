"""Icons for actions and pages, from Font Awesome (the fonts qtawesome ships), drawn in the palette's colours.

Views ask for an icon by what it means (``icon("delete")``), never by glyph, so
one table here decides the look. Each icon is drawn when it is painted, in the
colours of the application palette at that moment: a dark desktop theme (or a
palette switched while the app runs) gets light icons without rebuilding any
widget.

The glyphs are drawn as qtawesome draws them, from its Font Awesome 5 files,
without importing qtawesome: its import star-imports whole Qt modules (through
qtpy) and its first icon loads all eleven of its fonts and charmaps, ~30 MB
the app held for 36 glyphs of two fonts.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
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


#: Glyph prefix -> the Font Awesome 5 file stem qtawesome ships it in.
_FONT_FILES = {"fa5": "fontawesome5-regular-webfont", "fa5s": "fontawesome5-solid-webfont"}


@dataclass(frozen=True)
class _Glyph:
    family: str
    solid: bool
    char: str


def _fonts_dir() -> Path:
    # find_spec locates the installed package without running its __init__ (which would import it all).
    spec = importlib.util.find_spec("qtawesome")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the qtawesome package (Memvault's icon fonts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


@functools.cache
def _font(prefix: str) -> tuple[str, dict[str, str]]:
    """The family of ``prefix``'s font, registered with Qt, and its glyph name -> character map."""
    stem = _FONT_FILES[prefix]
    fonts = _fonts_dir()
    font_file = max(fonts.glob(f"{stem}-[0-9]*.ttf"))
    charmap_file = max(fonts.glob(f"{stem}-charmap-*.json"))
    font_id = QFontDatabase.addApplicationFont(str(font_file))
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        raise FileNotFoundError(f"Qt cannot load the icon font {font_file}")
    charmap = json.loads(charmap_file.read_text(encoding="utf-8"))
    return families[0], {name: chr(int(code, 16)) for name, code in charmap.items()}


@functools.cache
def _glyph(name: str) -> _Glyph:
    prefix, glyph_name = name.split(".", 1)
    family, charmap = _font(prefix)
    return _Glyph(family, prefix.endswith("s"), charmap[glyph_name])


class _PaletteIconEngine(QIconEngine):
    """Paints one glyph in the current application palette (text colour; greyed when disabled)."""

    def __init__(self, glyph: str, colour: str | None = None) -> None:
        super().__init__()
        self._glyph = glyph
        self._colour = colour

    def _pen(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Disabled:
            return palette.color(QPalette.Disabled, QPalette.WindowText)
        if self._colour is not None:
            return QColor(self._colour)
        # Selected too: the theme's selection is a tint under the normal text colour (memvault.qss), on which
        # the palette's highlighted-text white vanished (the rail's current page lost its icon).
        return palette.color(QPalette.Active, QPalette.WindowText)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        glyph = _glyph(self._glyph)
        font = QFont()
        font.setFamily(glyph.family)
        # As qtawesome: the glyph is 7/8 of the icon's height, leaving room for the font's bearing.
        font.setPixelSize(round(0.875 * rect.height()))
        if glyph.solid:
            font.setStyleName("Solid")
        painter.save()
        painter.setPen(self._pen(mode))
        painter.setFont(font)
        painter.drawText(rect, int(Qt.AlignCenter | Qt.AlignVCenter), glyph.char)
        painter.restore()

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
