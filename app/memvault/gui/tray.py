"""The tray icon and the quick-capture window (usable with the main window closed)."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCursor, QGuiApplication, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from memvault.config import Settings
from memvault.domain.errors import MemvaultError
from memvault.gui.icons import icon
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import MemoryForm
from memvault.gui.wording import sentence

#: How long the note that a capture was stored stays up: long enough to read its few words.
STORED_NOTE_MS = 3000


def _within(area: QRect, size: QSize, centre: QPoint) -> QPoint:
    """The top-left corner of a ``size`` box centred on ``centre`` and moved, if need be, wholly into ``area``."""
    box = QRect(QPoint(0, 0), size)
    box.moveCenter(centre)
    x = max(area.left(), min(box.left(), area.right() + 1 - box.width()))
    y = max(area.top(), min(box.top(), area.bottom() + 1 - box.height()))
    return QPoint(x, y)


class StoredNote(QLabel):
    """A small note, where Quick capture was, that its memory was stored. It goes by itself and never
    takes the keyboard (the user goes back to what they were typing in before capturing)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        # A tool tip's window: no frame, no taskbar entry, and the window manager neither places nor focuses it.
        super().__init__(parent, Qt.ToolTip | Qt.FramelessWindowHint | Qt.WindowDoesNotAcceptFocus)
        self.setObjectName("notice")  # tinted as the list's notices are
        self.setAccessibleName("Quick capture stored")
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.setTextFormat(Qt.PlainText)  # a namespace's name is shown as typed
        self.setStyleSheet("QLabel#notice { padding: 10px 16px; border: 1px solid #27ae60; border-radius: 0; }")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def show_over(self, area: QRect, text: str) -> None:
        """Show ``text`` centred on ``area`` (kept on its screen) for :data:`STORED_NOTE_MS`."""
        self.setText(text)
        self.adjustSize()
        screen = QGuiApplication.screenAt(area.center()) or QGuiApplication.primaryScreen()
        self.move(_within(screen.availableGeometry(), self.size(), area.center()))
        self.show()
        self.raise_()
        self._timer.start(STORED_NOTE_MS)


class QuickCapture(QWidget):
    """A small window: text, namespace, type, tags. Ctrl+Enter saves, Esc cancels.

    Signals:
        memory_captured(str): the id of the stored memory (a note says so where the window was).
        extraction_skipped(str): why the stored memory's entities and facts were not extracted (another language).
    """

    memory_captured = Signal(str)
    extraction_skipped = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window | Qt.WindowStaysOnTopHint)
        self.setWindowTitle("Quick capture — Memvault")
        self.resize(460, 260)
        self._runner = runner
        self._services = None
        #: A store in flight: a second Ctrl+Enter before its answer would store the same memory twice.
        self._storing = False
        self.stored_note = StoredNote(self)
        # The same form as "New memory"; its fields keep their names here for callers and tests.
        self.form = MemoryForm()
        self.text, self.namespace = self.form.text, self.form.namespace
        self.memory_type, self.tags = self.form.memory_type, self.form.tags
        self.message = QLabel("Ctrl+Enter to save · Esc to cancel")
        self.message.setAccessibleName("Quick capture status")
        self.message.setWordWrap(True)  # a long refusal wraps rather than widen the window to its length
        save = QPushButton(icon("save"), "Save")
        save.setAccessibleName("Save memory")
        save.clicked.connect(self.save)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addLayout(bottom)
        # The text field sees the keys first (it would insert a newline), so it is
        # filtered there as well as on the window.
        self.text.installEventFilter(self)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.close)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.text and event.type() == QEvent.KeyPress:
            if event.key() in (Qt.Key_Return, Qt.Key_Enter) and event.modifiers() & Qt.ControlModifier:
                self.save()
                return True
            if event.key() == Qt.Key_Escape:
                self.close()
                return True
        return False

    def open_for(self, services, namespaces: list[str]) -> None:
        """Show the window for an unlocked vault."""
        self._services = services
        self.form.set_namespaces(namespaces)
        self.form.clear_entry()
        self.message.setText("Ctrl+Enter to save · Esc to cancel")
        self.stored_note.hide()
        self._place()
        self.show()
        self.raise_()
        self.activateWindow()
        self.text.setFocus()

    def _place(self) -> None:
        """Centred on the screen the pointer is on, wholly on it: left to the window manager, Openbox put the
        window in the screen's bottom-left corner."""
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry()
        self.move(_within(area, self.frameGeometry().size(), area.center()))

    def save(self) -> None:
        if self._storing:
            return
        data = self.form.memory_create()
        if self._services is None:
            return
        if data is None:  # said, as the New memory dialog says it: a save that did nothing looked broken
            self.message.setText("<span style='color:#c0392b'>Write the memory first.</span>")
            self.text.setFocus()
            return
        services = self._services
        self._storing = True
        self.message.setText("Saving…")
        self._runner.run(lambda: services.memories.create(data), self._on_saved, self._on_failed, owner=self)

    def _on_saved(self, result) -> None:
        self._storing = False
        # Said only now that it is stored (the window vanishing on its own told the user nothing); not once
        # a lock has taken the vault off screen.
        if self._services is not None:
            self.stored_note.show_over(self.frameGeometry(), f"Memory stored in {result.memory.namespace}.")
        self.memory_captured.emit(result.memory.id)
        if result.extraction_skipped:
            self.extraction_skipped.emit(result.extraction_skipped)
        self.text.clear()
        self.close()

    def _on_failed(self, exc: MemvaultError) -> None:
        self._storing = False
        self.message.setText(f"<span style='color:#c0392b'>{html.escape(sentence(exc.message))}</span>")
        if self._services is not None and not self.isVisible():
            # Closed while it was being stored: the refusal comes back with the text, or it would be lost unseen.
            self.show()
            self.raise_()
            self.activateWindow()

    def forget_vault(self) -> None:
        """Called on lock: nothing of the vault stays on screen."""
        self._services = None
        self._storing = False
        self.form.clear_entry()
        self.namespace.clear()
        self.stored_note.hide()
        self.close()


