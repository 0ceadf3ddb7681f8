"""The app's look: the QSS in ``resources/styles/`` with light or dark colours, chosen from the palette.

The desktop hands the app a light or dark palette; the style sheet follows it
(checked by the window's background lightness), so both read alike: the same
accent, muted secondary text with enough contrast (>= 4.5:1 on its background),
and one focus colour for every control.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

LIGHT = {
    "window": "#f7f7f8", "base": "#ffffff", "alternate": "#fafafb", "rail": "#f0f0f2", "text": "#1d1d1f",
    "secondary": "#5f6368", "disabled": "#a0a0a6", "border": "#d2d2d7", "border_soft": "#e4e4e8",
    "button": "#ffffff", "hover": "#e8e8ed", "selected": "#dde7fb", "accent": "#3a63d8", "on_accent": "#ffffff",
    "focus": "#3a63d8", "focus_text": "#2748a8", "danger": "#a8261b", "danger_soft": "#fdecea",
}
DARK = {
    "window": "#1f1f22", "base": "#17171a", "alternate": "#1c1c1f", "rail": "#232327", "text": "#e8e8ea",
    "secondary": "#a9a9b2", "disabled": "#6b6b73", "border": "#3a3a40", "border_soft": "#2d2d33",
    "button": "#2a2a2f", "hover": "#33333a", "selected": "#2c3b63", "accent": "#5b82f0", "on_accent": "#ffffff",
    "focus": "#7a9cff", "focus_text": "#a9bfff", "danger": "#ff9b91", "danger_soft": "#3a1f1d",
}


def styles_folder() -> Path:
    from memvault.gui.app import resources_root

    return resources_root() / "styles"


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.Window).lightness() < 128


def style_sheet(dark: bool) -> str:
    text = (styles_folder() / "memvault.qss").read_text("utf-8")
    tokens = {**(DARK if dark else LIGHT), "check": (styles_folder() / "check.svg").as_posix()}
    for name, value in tokens.items():
        text = text.replace(f"@{name}@", value)
    return text


def apply_theme(qapp: QApplication) -> bool:
    """Style the whole app for the palette it has; returns whether the dark colours were chosen."""
    dark = is_dark(qapp.palette())
    # Muted text the palette hands out (placeholders, the list's secondary lines) must stay readable
    # (>= 4.5:1), which Qt's half-transparent default is not on either background.
    palette = qapp.palette()
    palette.setColor(QPalette.PlaceholderText, QColor((DARK if dark else LIGHT)["secondary"]))
    qapp.setPalette(palette)
    qapp.setStyleSheet(style_sheet(dark))
    return dark
