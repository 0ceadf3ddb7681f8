"""The Sync page: where this vault syncs, how it went, the devices and the conflicts.

Every call to the sync service (which reads the target over the network or a
shared folder) runs on the TaskRunner; the page only shows answers.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.changes import ChangeEvent, ChangeKind
from memvault.domain.errors import MassDeletePaused, MemvaultError
from memvault.gui.detail_meta import GRID
from memvault.gui.icons import icon
from memvault.gui.sync_passphrase import SyncPassphraseDialog
from memvault.gui.sync_setup import SyncSetupDialog
from memvault.gui.tasks import TaskRunner
from memvault.service.container import Services
from memvault.service.sync import ConflictInfo, DeviceInfo, SyncResult, SyncStatus
from memvault.gui.wording import ago, sentence

#: The devices table's height at most (about six devices; more scroll).
DEVICES_MAX_HEIGHT = 220
#: How often the page (and the status bar) reads the status again while the vault is open.
STATUS_INTERVAL_MS = 15_000


def status_line(status: SyncStatus, now: float) -> str:
    """One line for the status bar."""
    if not status.enabled:
        return "Sync: off"
    if status.last_error:
        return f"Sync: failed {ago(status.last_sync_at, now)}"
    pending = f", {status.pending_ops} to send" if status.pending_ops else ""
    return f"Sync: {ago(status.last_sync_at, now)}{pending}"


def counted(n: int, noun: str) -> str:
    """``1 device``, ``3 devices``, ``0 conflicts``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def scope_line(namespaces: tuple[str, ...] | None) -> str:
    """What syncs, as ``memvault sync status`` says it."""
    return "All namespaces" if namespaces is None else "Namespaces: " + ", ".join(namespaces)


