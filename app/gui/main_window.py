"""The main window: namespaces and Trash on the left, the four pages on the right."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout, QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QProgressBar, QTabWidget, QWidget,
)

from app.domain.models import Namespace
from app.gui.agents_view import AgentsView
from app.gui.bridge import ServiceBridge
from app.gui.browser import BrowserView
from app.gui.search_view import SearchView
from app.gui.stats_view import StatsView
from app.gui.tasks import TaskRunner
from app.gui.widgets import run_cancellable
from app.service.container import Services
from app.service.reembed import ReembedReport

ALL_NAMESPACES = "\x00all"
TRASH = "\x00trash"


class MainWindow(QMainWindow):
    """Browse, search, chart and connect agents to one unlocked vault.

    Signals:
        lock_requested(): the user chose Lock.
        quit_requested(): the user chose Quit.
        close_requested(): the window was closed (the app decides: hide to tray or quit).
        reembed_finished(object): a re-embedding run ended (its :class:`ReembedReport`).
    """

    lock_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()
    reembed_finished = Signal(object)

    def __init__(self, services: Services, runner: TaskRunner, bridge: ServiceBridge,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Memvault")
        self.resize(1280, 800)
        self._services = services
        self._runner = runner
        self._scope_key: str | None = None
        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName("Namespaces")
        self.sidebar.setMaximumWidth(220)
        self.sidebar.currentItemChanged.connect(self._on_sidebar_current_item_changed)
        self.browser = BrowserView(services, runner)
        self.search = SearchView(services, runner)
        self.stats = StatsView(services, runner)
        self.agents = AgentsView(services, runner)
        self.pages = QTabWidget()
        self.pages.setAccessibleName("Pages")
        for page, title in ((self.browser, "Memories"), (self.search, "Search"), (self.stats, "Stats"),
                            (self.agents, "Agents")):
            self.pages.addTab(page, title)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        self.search.open_requested.connect(self._on_search_open_requested)
        self.browser.counts_changed.connect(self.refresh_namespaces)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.busy.setAccessibleName("Working")
        self.statusBar().addPermanentWidget(self.busy)
        runner.busy_changed.connect(self.busy.setVisible)
        self._build_menus()
        # Agents may store many memories in a burst: refresh at most every 0.5 s.
        self._refresh_soon = QTimer(self, singleShot=True, interval=500)
        self._refresh_soon.timeout.connect(self._on_refresh_soon_timeout)
        bridge.memories_changed.connect(self._on_bridge_memories_changed)
        # The first page need not wait for the sidebar's counts: both run at once.
        self._on_sidebar_current_item_changed(None, None)
        self.refresh_namespaces()

    def _build_menus(self) -> None:
        vault = self.menuBar().addMenu("&Vault")
        for text, shortcut, slot in (("New memory", QKeySequence.New, self.browser.new_memory),
                                     ("Lock", QKeySequence("Ctrl+L"), self.lock_requested.emit),
                                     ("Quit", QKeySequence.Quit, self.quit_requested.emit)):
            action = QAction(text, self, shortcut=shortcut)
            action.triggered.connect(slot)
            vault.addAction(action)
        view = self.menuBar().addMenu("&View")
        for i, title in enumerate(("Memories", "Search", "Stats", "Agents")):
            action = QAction(title, self, shortcut=QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _c=False, i=i: self.pages.setCurrentIndex(i))
            view.addAction(action)
        reembed = QAction("Re-embed memories…", self)
        reembed.triggered.connect(self._on_reembed_triggered)
        vault.insertAction(vault.actions()[1], reembed)
        find = QAction("Find", self, shortcut=QKeySequence.Find)
        find.triggered.connect(self._on_find_triggered)
        view.addAction(find)

    # -- namespaces ----------------------------------------------------------

    def refresh_namespaces(self) -> None:
        self._runner.run(self._services.stats.namespaces, self._on_namespaces_loaded, owner=self)

    def _on_namespaces_loaded(self, namespaces: list[Namespace]) -> None:
        current = self.sidebar.currentItem().data(256) if self.sidebar.currentItem() else "default"
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        total = sum(n.memory_count for n in namespaces)
        entries = [(ALL_NAMESPACES, f"All namespaces ({total:,})")]
        entries += [(n.name, f"{n.name} ({n.memory_count:,})") for n in namespaces]
        entries.append((TRASH, "Trash"))
        if not any(n.name == "default" for n in namespaces):
            entries.insert(1, ("default", "default (0)"))
        for key, label in entries:
            item = QListWidgetItem(label)
            item.setData(256, key)
            self.sidebar.addItem(item)
            if key == current:
                self.sidebar.setCurrentItem(item)
        if self.sidebar.currentItem() is None:
            self.sidebar.setCurrentRow(1)
        self.sidebar.blockSignals(False)
        # The rebuild above happens with signals blocked; apply a changed scope here
        # (the first time, this is what loads the browser's first page).
        if self.sidebar.currentItem().data(256) != self._scope_key:
            self._on_sidebar_current_item_changed(self.sidebar.currentItem(), None)

    def scope(self) -> tuple[str | None, bool]:
        item = self.sidebar.currentItem()
        key = item.data(256) if item else "default"
        if key == TRASH:
            return None, True
        return (None if key == ALL_NAMESPACES else key), False

    def _on_sidebar_current_item_changed(self, current: QListWidgetItem | None,
                                         _previous: QListWidgetItem | None) -> None:
        self._scope_key = current.data(256) if current is not None else "default"
        namespace, trash = self.scope()
        self.browser.show_scope(namespace, trash)
        self.search.set_namespace(namespace)
        if self.pages.currentWidget() is self.stats:
            self.stats.set_namespace(namespace)

    def _on_pages_current_changed(self, _index: int) -> None:
        if self.pages.currentWidget() is self.stats:
            self.stats.set_namespace(self.scope()[0])
        elif self.pages.currentWidget() is self.agents:
            self.agents.refresh()

    def _on_search_open_requested(self, memory_id: str) -> None:
        self.pages.setCurrentWidget(self.browser)
        self.browser.select_memory(memory_id)

    def _on_find_triggered(self) -> None:
        self.pages.setCurrentWidget(self.search)
        self.search.query.setFocus()

    # -- re-embedding -------------------------------------------------------------

    def check_stale_vectors(self) -> None:
        """Offer to re-embed when memories carry vectors of another model (or failed to embed)."""
        self._runner.run(self._services.reembed.stale_count, self._on_stale_counted, owner=self)

    def _on_stale_counted(self, stale: int) -> None:
        if stale == 0:
            return
        answer = QMessageBox.question(
            self, "Re-embed memories",
            f"{stale:,} memories have vectors from another model, or could not be embedded. Search by meaning "
            f"ranks them poorly until they are embedded again with {self._services.reembed.model_id}.\n\n"
            "Re-embed them now? You can cancel at any time and continue later from the Vault menu.")
        if answer == QMessageBox.Yes:
            self.reembed(everything=False)

    def _on_reembed_triggered(self) -> None:
        box = QMessageBox(QMessageBox.Question, "Re-embed memories",
                          "Embed memories again with the bundled model?", parent=self)
        stale = box.addButton("Stale and failed only", QMessageBox.AcceptRole)
        every = box.addButton("Every memory", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        box.exec()
        if box.clickedButton() in (stale, every):
            self.reembed(everything=box.clickedButton() is every)

    def reembed(self, *, everything: bool) -> None:
        """Re-embed in the background behind a progress dialog that can cancel."""
        reembed = self._services.reembed
        self.reembed_progress = run_cancellable(
            self, self._runner, "Re-embedding memories…",
            lambda report, cancelled: reembed.reembed(everything=everything, progress=report, cancelled=cancelled),
            self._on_reembed_finished)

    def _on_reembed_finished(self, report: ReembedReport) -> None:
        verb = "Stopped after re-embedding" if report.cancelled else "Re-embedded"
        self.statusBar().showMessage(f"{verb} {report.done:,} of {report.total:,} memories", 10_000)
        self.reembed_finished.emit(report)

    # -- live updates ----------------------------------------------------------

    def _on_bridge_memories_changed(self, kind: str, ids: list, namespace: str) -> None:
        if kind != "embedded":
            self.agents.add_activity(kind, len(ids), namespace)
        self._refresh_soon.start()

    def _on_refresh_soon_timeout(self) -> None:
        self.browser.refresh()
        self.refresh_namespaces()
        if self.pages.currentWidget() is self.stats:
            self.stats.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        event.ignore()
        self.close_requested.emit()
