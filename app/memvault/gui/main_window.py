"""The main window: namespaces and Trash on the left, the pages (Memories, Search, Stats, Agents, Entities, Sync) on
the right.

The window owns every keyboard shortcut of the pages (one owner per key, so Qt
never sees two bindings and ignores both), sizes itself to the screen and puts
back the geometry, page and namespace the user left.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QListWidgetItem, QMainWindow, QTabWidget, QVBoxLayout,
                               QWidget)

from memvault.domain.changes import ChangeEvent, ChangeKind, OriginKind
from memvault.domain.models import Namespace
from memvault.gui.agents_view import AgentsView
from memvault.gui.banner import HealthBanner
from memvault.gui.bridge import ServiceBridge
from memvault.gui.browser import BrowserView
from memvault.gui.bundle_dialogs import TransferCommands
from memvault.gui.entities_view import EntitiesView
from memvault.gui.widgets import first_focusable
from memvault.gui.help import (GETTING_STARTED, CommandPalette, about_text, menu_commands, shortcuts_text,
                               show_text, window_title)
from memvault.gui.icons import icon
from memvault.gui.import_dialog import bundle_path_of
from memvault.gui.integrity import IntegrityCheck
from memvault.gui.nav_rail import NamespaceList, NavRail, scope_item, sidebar
from memvault.gui.readable_menu import ReadableCommands
from memvault.gui.reembedding import Reembedding
from memvault.gui.search_view import SearchView
from memvault.gui.stats_view import StatsView
from memvault.gui.status_line import StatusLine
from memvault.gui.sync_view import SyncView
from memvault.gui.tasks import TaskRunner
from memvault.gui.window_state import WindowState, fit_to_screen, namespace_token
from memvault.service.container import Services

ALL_NAMESPACES = "\x00all"
TRASH = "\x00trash"
DEFAULT = "default"
# How the special scopes are written in the settings; a namespace is written as a token.
_SAVED_SCOPES = {ALL_NAMESPACES: "all", TRASH: "trash", DEFAULT: "default"}


class MainWindow(QMainWindow):
    """Browse, search, chart and connect agents to one unlocked vault.

    Signals:
        lock_requested(): the user chose Lock.
        quit_requested(): the user chose Quit.
        close_requested(): the window was closed (the app decides: hide to tray or quit).
        api_port_change_requested(): the user asked to run the agent API on another port.
        capture_requested(): the user asked for Quick capture (Ctrl+Shift+Space).
        setting_changed(str, object): the user changed a setting (its name in config.py, its value).
        settings_requested(): the user asked for the Settings dialog.
    """

    lock_requested = Signal()
    quit_requested = Signal()
    close_requested = Signal()
    api_port_change_requested = Signal()
    capture_requested = Signal()
    setting_changed = Signal(str, object)
    settings_requested = Signal()

    def __init__(self, services: Services, runner: TaskRunner, bridge: ServiceBridge, state: WindowState,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title(services.settings.home_path))
        self._services = services
        self._runner = runner
        self._state = state
        self._vault_id = services.device_id
        saved = state.scope()
        special = {v: k for k, v in _SAVED_SCOPES.items()}
        #: The scope the pages show; a remembered namespace waits for the namespace list to be matched.
        self._scope_key: str = special.get(saved or "default", DEFAULT)
        self._pending_token: str | None = saved if saved and saved not in special else None
        self._applied_scope: str | None = None
        #: Memories per rail key (a namespace, or all of them), as last loaded.
        self._counts: dict[str, int] = {}
        self.sidebar = NamespaceList()
        self.sidebar.setAccessibleName("Namespaces")
        self.sidebar.setIconSize(QSize(16, 16))
        self.sidebar.currentItemChanged.connect(self._on_sidebar_current_item_changed)
        self.browser = BrowserView(services, runner)
        self.search = SearchView(services, runner)
        self.stats = StatsView(services, runner)
        self.agents = AgentsView(services, runner)
        self.entities = EntitiesView(services, runner)
        self.sync = SyncView(services, runner)
        self.pages = QTabWidget()
        self.pages.setAccessibleName("Pages")
        entries = ((self.browser, "Memories", "memories"), (self.search, "Search", "search"),
                   (self.stats, "Stats", "stats"), (self.agents, "Agents", "agents"),
                   (self.entities, "Entities", "entities"), (self.sync, "Sync", "sync"))
        for page, title, glyph in entries:
            self.pages.addTab(page, icon(glyph), title)
        self.rail = NavRail(self.pages, [(title, glyph) for _page, title, glyph in entries])
        # Clicked, a page takes the keyboard (Search its query): typing after a click went to the rail.
        self.rail.page_clicked.connect(lambda _row: self.focus_current_page())
        self.search.open_requested.connect(self._on_search_open_requested)
        self.entities.open_requested.connect(self._on_search_open_requested)
        self.browser.detail.entity_clicked.connect(self._on_detail_entity_clicked)
        self.browser.namespace_requested.connect(self._on_browser_namespace_requested)
        self.agents.idle_lock_agents_changed.connect(lambda value: self.setting_changed.emit("idle_lock_agents", value))
        self.banner = HealthBanner()
        columns = QHBoxLayout()
        columns.setContentsMargins(0, 0, 0, 0)
        columns.setSpacing(0)
        columns.addWidget(sidebar(self.rail, self.sidebar))
        self.pages.setContentsMargins(8, 8, 8, 0)
        columns.addWidget(self.pages, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addLayout(columns, 1)
        self.setCentralWidget(central)
        self.status_line = StatusLine(self.statusBar())
        line = self.status_line
        self.api_status, self.api_port_button = line.api_status, line.api_port_button
        self.sync_status, self.busy = line.sync_status, line.busy
        self.api_port_button.clicked.connect(self.api_port_change_requested.emit)
        self.sync.status_changed.connect(self.sync_status.setText)
        runner.busy_changed.connect(self.busy.setVisible)
        self._build_actions()
        self._claim_shortcuts()
        self.browser.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.browser.model.loaded.connect(self._update_actions)
        self.pages.currentChanged.connect(self._on_pages_current_changed)
        geometry = state.geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            fit_to_screen(self)
        self.pages.setCurrentIndex(min(max(state.page(), 0), self.pages.count() - 1))
        # The bridge is the one source of refreshes, whoever made the change (this window, an agent).
        bridge.memories_changed.connect(self._on_bridge_memories_changed)
        # The detail pane follows its memory (e.g. "processing" becomes "ready" when its vectors arrive).
        bridge.memories_changed.connect(self.browser.on_memories_changed)
        bridge.views_stale.connect(self._on_bridge_views_stale)
        bridge.memories_changed.connect(self.sync.on_memories_changed)
        self.sync.conflicts_counted.connect(self._on_sync_conflicts_counted)
        # The first page need not wait for the sidebar's counts: both run at once (unless the
        # remembered namespace has to be recognised in the list first).
        if self._pending_token is None:
            self._apply_scope(self._scope_key)
        self.refresh_namespaces()
        self._update_actions()

    def _action(self, text: str, glyph: str | None, shortcut: QKeySequence | QKeySequence.StandardKey | None,
                slot) -> QAction:
        action = QAction(text, self)
        if glyph is not None:
            action.setIcon(icon(glyph))
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)  # every binding the platform has for it
        elif shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action("New memory…", "new", QKeySequence.New, self._on_new_triggered)
        self.capture_action = self._action("Quick capture…", "quick_capture", QKeySequence("Ctrl+Shift+Space"),
                                           self.capture_requested.emit)
        self.save_action = self._action("Save edits", "save", QKeySequence.Save, self._on_save_triggered)
        self.delete_action = self._action("Move to trash", "delete", QKeySequence.Delete,
                                          self.browser.delete_selected)
        self.reembedding = Reembedding(self, self._runner, self._services)
        self.reembed_action = self._action("Re-embed memories…", "reembed", None, self.reembedding.ask)
        self.model_action = self._action("Search model…", "reembed", None, self.reembedding.choose_model)
        self.reembedding.model_switched.connect(self.lock_requested.emit)  # reopened with the vault's new model
        self.integrity = IntegrityCheck(self, self._runner, self._services)
        self.check_action = self._action("Check integrity…", "check", None, self.integrity.start)
        self.transfers = TransferCommands(self, self._runner, self._services, lambda: self.scope()[0])
        self.export_action = self._action("Export namespaces…", "export", None, self.transfers.export)
        self.import_action = self._action("Import bundle…", "import", None, self.transfers.choose_bundle)
        self.backup_action = self._action("Back up…", "backup", None, self.transfers.back_up)
        self.readable = ReadableCommands(self, self._runner, self._services, lambda: self.scope()[0])
        self.import_from_action = self._action("Import from…", "import", None, self.readable.import_from)
        self.export_readable_action = self._action("Export readable copy…", "export", None, self.readable.export)
        self.share_action = self._action("Share namespace…", "export", None, self._on_share_triggered)
        self.setAcceptDrops(True)  # a .mvbundle dropped anywhere on the window opens the import preview
        self.lock_action = self._action("Lock", "lock", QKeySequence("Ctrl+L"), self.lock_requested.emit)
        self.quit_action = self._action("Quit", "quit", QKeySequence("Ctrl+Q"), self.quit_requested.emit)
        self.find_action = self._action("Find", "search", QKeySequence.Find, self._on_find_triggered)
        self.page_actions = [
            self._action(title, glyph, QKeySequence(f"Ctrl+{i + 1}"), lambda i=i: self.show_page(i))
            for i, (title, glyph) in enumerate((("Memories", "memories"), ("Search", "search"),
                                                ("Stats", "stats"), ("Agents", "agents"),
                                                ("Entities", "entities"), ("Sync", "sync")))]
        self.settings_action = self._action("Settings…", "settings", QKeySequence("Ctrl+,"),
                                            self.settings_requested.emit)
        self.palette_action = self._action("Command palette…", "search", QKeySequence("Ctrl+K"),
                                           self.open_command_palette)
        home = self._services.settings.home_path
        self.help_actions = [
            self._action("Getting started", "open", QKeySequence.HelpContents,
                         lambda: show_text(self, "Getting started", GETTING_STARTED)),
            self._action("Keyboard shortcuts", None, None,
                         lambda: show_text(self, "Keyboard shortcuts", shortcuts_text(self.findChildren(QAction)))),
            self._action("About Memvault", None, None, lambda: show_text(self, "About Memvault", about_text(home))),
        ]
        file = self.menuBar().addMenu("&File")
        file.addActions([self.export_action, self.import_action])
        file.addSeparator()
        file.addActions([self.import_from_action, self.export_readable_action])
        file.addSeparator()
        file.addAction(self.share_action)
        memory = self.menuBar().addMenu("&Memory")
        memory.addActions([self.new_action, self.capture_action, self.save_action, self.delete_action])
        vault = self.menuBar().addMenu("&Vault")
        vault.addActions([self.backup_action, self.reembed_action, self.model_action, self.check_action])
        vault.addAction(self.settings_action)
        vault.addSeparator()
        vault.addActions([self.lock_action, self.quit_action])
        view = self.menuBar().addMenu("Vie&w")
        view.addActions(self.page_actions)
        view.addSeparator()
        view.addActions([self.find_action, self.palette_action])
        self.menuBar().addMenu("&Help").addActions(self.help_actions)

    def _on_share_triggered(self) -> None:
        from memvault.gui.share_dialog import ShareDialog

        self.share_dialog = ShareDialog(self._services, self._runner, self.scope()[0], self)
        self.share_dialog.show()

    def _claim_shortcuts(self) -> None:
        """Silence any page's own shortcut for a key this window's actions own.

        Two enabled bindings of one key in one window make Qt report an ambiguous
        shortcut and run neither, so each key has exactly one owner: an action here.
        """
        owned = {seq.toString() for action in self.findChildren(QAction) for seq in action.shortcuts()}
        for page in (self.browser, self.search, self.stats, self.agents):
            for shortcut in page.findChildren(QShortcut):
                if any(seq.toString() in owned for seq in shortcut.keys()):  # noqa: SIM118 (QShortcut.keys, not a dict)
                    shortcut.setEnabled(False)

    def _update_actions(self) -> None:
        on_memories = self.pages.currentWidget() is self.browser
        trash = self._scope_key == TRASH
        self.new_action.setEnabled(not trash)
        self.delete_action.setEnabled(on_memories and not trash and self.browser.selected() is not None)

    # -- namespaces ----------------------------------------------------------

    def refresh_namespaces(self) -> None:
        stats = self._services.stats
        self._runner.run(lambda: (stats.namespaces(), stats.trash_count()), self._on_namespaces_loaded, owner=self)

    def _on_namespaces_loaded(self, loaded: tuple[list[Namespace], int]) -> None:
        namespaces, in_trash = loaded
        current = self._scope_key
        if self._pending_token is not None:
            current = next((n.name for n in namespaces
                            if namespace_token(n.name, self._vault_id) == self._pending_token), DEFAULT)
            self._pending_token = None
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        total = sum(n.memory_count for n in namespaces)
        self.browser.set_vault_total(total)
        self._counts = {ALL_NAMESPACES: total} | {n.name: n.memory_count for n in namespaces} | {TRASH: in_trash}
        self.search.set_namespace_counts({n.name: n.memory_count for n in namespaces})
        entries = [(ALL_NAMESPACES, "All namespaces", f"{total:,}", "all_namespaces")]
        entries += [(n.name, n.name, f"{n.memory_count:,}", "namespace") for n in namespaces]
        entries.append((TRASH, "Trash", f"{in_trash:,}" if in_trash else "", "trash"))
        if not any(n.name == DEFAULT for n in namespaces):
            entries.insert(1, (DEFAULT, DEFAULT, "0", "namespace"))
        for key, label, count, glyph in entries:
            item = scope_item(self.sidebar, glyph, label, count)
            item.setData(256, key)
            self.sidebar.addItem(item)
            if key == current:
                self.sidebar.setCurrentItem(item)
        if self.sidebar.currentItem() is None:  # the remembered namespace is gone
            self.sidebar.setCurrentRow(1)
        self.sidebar.blockSignals(False)
        # The rebuild above happens with signals blocked; apply a changed scope here.
        key = self.sidebar.currentItem().data(256)
        if key != self._applied_scope:
            self._apply_scope(key)
        self._count_scope()

    def _count_scope(self) -> None:
        """The rail's Memories count is the scope's, as the list below it shows."""
        self.rail.set_count(0, self._counts.get(self._scope_key))

    def scope(self) -> tuple[str | None, bool]:
        if self._scope_key == TRASH:
            return None, True
        return (None if self._scope_key == ALL_NAMESPACES else self._scope_key), False

    def _on_sidebar_current_item_changed(self, current: QListWidgetItem | None,
                                         _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self._apply_scope(current.data(256))

    def _select_scope(self, key: str) -> None:
        """Choose ``key`` in the sidebar (which applies it), or apply it when the list does not hold it yet."""
        item = next((self.sidebar.item(i) for i in range(self.sidebar.count())
                     if self.sidebar.item(i).data(256) == key), None)
        self.sidebar.setCurrentItem(item) if item is not None else self._apply_scope(key)

    def _apply_scope(self, key: str) -> None:
        self._scope_key = self._applied_scope = key
        namespace, trash = self.scope()
        if trash and self.pages.currentWidget() in self._scoped_pages():
            # Only the Memories page shows the trash: Stats went on showing every namespace under "Trash".
            self.pages.setCurrentWidget(self.browser)
        self.browser.show_scope(namespace, trash)
        self.search.set_namespace(namespace)
        self.agents.set_namespace(namespace)
        if self.pages.currentWidget() is self.stats:
            self.stats.set_namespace(namespace)
        elif self.pages.currentWidget() is self.entities:
            self.entities.set_namespace(namespace)
        self._count_scope()
        self._update_actions()

    def _scoped_pages(self) -> tuple[QWidget, ...]:  # the pages that show one namespace or all, never the trash
        return (self.search, self.stats, self.agents, self.entities)

    def _on_pages_current_changed(self, _index: int) -> None:
        if self._scope_key == TRASH and self.pages.currentWidget() in self._scoped_pages():
            self._select_scope(ALL_NAMESPACES)  # what such a page shows then, said in the list too
        if self.pages.currentWidget() is self.stats:
            self.stats.set_namespace(self.scope()[0])
        elif self.pages.currentWidget() is self.agents:
            self.agents.refresh()
        elif self.pages.currentWidget() is self.entities:
            self.entities.set_namespace(self.scope()[0])
        self._update_actions()
        # A page chosen by shortcut or the palette hides the widget the keyboard was on: take the keyboard to
        # the new page's first stop (its list, for Memories), unless it is on the rail, which follows the pages.
        if QApplication.focusWidget() not in (self.rail, self.sidebar):
            self.focus_current_page()

    def show_page(self, index: int) -> None:
        """Go to page ``index`` (Ctrl+1…6, the palette); the keyboard goes along, even from the rail."""
        self.pages.setCurrentIndex(index)
        self.focus_current_page()

    def focus_current_page(self) -> None:
        """Put the keyboard on the current page's main stop (its list for Memories, the query for Search)."""
        page = self.pages.currentWidget()
        target = {self.browser: self.browser.table, self.search: self.search.query}.get(page) or first_focusable(page)
        if target is not None:
            target.setFocus(Qt.TabFocusReason)

    def _on_sync_conflicts_counted(self, count: int) -> None:
        self.pages.setTabText(self.pages.indexOf(self.sync), f"Sync ({count})" if count else "Sync")
        self.rail.set_count(self.pages.indexOf(self.sync), count)

    def _on_browser_namespace_requested(self, namespace: str) -> None:
        self._apply_scope(namespace)
        self.refresh_namespaces()  # selects it in the list (a new namespace appears there first)

    def _on_detail_entity_clicked(self, namespace: str, value: str) -> None:
        # In the scope the sidebar shows (it said "All namespaces" over "In default: …"); from the trash, which the
        # Entities page does not show, in the memory's namespace, chosen in the sidebar too.
        if self._scope_key == TRASH:
            self._select_scope(namespace)
        self.entities.show_entity(self.scope()[0], value)
        self.pages.blockSignals(True)  # the page change would scope the Entities page anew, losing the entity
        self.pages.setCurrentWidget(self.entities)
        self.pages.blockSignals(False)
        self.rail.setCurrentRow(self.pages.indexOf(self.entities))  # which follows the pages' signal otherwise
        self._update_actions()

    def _on_search_open_requested(self, memory_id: str) -> None:
        if self._scope_key == TRASH:  # a hit is a live memory: "The trash is empty." stood beside it
            self._select_scope(ALL_NAMESPACES)
        self.pages.setCurrentWidget(self.browser)
        # Hiding the search page had handed the keyboard to the rail, where Down changes the page.
        self.focus_current_page()
        self.browser.select_memory(memory_id)

    def _on_new_triggered(self) -> None:
        self.pages.setCurrentWidget(self.browser)
        self.browser.new_memory()

    def open_command_palette(self) -> None:
        self.command_palette = CommandPalette(menu_commands(self.menuBar(), self.palette_action), self)
        self.command_palette.open_over(self)

    def _on_save_triggered(self) -> None:
        self.browser.detail.save_now()

    def _on_find_triggered(self) -> None:
        self.pages.setCurrentWidget(self.search)
        self.search.query.setFocus()
        self.search.query.selectAll()

    # -- remembered state ----------------------------------------------------------

    def save_state(self) -> None:
        """Remember geometry, page and scope for the next unlock or launch."""
        if self._pending_token is not None:
            scope = self._pending_token  # not matched yet: keep what was remembered
        else:
            scope = _SAVED_SCOPES.get(self._scope_key) or namespace_token(self._scope_key, self._vault_id)
        self._state.save_window(self.saveGeometry(), self.pages.currentIndex(), scope)

    # -- the agent API and vault health ------------------------------------------------

    def show_api_running(self, url: str) -> None:
        self.status_line.api_running(url)
        self.agents.set_server(url)

    def show_api_stopped(self, reason: str, *, offer_other_port: bool) -> None:
        self.status_line.api_stopped(reason, offer_other_port=offer_other_port)
        self.agents.set_server(None, reason)

    # -- live updates ----------------------------------------------------------

    def _on_bridge_memories_changed(self, event: ChangeEvent) -> None:
        # The Agents page lists what agents (API keys) did: the user's own edits here are not theirs.
        if event.kind != ChangeKind.EMBEDDED and event.origin.kind is OriginKind.AGENT:
            namespace = event.namespaces[0] if len(event.namespaces) == 1 else ""
            self.agents.add_activity(event.kind.value, len(event.memory_ids), namespace, event.origin.key_id)

    def _on_bridge_views_stale(self, counts_moved: bool) -> None:
        # An edit moves no count: the page is read again, the total kept.
        self.browser.refresh(recount=counts_moved)
        if counts_moved:
            self.refresh_namespaces()
        if self.pages.currentWidget() is self.stats:
            self.stats.refresh()
        elif self.pages.currentWidget() is self.entities:
            self.entities.reload()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if bundle_path_of(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = bundle_path_of(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.transfers.import_file(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.close_requested.emit()
