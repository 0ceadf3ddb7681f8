"""What the desktop app remembers between unlocks and launches, and sizing to the screen.

Kept with QSettings (an INI file in the user's config folder): the window's
geometry, the page, the agent API port the user chose, and the namespace that
was selected. Namespace names are vault data (sync hides them even from its
target), so a namespace is stored only as a keyed digest that matches the name
once the same vault is unlocked again; nothing readable about the vault is
written outside it.
"""

from __future__ import annotations


from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from memvault.crypto.digest import hmac_sha256

#: The size the window opens at on a screen with room for it.
PREFERRED_SIZE = QSize(1280, 800)
# Room left for the window manager's title bar and borders, which resize() does not include.
_FRAME_ALLOWANCE = QSize(24, 48)


def ui_settings() -> QSettings:
    """The desktop app's QSettings (``memvault/desktop.ini`` in the user's config folder)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "memvault", "desktop")


def namespace_token(name: str, vault_id: str) -> str:
    """A digest of ``name`` keyed by the vault's id: equal for the same vault and name, unreadable otherwise."""
    return hmac_sha256(vault_id.encode(), name.encode()).hex()[:32]


def available_geometry(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(widget: QWidget, preferred: QSize = PREFERRED_SIZE) -> None:
    """Size ``widget`` to ``preferred`` or to the available screen, whichever is smaller, and centre it."""
    area = available_geometry(widget)
    room = area.size() - _FRAME_ALLOWANCE
    size = preferred.boundedTo(room).expandedTo(widget.minimumSize())
    widget.resize(size)
    widget.move(area.x() + (area.width() - size.width()) // 2,
                area.y() + max(0, (area.height() - size.height() - _FRAME_ALLOWANCE.height()) // 2))


class WindowState:
    """Reads and writes the remembered state; every value has a safe default."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings if settings is not None else ui_settings()

    def geometry(self) -> QByteArray | None:
        value = self._settings.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def page(self) -> int:
        try:
            return int(self._settings.value("window/page", 0))
        except (TypeError, ValueError):
            return 0

    def scope(self) -> str | None:
        """The remembered scope: a special key (all, trash, default) or a :func:`namespace_token`."""
        value = self._settings.value("window/scope")
        return value if isinstance(value, str) and value else None

    def save_window(self, geometry: QByteArray, page: int, scope: str) -> None:
        self._settings.setValue("window/geometry", geometry)
        self._settings.setValue("window/page", page)
        self._settings.setValue("window/scope", scope)
        self._settings.sync()

    def api_port_for(self, configured: int) -> int | None:
        """The port the user chose when ``configured`` was taken, if they did."""
        try:
            replaced = int(self._settings.value("agent_api/replaces", 0))
            port = int(self._settings.value("agent_api/port", 0))
        except (TypeError, ValueError):
            return None
        return port if replaced == configured and 0 < port < 65536 else None

    def set_api_port(self, configured: int, port: int) -> None:
        """Use ``port`` from now on whenever ``configured`` is the configured port."""
        self._settings.setValue("agent_api/replaces", configured)
        self._settings.setValue("agent_api/port", port)
        self._settings.sync()

    def note_unsaved_edit(self, vault: str, what: str) -> None:
        """Keep for the next unlock of ``vault`` (a token) that an edit was not all saved (``what`` names no data)."""
        self._settings.setValue("unsaved_edit/vault", vault)
        self._settings.setValue("unsaved_edit/what", what)
        self._settings.sync()

    def take_unsaved_edit(self, vault: str) -> str | None:
        """What :meth:`note_unsaved_edit` kept for ``vault``, once."""
        if self._settings.value("unsaved_edit/vault") != vault:
            return None
        what = self._settings.value("unsaved_edit/what")
        self._settings.remove("unsaved_edit")
        self._settings.sync()
        return what if isinstance(what, str) else None