def _section(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("sectionTitle")
    return label


#: What the off page says sync does (the README's "Sync" section, in a sentence each).
OFF_POINTS = (
    "Keeps this vault the same on your other devices: a memory written on one appears on the others.",
    "Goes through a folder (Syncthing, Dropbox, a NAS), S3-compatible storage or WebDAV you already have.",
    "End-to-end encrypted with a sync passphrase: the storage only ever holds encrypted files.",
    "Edits made on two devices at once are both kept; you choose which one stays.",
)


def _off_page(start: QPushButton) -> QWidget:
    """The empty state while sync is off: what sync does, and the one next step."""
    page = QWidget()
    page.setObjectName("syncOff")
    glyph = QLabel()
    glyph.setPixmap(icon("sync").pixmap(48, 48))
    title = QLabel("Sync is off")
    title.setObjectName("emptyTitle")
    points = QLabel("".join(f"<p style='margin:0 0 8px 0'>• {p}</p>" for p in OFF_POINTS))
    points.setProperty("secondary", True)
    points.setWordWrap(True)
    points.setMaximumWidth(560)
    column = QVBoxLayout()
    column.setSpacing(2 * GRID)
    for widget in (glyph, title, points):
        column.addWidget(widget, 0, Qt.AlignHCenter if widget is not points else Qt.AlignLeft)
    column.addWidget(start, 0, Qt.AlignHCenter)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addLayout(column)
    row.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    return page


class SyncView(QWidget):
    """Set up, run and watch sync.

    Signals:
        status_changed(str): the status bar line after each status read.
        conflicts_counted(int): how many memories have an unresolved conflict (after changes and on start).
    """

    status_changed = Signal(str)
    conflicts_counted = Signal(int)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._status: SyncStatus | None = None
        #: When this device last synced, for its own row of the devices table.
        self._last_sync_at: float | None = None
        #: Whether "Sync now" had the keyboard when pressed (see :meth:`sync_now`).
        self._refocus_sync = False
        self.summary = QLabel("Reading the sync status…")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Sync status")
        self.sync_button = QPushButton(icon("sync_now"), "Sync now")
        self.sync_button.clicked.connect(lambda: self.sync_now())
        self.setup_button = QPushButton(icon("settings"), "Set up…")
        self.setup_button.clicked.connect(self._on_setup_button_clicked)
        self.passphrase_button = QPushButton("Change sync passphrase…")
        self.passphrase_button.clicked.connect(self._on_passphrase_button_clicked)
        self.off_button = QPushButton("Turn sync off")
        self.off_button.clicked.connect(self._on_off_button_clicked)
        buttons = QHBoxLayout()
        for button in (self.sync_button, self.setup_button, self.passphrase_button, self.off_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.devices = QTableWidget(0, 4)
        self.devices.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.devices.setAccessibleName("Devices")
        self.devices.setHorizontalHeaderLabels(["Device", "Last seen", "Segments", "Clock"])
        self.devices.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.devices.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.devices.verticalHeader().setVisible(False)
        self.conflicts = QListWidget()
        self.conflicts.setAccessibleName("Conflicts")
        self.conflicts.setWordWrap(True)
        # Each conflict takes two lines: shaded apart, where one ends and the next begins shows.
        self.conflicts.setAlternatingRowColors(True)
        self.conflicts.setSpacing(2)
        self.conflicts.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.keep_button = QPushButton("Keep this one")
        self.keep_button.setToolTip("Make the version that lost the concurrent edit current again")
        self.keep_button.clicked.connect(self._on_keep_button_clicked)
        self.dismiss_button = QPushButton("Keep the current one")
        self.dismiss_button.clicked.connect(self._on_dismiss_button_clicked)
        conflict_buttons = QHBoxLayout()
        conflict_buttons.addWidget(self.keep_button)
        conflict_buttons.addWidget(self.dismiss_button)
        conflict_buttons.addStretch(1)
        # What sync reported wrong (a failed run, a refused file): apart from the status, so it is seen.
        self.problems = QLabel()
        self.problems.setObjectName("problem")
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName("Sync problems")
        self.problems.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.problems.setVisible(False)
        running = QWidget()
        on = QVBoxLayout(running)
        on.setContentsMargins(0, 0, 0, 0)
        on.setSpacing(GRID)
        on.addWidget(self.summary)
        on.addWidget(self.problems)
        on.addLayout(buttons)
        # A device is a row: the table is as tall as a few, not the page (the rest is for conflicts, if any).
        self.devices.setMaximumHeight(DEVICES_MAX_HEIGHT)
        self.no_conflicts = QLabel("None: nothing was edited on two devices at once, or deleted on one while "
                                   "edited on another.")
        self.no_conflicts.setProperty("secondary", True)
        self._conflict_widgets = (self.conflicts, self.keep_button, self.dismiss_button)
        on.addWidget(_section("Devices"))
        on.addWidget(self.devices)
        on.addWidget(_section("Conflicts: the other side of edits made on two devices at once"))
        on.addWidget(self.no_conflicts)
        on.addWidget(self.conflicts, 1)
        on.addLayout(conflict_buttons)
        on.addStretch(0)
        self.start_button = QPushButton(icon("sync_now"), "Set up sync…")
        self.start_button.setAccessibleName("Set up sync")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self._on_setup_button_clicked)
        self.off_page = _off_page(self.start_button)
        self.states = QStackedWidget()
        self.states.addWidget(self.off_page)
        self.states.addWidget(running)
        self.running_page = running
        self._show_conflicts(False)
        self.states.setCurrentWidget(running)  # "Reading the sync status…" until the status says which
        layout = QVBoxLayout(self)
        layout.addWidget(self.states)
        self._timer = QTimer(self)
        self._timer.setInterval(STATUS_INTERVAL_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        # A burst of changes (a sync applies many at once) is counted once.
        self._recount = QTimer(self, singleShot=True, interval=300)
        self._recount.timeout.connect(self.count_conflicts)
        self._update_buttons()
        self.refresh()
        self.count_conflicts()

    def showEvent(self, event: QShowEvent) -> None:
        # The status is read every STATUS_INTERVAL_MS; coming to the page reads it now (a command may have set sync
        # up or turned it off while the app was open).
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()

    def on_memories_changed(self, event: ChangeEvent) -> None:
        """Count the conflicts again after a change (only updates and removals can make or end one)."""
        if event.kind in (ChangeKind.UPDATED, ChangeKind.PURGED, ChangeKind.DELETED, ChangeKind.RESTORED,
                          ChangeKind.WIPED):
            self._recount.start()

    def count_conflicts(self) -> None:
        self._runner.run(self._services.sync.conflicted_memories, self.conflicts_counted.emit, owner=self)

    # -- reading -------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        sync = self._services.sync
        self._runner.run(lambda: (sync.status(), time.time()), self._on_status_loaded, owner=self)

    def _on_status_loaded(self, answer: tuple[SyncStatus, float]) -> None:
        status, now = answer
        self._status = status
        self.status_changed.emit(status_line(status, now))
        self.states.setCurrentWidget(self.running_page if status.enabled else self.off_page)
        if not status.enabled:
            self.summary.setText("Sync is off.")
            self.problems.setVisible(False)
            self.devices.setRowCount(0)
            self.conflicts.clear()
        else:
            lines = [f"Syncing through {status.target}.", scope_line(status.namespaces)
                     + (f" (not {', '.join(status.shared_with_people)}: shared with people, each device joins it "
                        "under File → Share namespace…)" if status.shared_with_people else ""),
                     # A failed attempt is one too: "Last sync: just now" above "The last sync failed" read as both.
                     (f"{'Last attempt' if status.last_error else 'Last sync'}: {ago(status.last_sync_at, now)}; "
                      f"{counted(status.pending_ops, 'change')} to send; "
                      f"{counted(status.devices_seen, 'device')}; {counted(status.conflicts, 'conflict')}.")]
            self._last_sync_at = status.last_sync_at
            problems = [sentence(status.last_error, "The last sync failed")] if status.last_error else []
            # Each names the file and the device, and what happens next (see memvault/sync/FORMAT.md).
            problems += [sentence(p, "Problem") for p in status.problems]
            self.problems.setText("\n".join(problems))
            self.problems.setVisible(bool(problems))
            lines += [sentence(w, "Waiting") for w in status.waiting]
            # What the target lost or broke and sync put right: news, not a problem (the CLI says it too).
            lines += [sentence(r, "Repaired") for r in status.repaired]
            lines += [f"Clock: {note}." for note in status.clock_notes]
            self.summary.setText("\n".join(lines))
            sync = self._services.sync
            self._runner.run(lambda: (sync.devices(), sync.conflicts()), self._on_details_loaded,
                             on_error=self._on_details_failed, owner=self)
        self._update_buttons()

    def _on_details_loaded(self, answer: tuple[list[DeviceInfo], list[ConflictInfo]]) -> None:
        devices, conflicts = answer
        now = time.time()
        self.devices.setRowCount(len(devices))
        for row, d in enumerate(devices):
            name = d.name or d.device_id[:8]
            if d.this_device:
                name += " (this device)"
            if d.removed:
                name += " (removed)"
            if d.unknown:
                name += " (unknown: not applied)"
            clock = f"{d.clock_ahead_ms / 1000:.0f} s ahead" if d.clock_ahead_ms > 0 else "ok"
            # This device is seen when it syncs: its row said "never", or the time of the last change it wrote
            # ("7 min ago"), beside "Last sync: just now".
            seen = max((t for t in (d.last_seen, self._last_sync_at) if t is not None), default=None) \
                if d.this_device else d.last_seen
            for column, value in enumerate((name, ago(seen, now), str(d.segments), clock)):
                self.devices.setItem(row, column, QTableWidgetItem(value))
        self.conflicts.clear()
        self.count_conflicts()
        for c in conflicts:
            # A memory deleted while edited lost nothing: it is in the trash with the edit ("in the trash: deleted on
            # device … while edited on device …"); two concurrent edits put one version aside.
            text = f"[{c.namespace}] {c.kept_content}\n{c.current_content}" if c.kind == "deleted" else \
                f"[{c.namespace}] lost: {c.kept_content}\nnow: {c.current_content}"
            item = QListWidgetItem(text)
            item.setData(256, c)
            self.conflicts.addItem(item)
        self._show_conflicts(bool(conflicts))
        self._update_buttons()

    def _show_conflicts(self, present: bool) -> None:
        """The list and its buttons when there is a conflict; one quiet line when there is none."""
        for widget in self._conflict_widgets:
            widget.setVisible(present)
        self.no_conflicts.setVisible(not present)

    def _on_details_failed(self, error: MemvaultError) -> None:
        self.problems.setText("\n".join(filter(None, (self.problems.text() if self.problems.isVisible() else "",
                                                      sentence(error.message, "The target could not be read")))))
        self.problems.setVisible(True)

    def _update_buttons(self) -> None:
        enabled = self._status is not None and self._status.enabled
        self.sync_button.setEnabled(enabled)
        if enabled and self._refocus_sync:
            self._refocus_sync = False
            if self.isAncestorOf(QApplication.focusWidget()):  # never from where the user has gone since
                self.sync_button.setFocus(Qt.TabFocusReason)
        self.off_button.setEnabled(enabled)
        self.passphrase_button.setEnabled(enabled)
        self.setup_button.setText("Change…" if enabled else "Set up…")
        item = self.conflicts.currentItem()
        chosen = item is not None
        self.keep_button.setEnabled(chosen)
        self.dismiss_button.setEnabled(chosen)
        # A memory deleted while edited elsewhere is restored with the edit, or left in the trash.
        deleted = chosen and item.data(256).kind == "deleted"
        self.keep_button.setText("Restore it" if deleted else "Keep this one")
        self.keep_button.setToolTip("Bring the memory back from the trash, with the edit made on the other device"
                                    if deleted else "Make the version that lost the concurrent edit current again")
        self.dismiss_button.setText("Leave it in the trash" if deleted else "Keep the current one")

    # -- acting --------------------------------------------------------------------------------------------------

    def sync_now(self, *, allow_mass_delete: bool = False) -> None:
        # Disabled while it runs, the button hands the keyboard on (to "Change…"): it takes it back when done.
        self._refocus_sync = self._refocus_sync or self.sync_button.hasFocus()
        self.sync_button.setEnabled(False)
        self.summary.setText("Syncing…")
        sync = self._services.sync
        self._runner.run(lambda: sync.sync_now(allow_mass_delete=allow_mass_delete), self._on_sync_finished,
                         on_error=self._on_sync_failed, owner=self)

    def _on_sync_finished(self, _result: SyncResult) -> None:
        self.refresh()

    def _on_sync_failed(self, error: MemvaultError) -> None:
        if isinstance(error, MassDeletePaused):
            answer = QMessageBox.question(
                self, "Apply the deletions?",
                f"{sentence(error.message)}\n\nApply them? Choose No to keep the memories here; sync waits until you "
                "decide.",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
            if answer == QMessageBox.Yes:
                self.sync_now(allow_mass_delete=True)
                return
        else:
            QMessageBox.warning(self, "Sync failed", sentence(error.message))
        self.refresh()

    def _on_setup_button_clicked(self) -> None:
        dialog = SyncSetupDialog(self._services, self._runner, self)
        dialog.set_up.connect(lambda _status: self.refresh())
        dialog.open()

    def _on_passphrase_button_clicked(self) -> None:
        dialog = SyncPassphraseDialog(self._services, self._runner, self)
        dialog.passphrase_changed.connect(self._on_dialog_passphrase_changed)
        dialog.open()

    def _on_dialog_passphrase_changed(self) -> None:
        self.summary.setText(f"{self.summary.text()}\nThe sync passphrase was changed.")

    def _on_off_button_clicked(self) -> None:
        answer = QMessageBox.question(
            self, "Turn sync off?", "This device stops syncing. Memories stay here and on the other devices; "
            "the target keeps its encrypted files.", QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        if answer == QMessageBox.Yes:
            self._runner.run(self._services.sync.off, lambda _r: self.refresh(), owner=self)

    def _chosen_conflict(self) -> ConflictInfo | None:
        item = self.conflicts.currentItem()
        return item.data(256) if item is not None else None

    def _on_keep_button_clicked(self) -> None:
        c = self._chosen_conflict()
        if c is not None:
            svc = self._services
            self._runner.run(lambda: svc.sync.keep_conflict_version(c.memory_id, c.version,
                                                                    svc.memories.restore_version),
                             lambda _r: self.refresh(), owner=self)

    def _on_dismiss_button_clicked(self) -> None:
        c = self._chosen_conflict()
        if c is not None:
            self._runner.run(lambda: self._services.sync.dismiss_conflict(c.memory_id), lambda _r: self.refresh(),
                             owner=self)