class Tray(QSystemTrayIcon):
    """The tray icon with Quick capture, Open, Lock and Quit; it stays while the vault is locked.

    Signals:
        capture_requested(), open_requested(), lock_requested(), quit_requested()
    """

    capture_requested = Signal()
    open_requested = Signal()
    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, app_icon: QIcon, parent=None) -> None:
        super().__init__(app_icon, parent)
        self.setToolTip("Memvault")
        menu = QMenu()
        self.menu_actions: dict[str, QAction] = {}
        for text, glyph, signal in (("Quick capture", "quick_capture", self.capture_requested),
                                    ("Open Memvault", "open", self.open_requested),
                                    ("Lock", "lock", self.lock_requested), ("Quit", "quit", self.quit_requested)):
            action = QAction(icon(glyph), text, menu)
            action.triggered.connect(signal.emit)
            menu.addAction(action)
            self.menu_actions[text] = action
        self._menu = menu
        self.setContextMenu(menu)
        self.activated.connect(self._on_activated)

    def set_locked(self, locked: bool) -> None:
        """Say in the tooltip whether the vault is locked; Lock is offered only while it is open."""
        self.setToolTip("Memvault (locked)" if locked else "Memvault")
        self.menu_actions["Lock"].setEnabled(not locked)
        self.menu_actions["Open Memvault"].setText("Unlock Memvault…" if locked else "Open Memvault")

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.Trigger:
            self.open_requested.emit()


#: ``idle_lock_agents``: agents' requests count as activity.
STAY_UNLOCKED = "stay_unlocked"


def tray_message(settings: Settings) -> str:
    """What closing to the tray means for agents, as it will be true later too."""
    minutes = settings.idle_lock_minutes
    if not settings.api_in_gui:
        return "Memvault keeps running in the tray."
    if minutes <= 0:
        return "Memvault keeps running in the tray; agents can reach it until you lock or quit it."
    idle = f"{minutes:g} minute{'' if minutes == 1 else 's'}"
    if settings.idle_lock_agents == STAY_UNLOCKED:
        return (f"Memvault keeps running in the tray. Agents can reach it; it locks after {idle} without you "
                "or an agent using it.")
    return (f"Memvault keeps running in the tray. Agents can reach it until it locks after {idle} without input "
            "here; then they are told to unlock Memvault.")
