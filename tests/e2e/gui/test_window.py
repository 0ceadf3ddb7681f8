"""The window level of the desktop app: dialogs, geometry, tray, port, task errors, banner, icons."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette

from app.gui.icons import GLYPHS, icon


def _dominant_colour(pixmap) -> str | None:
    image = pixmap.toImage()
    counts: dict[str, int] = {}
    for x in range(image.width()):
        for y in range(image.height()):
            colour = image.pixelColor(x, y)
            if colour.alpha() > 200:
                counts[colour.name()] = counts.get(colour.name(), 0) + 1
    return max(counts, key=counts.get) if counts else None


def test_icons_follow_the_palette_while_the_app_runs(qapp):
    for name in GLYPHS:
        assert _dominant_colour(icon(name).pixmap(24, 24)) is not None, name
    delete = icon("delete")
    original = QGuiApplication.palette()
    light, dark = QPalette(original), QPalette(original)
    light.setColor(QPalette.WindowText, QColor("#101010"))
    dark.setColor(QPalette.WindowText, QColor("#e6e6e6"))
    dark.setColor(QPalette.Disabled, QPalette.WindowText, QColor("#777777"))
    try:
        qapp.setPalette(light)
        assert _dominant_colour(delete.pixmap(32, 32)) == "#101010"
        qapp.setPalette(dark)
        assert _dominant_colour(delete.pixmap(32, 32)) == "#e6e6e6"
        assert _dominant_colour(delete.pixmap(QSize(32, 32), QIcon.Disabled)) == "#777777"
    finally:
        qapp.setPalette(original)
