"""Help: getting started, the keyboard shortcuts, About; and the command palette (Ctrl+K) over every action."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenuBar,
    QMessageBox,
    QStyleOptionViewItem,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from memvault import __version__

GETTING_STARTED = (
    "<h3>Getting started</h3><ol>"
    "<li><b>Write a memory</b>: New memory (Ctrl+N), or Quick capture (Ctrl+Shift+Space) from anywhere in "
    "the app. Memvault classifies it and finds it again by meaning.</li>"
    "<li><b>Connect an agent</b>: on the Agents page, press Connect for Claude Desktop, Claude Code, Cursor or "
    "VS Code. The client gets a key of its own for one namespace; you can revoke it there.</li>"
    "<li><b>Search</b>: Ctrl+F searches by meaning and keywords; Ctrl+K runs any command by name.</li>"
    "</ol><p>Everything stays encrypted on this computer. Sync (Sync page) and bundles (File menu) carry it "
    "to your other devices, still encrypted.</p>")


def display_path(path: Path) -> str:
    """``~/…`` for a path in the home folder."""
    try:
        return "~/" + str(path.expanduser().resolve().relative_to(Path.home().resolve()))
    except ValueError:
        return str(path)


def window_title(home: Path) -> str:
    """The window's title names the vault, so that two vaults' windows tell themselves apart."""
    return f"{display_path(home)} — Memvault"


#: Shortcuts of one place rather than of a window action (a QShortcut or a key a widget reads): the table
#: listed the actions only, and Ctrl+Z and Ctrl+Enter worked unlisted.
IN_PLACE_SHORTCUTS = (
    ("Move the selected memory to the trash (in the list)", QKeySequence.Delete),
    ("Undo the last move to the trash or save (in the list)", QKeySequence.Undo),
    ("Save, in Quick capture and New memory", "Ctrl+Enter"),  # as those windows write it
    ("Close Quick capture or a dialog without saving", "Esc"),
    ("Show or hide the weaker matches (in Search)", "Alt+S"),
)


def _keys(keys: QKeySequence | QKeySequence.StandardKey | str) -> str:
    return keys if isinstance(keys, str) else QKeySequence(keys).toString(QKeySequence.NativeText)


def shortcuts_text(actions: list[QAction]) -> str:
    named = [(a.text().replace("&", "").rstrip("…"), a.shortcut()) for a in actions if not a.shortcut().isEmpty()]
    # A key an action already lists is not listed again for its place (Del read twice: the menu's and the list's).
    taken = {_keys(keys) for _name, keys in named}
    in_place = [(name, keys) for name, keys in IN_PLACE_SHORTCUTS if _keys(keys) not in taken]
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td><b>{html.escape(_keys(keys))}</b></td></tr>"
                   for name, keys in [*named, *in_place])
    return f"<h3>Keyboard shortcuts</h3><table cellspacing=6>{rows}</table>"


def about_text(home: Path) -> str:
    return (f"<h3>Memvault {html.escape(__version__)}</h3>"
            "<p>Local, encrypted, on-device memory for AI agents.</p>"
            f"<p>This vault: {html.escape(display_path(home))}</p>"
            "<p>The memories leave this computer only when you sync, share or export them: sync, shares and "
            "bundles are encrypted; a readable copy (File → Export readable copy…) is plain text, as you "
            "asked.</p>")


def show_text(parent: QWidget, title: str, text: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.NoIcon, title, text, QMessageBox.Close, parent)
    box.setTextFormat(Qt.RichText)
    box.open()
    return box


#: The item role holding a command's shortcut text (drawn apart from its name).
SHORTCUT = int(Qt.ItemDataRole.UserRole) + 1


class ShortcutDelegate(QStyledItemDelegate):
    """A command's name as usual, its shortcut at the row's right edge in the secondary colour (as menus do)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        shortcut = index.data(SHORTCUT)
        if shortcut:
            painter.save()
            painter.setPen(option.palette.color(QPalette.PlaceholderText))
            painter.drawText(option.rect.adjusted(0, 0, -12, 0), int(Qt.AlignRight | Qt.AlignVCenter), shortcut)
            painter.restore()


def menu_commands(menu_bar: QMenuBar, *leave_out: QAction) -> list[QAction]:
    """The commands of the menu bar's menus, in their order: what the palette offers. Every action under the window
    also took in a page's own choices (the Entities page's "animal" retyped the selected entity, unseen)."""
    return [a for menu in menu_bar.actions() for a in menu.menu().actions()
            if not a.isSeparator() and a not in leave_out]


class CommandPalette(QDialog):
    """Type to find any of the window's actions; Enter runs it, Esc closes."""

    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Popup | Qt.FramelessWindowHint)
        self.setObjectName("commandPalette")
        self.setAccessibleName("Command palette")
        self._actions = [a for a in actions if a.text()]
        self.query = QLineEdit()
        self.query.setPlaceholderText("Type a command…")
        self.query.setAccessibleName("Command")
        self.query.textChanged.connect(self._on_query_text_changed)
        self.query.returnPressed.connect(self._on_query_return_pressed)
        self.query.installEventFilter(self)
        self.results = QListWidget()
        self.results.setAccessibleName("Commands")
        self.results.itemActivated.connect(self._run)
        self.results.setItemDelegate(ShortcutDelegate(self.results))
        # Over the empty list, as the memory list's empty state is: a blank box said nothing about the typing.
        self.none = QLabel()
        self.none.setAccessibleName("No matching command")
        self.none.setProperty("secondary", True)
        self.none.setAlignment(Qt.AlignCenter)
        self.none.setWordWrap(True)
        self.none.hide()
        QVBoxLayout(self.results.viewport()).addWidget(self.none)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.query)
        layout.addWidget(self.results)
        self.resize(480, 360)
        self._on_query_text_changed("")

    def open_over(self, window: QWidget) -> None:
        geometry = window.geometry()
        self.move(geometry.x() + (geometry.width() - self.width()) // 2, geometry.y() + 80)
        self.query.clear()
        self.show()
        self.query.setFocus()

    def _on_query_text_changed(self, text: str) -> None:
        words = text.lower().split()
        self.results.clear()
        matching = [a for a in self._actions
                    if all(w in a.text().replace("&", "").rstrip("…").lower() for w in words)]
        # Commands that cannot run now come last, greyed, and say so: left out, typing "trash" with nothing
        # selected answered that no command matches, as if "Move to trash" did not exist.
        for action in sorted(matching, key=lambda a: not a.isEnabled()):
            name = action.text().replace("&", "").rstrip("…")
            item = QListWidgetItem(action.icon(), name if action.isEnabled() else f"{name} (not available now)")
            item.setData(Qt.UserRole, self._actions.index(action))
            item.setData(SHORTCUT, action.shortcut().toString(QKeySequence.NativeText))
            if not action.isEnabled():
                item.setFlags(Qt.NoItemFlags)
            self.results.addItem(item)
        self.results.setCurrentRow(0 if any(a.isEnabled() for a in matching) else -1)
        self.none.setText(f"No command matches “{text.strip()}”.")
        self.none.setVisible(self.results.count() == 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down move through the results while typing goes on in the field.
        if watched is self.query and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Up, Qt.Key_Down):
            step = -1 if event.key() == Qt.Key_Up else 1
            self.results.setCurrentRow(max(0, min(self.results.count() - 1, self.results.currentRow() + step)))
            return True
        return False

    def _on_query_return_pressed(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._run(item)

    def _run(self, item: QListWidgetItem) -> None:
        action = self._actions[int(item.data(Qt.UserRole))]
        if not action.isEnabled():
            return
        self.close()
        action.trigger()
