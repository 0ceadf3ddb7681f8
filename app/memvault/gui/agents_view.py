"""The Agents page: the local API, its keys, MCP configs and recent agent activity."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from memvault.domain.errors import MemvaultError
from memvault.domain.models import ApiKey
from memvault.gui.icons import icon
from memvault.gui.key_dialogs import KeyRevealDialog, NewKeyDialog
from memvault.gui.preferences import IDLE_LOCK_AGENTS, USER_SETTINGS
from memvault.gui.row_table import RowTable
from memvault.gui.tasks import TaskRunner
from memvault.gui.widgets import empty_state_over
from memvault.service import keychain, mcp_config
from memvault.service.container import Services
from memvault.gui.wording import sentence

MAX_ACTIVITY = 200
#: How often the shown page reads its keys again (their "Last used"; usage is written every 2 s).
KEYS_REFRESH_MS = 5_000
LAST_USED_FORMAT = "%Y-%m-%d %H:%M"
#: What the activity list says before an agent stores, changes or deletes anything while the app is open.
NO_ACTIVITY = "Nothing yet: what agents store, change or delete while this window is open shows here."


#: A key row's height (px) in the keys table, for its minimum height.
KEY_ROW_HEIGHT = 30

#: The keys table's line while the vault has no key (the memory list's empty state says what to do, as this does).
NO_KEYS = ("No API keys yet. <b>New key…</b> makes one for an agent; a <b>Connect</b> button below makes one "
           "for a client.")
#: Shown where an API key goes until one is created on this page (ASCII: it survives any JSON encoder).
KEY_PLACEHOLDER = "mv_YOUR_API_KEY"
#: Tab titles of the stdio clients, in the CLI's order (``memvault mcp config --client ...``).
CLIENT_TITLES = {"claude-desktop": "Claude Desktop", "claude-code": "Claude Code", "cursor": "Cursor",
                 "vscode": "VS Code"}
#: The snippet a client without a button gets (the common ``mcpServers`` JSON).
GENERIC = "generic"
HTTP_TITLE = "Over HTTP"


@dataclass(frozen=True)
class SnippetContext:
    """What the snippets depend on beyond the page's own state, read off the GUI thread."""

    launcher: mcp_config.Launcher
    vault: Path
    #: ``None`` when the stdio server unlocks with the key in the OS keychain.
    passphrase_file: Path | None
    passphrase_file_state: str


def snippet_context(home: Path) -> SnippetContext:
    """As ``memvault mcp config`` decides it: the keychain when there is one, else a credential per client (I/O)."""
    return SnippetContext(mcp_config.current_launcher(), home.absolute(), None,
                          "keychain" if keychain.available() else "credential")


def mcp_configs(context: SnippetContext, namespace: str, url: str | None, key: str | None = None) -> dict[str, str]:
    """Tab title -> what to paste: the same stdio snippets as ``memvault mcp config``, and HTTP ones for the app."""
    configs = {}
    for client, title in CLIENT_TITLES.items():
        credential = (mcp_config.default_credential_file(client) if context.passphrase_file_state == "credential"
                      else None)
        entry = mcp_config.stdio_entry(context.launcher, namespace=namespace, vault=context.vault,
                                       passphrase_file=None, credential_file=credential)
        configs[title] = mcp_config.snippet(client, entry)
    if url:
        http = mcp_config.http_entry(url, key or KEY_PLACEHOLDER)
        configs[HTTP_TITLE] = (f"# Cursor ({mcp_config.config_path('cursor')}) or any client that takes a URL:\n"
                               f"{mcp_config.snippet('cursor', http)}\n\n# Claude Code:\n"
                               f"{mcp_config.snippet('claude-code', http)}")
    return configs


def unlock_note(context: SnippetContext) -> str:
    """How a stdio server started by a client unlocks the vault, and what is still to do."""
    # On a line of its own: inside a sentence Qt broke it at "--" whatever the markup ("… --" / "client …").
    setup = "<br><code>memvault mcp config --client &lt;client&gt; --install</code>"
    if context.passphrase_file_state == "keychain":
        how = "The server unlocks with the vault's key in the OS keychain"
    else:
        how = ("No OS keychain here: each client gets a credential of its own (a revocable key for one namespace), "
               "never the vault passphrase")
    return (f"{how}. The HTTP snippets need the app running and an API key. The Connect buttons above set the client "
            f"up and write its config, with a backup, as does this in a terminal:{setup}")


@dataclass(frozen=True)
class Connected:
    """What connecting a client did: its key, the file changed (with its backup), or the snippet to paste."""

    client: str
    key: ApiKey
    result: mcp_config.InstallResult | None
    snippet: str


def connect_client(services: Services, client: str, namespace: str) -> Connected:
    """What ``memvault mcp config --client CLIENT --install`` does, with a credential of the client's own
    (never the vault passphrase). File I/O and crypto: run it off the GUI thread."""
    credential_file = mcp_config.default_credential_file(client)
    entry = mcp_config.stdio_entry(mcp_config.current_launcher(), namespace=namespace,
                                   vault=services.settings.home_path.absolute(), passphrase_file=None,
                                   credential_file=credential_file)
    if client != GENERIC:
        mcp_config.installable(client, mcp_config.config_path(client))  # before a key is made for it
    key = mcp_config.issue_credential(services, client, namespace, credential_file)
    if client == GENERIC:
        return Connected(client, key, None, mcp_config.snippet("claude-desktop", entry))
    return Connected(client, key, mcp_config.install(client, entry), mcp_config.snippet(client, entry))


class AgentsView(QWidget):
    """API status and URL, keys, MCP configs and recent activity.

    Signals:
        idle_lock_agents_changed(str): the user chose how the idle lock treats agents.
    """

    idle_lock_agents_changed = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._url: str | None = None
        # The keys' "Last used" moves while agents work: read again while the page is shown ("never" stayed for
        # minutes beside a key whose memories were listed).
        self.key_refresh = QTimer(self, interval=KEYS_REFRESH_MS, timeout=self.refresh)
        self.status = QLabel("API server: stopped")
        self.status.setAccessibleName("API server status")
        self.copy_url = QPushButton(icon("copy"), "Copy URL")
        self.copy_url.setAccessibleName("Copy API URL")
        self.copy_url.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._url or ""))
        self.copy_url.setEnabled(False)  # until the API runs: a stopped server has no URL to copy
        self.keys = RowTable(0, 5)
        self.keys.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.keys.setHorizontalHeaderLabels(["Name", "Namespace", "Scopes", "Key", "Last used"])
        self.keys.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.keys.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.keys.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.keys.horizontalHeader().setStretchLastSection(True)
        self.keys.verticalHeader().setVisible(False)
        self.keys.setAccessibleName("API keys")
        # Over the table's viewport, as the memory list's and the entities' empty states are; shown once the keys
        # have been read, so a slow read never says there are none.
        self.no_keys = empty_state_over(self.keys, "No API keys", NO_KEYS, style="padding: 8px;")
        create = QPushButton(icon("key"), "New key…")
        create.setAccessibleName("Create API key")
        create.clicked.connect(self._on_create_clicked)
        self.revoke = revoke = QPushButton(icon("delete"), "Revoke")
        revoke.setAccessibleName("Revoke API key")
        revoke.clicked.connect(self._on_revoke_clicked)
        revoke.setEnabled(False)  # until a key is chosen
        self.keys.selectionModel().selectionChanged.connect(self._on_keys_selection_changed)
        self.configs = QTabWidget()
        self.configs.setAccessibleName("MCP configurations")
        copy_config = QPushButton(icon("copy"), "Copy")
        copy_config.setAccessibleName("Copy MCP configuration")
        copy_config.setToolTip("Copy the configuration shown to the clipboard")
        copy_config.clicked.connect(self._on_copy_config_clicked)
        self.configs.setCornerWidget(copy_config)
        self.config_note = QLabel()
        self.config_note.setAccessibleName("How the MCP server unlocks")
        self.config_note.setWordWrap(True)
        self.config_note.setTextFormat(Qt.RichText)
        self.activity = QListWidget()
        self.activity.setAccessibleName("Recent agent activity")
        # Until an agent does something, say what will show here (a blank box looked broken beside keys last used).
        waiting = QListWidgetItem(NO_ACTIVITY)
        waiting.setFlags(Qt.NoItemFlags)
        self.activity.addItem(waiting)
        # One button per client does what `memvault mcp config --client … --install` does.
        self.connect_namespace = QComboBox()
        self.connect_namespace.setEditable(True)
        self.connect_namespace.addItem("default")
        self.connect_namespace.setAccessibleName("Namespace the client reads and writes")
        self.connect_buttons: dict[str, QPushButton] = {}
        # Two rows of three: the page stays narrow enough for a 1,100-px window.
        connect_row = QGridLayout()
        connect_row.setHorizontalSpacing(8)
        connect_row.setVerticalSpacing(8)
        connect_row.addWidget(QLabel("Namespace"), 0, 0)
        connect_row.addWidget(self.connect_namespace, 0, 1)
        for position, (client, title) in enumerate( (*CLIENT_TITLES.items(), (GENERIC, "Copy snippet"))):
            button = QPushButton(icon("copy" if client == GENERIC else "agents"),
                                 title if client == GENERIC else f"Connect {title}")
            button.setAccessibleName("Copy a snippet for another client" if client == GENERIC
                                     else f"Connect {title}")
            button.setToolTip("Gives the client a key of its own for this namespace (revocable below) and "
                              + ("copies its configuration" if client == GENERIC else
                                 f"adds Memvault to {mcp_config.config_path(client)}, keeping a backup"))
            button.clicked.connect(lambda _c=False, client=client: self.connect_client(client))
            connect_row.addWidget(button, position // 3, 2 + position % 3)
            self.connect_buttons[client] = button
        connect_row.setColumnStretch(5, 1)
        self.idle_lock_agents = QComboBox()
        self.idle_lock_agents.setAccessibleName(USER_SETTINGS["idle_lock_agents"])
        for value, label in IDLE_LOCK_AGENTS.items():
            self.idle_lock_agents.addItem(label, value)
        self.idle_lock_agents.activated.connect(
            lambda _i: self.idle_lock_agents_changed.emit(self.idle_lock_agents.currentData()))
        self.idle_lock_agents.setCurrentIndex(
            max(0, self.idle_lock_agents.findData(services.settings.idle_lock_agents)))
        head = QHBoxLayout()
        head.addWidget(self.status, 1)
        head.addWidget(self.copy_url)
        key_buttons = QHBoxLayout()
        key_buttons.addStretch(1)
        key_buttons.addWidget(create)
        key_buttons.addWidget(revoke)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(QLabel("<b>API keys</b> (each bound to one namespace; shown once when created)"))
        # Three keys in view at 768 px before it scrolls (two and a scroll bar read as a broken table).
        self.keys.setMinimumHeight(self.keys.horizontalHeader().sizeHint().height() + 3 * KEY_ROW_HEIGHT + 4)
        layout.addWidget(self.keys, 1)
        layout.addLayout(key_buttons)
        idle = QHBoxLayout()
        idle.addWidget(QLabel(USER_SETTINGS["idle_lock_agents"]))
        idle.addWidget(self.idle_lock_agents, 1)
        layout.addLayout(idle)
        layout.addWidget(QLabel("<b>Connect an MCP client</b> (it gets a key of its own; the vault passphrase "
                                "is stored nowhere)"))
        layout.addLayout(connect_row)
        layout.addWidget(self.configs, 2)
        layout.addWidget(self.config_note)
        layout.addWidget(QLabel("<b>Recent activity</b>"))
        layout.addWidget(self.activity, 1)
        self._key_rows: list[ApiKey] = []
        #: When this window saw each key used (:meth:`add_activity`), by key id.
        self._used_at: dict[int, float] = {}
        #: The namespace and secret of a key created on this page, filled into the snippets.
        self._new_key: tuple[str, str | None] | None = None
        self._snippet_context: SnippetContext | None = None
        home = services.settings.home_path
        runner.run(lambda: snippet_context(home), self._on_snippet_context_read, owner=self)
        # The snippets name the namespace the buttons would connect to (they said "default" whatever it read).
        self.connect_namespace.currentTextChanged.connect(self._on_connect_namespace_current_text_changed)

    def set_server(self, url: str | None, error: str | None = None) -> None:
        self._url = url
        if url:
            self.status.setText(f"API server: running at <b>{url}</b> (MCP at {url}/mcp)")
        else:
            self.status.setText("API server: stopped" + (f" — {sentence(error)}" if error else ""))
        self.copy_url.setEnabled(bool(url))
        self._show_configs()

    def _on_connect_namespace_current_text_changed(self, _text: str) -> None:
        self._show_configs()

    def _on_snippet_context_read(self, context: SnippetContext) -> None:
        self._snippet_context = context
        self.config_note.setText(unlock_note(context))
        self._show_configs()

    def _show_configs(self) -> None:
        if self._snippet_context is None:
            return  # shown once the launcher and the keychain have been looked at
        shown = self.configs.currentIndex()
        self.configs.clear()
        namespace, secret = self._new_key or (self.connect_namespace.currentText().strip() or "default", None)
        for name, text in mcp_configs(self._snippet_context, namespace, self._url, secret).items():
            box = QPlainTextEdit(text)
            box.setReadOnly(True)
            box.setAccessibleName(f"{name} configuration")
            self.configs.addTab(box, name)
        self.configs.setCurrentIndex(max(shown, 0))
        if self.configs.count():
            # The snippets come in after the page was built, and Tab would reach the activity list below them
            # first: they go back to their place on screen.
            QWidget.setTabOrder(self.configs.widget(self.configs.count() - 1), self.activity)

    def _on_copy_config_clicked(self) -> None:
        box = self.configs.currentWidget()
        if box is not None:
            QGuiApplication.clipboard().setText(box.toPlainText())

    def add_activity(self, kind: str, count: int, namespace: str, key_id: int | None = None) -> None:
        """List what an agent did, by its key's name, and show that key used just now (its "Last used" said "never"
        beside the line saying what it did, until the next read of the table). A key the table has not read yet
        (the page not shown since the app started, a key made in a terminal) is read, and named once it is."""
        if self.activity.count() == 1 and self.activity.item(0).text() == NO_ACTIVITY:
            self.activity.clear()
        now = dt.datetime.now()
        what = f"{kind} {count} memor{'y' if count == 1 else 'ies'}" + (f" in {namespace}" if namespace else "")
        line = QListWidgetItem(f"{now.strftime('%H:%M:%S')}  {what}")
        line.setData(Qt.UserRole, (key_id, line.text()))
        self.activity.insertItem(0, line)
        while self.activity.count() > MAX_ACTIVITY:
            self.activity.takeItem(self.activity.count() - 1)
        if key_id is not None:
            self._used_at[key_id] = now.timestamp()
            if any(k.id == key_id for k in self._key_rows):
                self._show_keys()
            else:
                self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.key_refresh.start()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.key_refresh.stop()
        if self._new_key is not None and self._new_key[1] is not None:
            # Shown once: the snippets hold a new key while its page is on show, not after (they kept it for good).
            self._new_key = (self._new_key[0], None)
            self._show_configs()
        super().hideEvent(event)

    def refresh(self) -> None:
        self._runner.run(self._services.keys.list, self._on_keys_loaded, owner=self)

    def set_namespace(self, namespace: str | None) -> None:
        """Connect a client to the namespace the window shows (all namespaces or the trash: ``default``); it
        offered ``default`` with the rail on another."""
        self.connect_namespace.setCurrentText(namespace or "default")

    def _on_keys_loaded(self, keys: list[ApiKey]) -> None:
        self._key_rows = [k for k in keys if k.revoked_at is None]
        self._show_keys()

    def _show_keys(self) -> None:
        """The keys' rows, each last used when the vault or this window's activity last saw it (the vault's counters
        are written every few seconds), and the activity lines named by their key."""
        self.keys.setRowCount(len(self._key_rows))
        self.no_keys.setVisible(not self._key_rows)
        names = {k.id: k.name for k in self._key_rows}
        for row, k in enumerate(self._key_rows):
            at = max(k.last_used_at or 0.0, self._used_at.get(k.id, 0.0))
            used = dt.datetime.fromtimestamp(at).strftime(LAST_USED_FORMAT) if at else "never"
            for col, value in enumerate((k.name, k.namespace, ", ".join(sorted(s.value for s in k.scopes)),
                                         f"{k.prefix}…", used)):
                self.keys.setItem(row, col, QTableWidgetItem(value))
        for i in range(self.activity.count()):
            line = self.activity.item(i)
            key_id, text = line.data(Qt.UserRole) or (None, line.text())
            if key_id in names:
                when, what = text.split("  ", 1)
                line.setText(f"{when}  {names[key_id]}: {what}")

    def _on_keys_selection_changed(self, *_args: object) -> None:
        self.revoke.setEnabled(bool(self.keys.selectionModel().selectedRows()))

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", sentence(exc.message))

    def _on_create_clicked(self) -> None:
        namespaces = sorted({k.namespace for k in self._key_rows} | {"default"})
        self.new_key_dialog = dialog = NewKeyDialog(namespaces, self)
        dialog.create_requested.connect(
            lambda namespace, name, scopes: self._on_new_key_dialog_create_requested(dialog, namespace, name, scopes))
        dialog.open()

    def _on_new_key_dialog_create_requested(self, dialog: NewKeyDialog, namespace: str, name: str,
                                            scopes: str) -> None:
        def refused(exc: MemvaultError) -> None:
            if dialog.isVisible():
                dialog.refuse(exc.message)
            else:
                self._error(exc)  # cancelled while it was being made

        def made(created: tuple[ApiKey, str]) -> None:
            if dialog.isVisible():
                dialog.accept()
            self._on_key_created(created)

        self._runner.run(lambda: self._services.keys.create(namespace, scopes, name or None), made, refused,
                         owner=self)

    def _on_key_created(self, created: tuple[ApiKey, str]) -> None:
        key, secret = created
        self._new_key = (key.namespace, secret)
        self._show_configs()
        self.refresh()
        self.revealed = KeyRevealDialog(key.namespace, secret, self)
        self.revealed.open()

    def connect_client(self, client: str) -> None:
        """Set ``client`` up as ``memvault mcp config --install`` would, for the namespace chosen."""
        namespace = self.connect_namespace.currentText().strip() or "default"
        services = self._services
        self._runner.run(lambda: connect_client(services, client, namespace), self._on_client_connected,
                         self._error, owner=self)

    def _on_client_connected(self, done: Connected) -> None:
        self.refresh()
        title = CLIENT_TITLES.get(done.client, "your client")
        if done.result is None:
            QGuiApplication.clipboard().setText(done.snippet)
            text = (f"Copied a configuration for <b>{html.escape(done.key.namespace)}</b>: paste it where your "
                    "client keeps its MCP servers.")
        else:
            backup = f" (backup: {html.escape(str(done.result.backup))})" if done.result.backup else ""
            text = (f"{'Updated' if done.result.replaced else 'Added'} Memvault in "
                    f"{html.escape(str(done.result.path))}{backup}. Restart {title} to use it.")
        self.connected = box = QMessageBox(QMessageBox.Information, f"Connected {title}", text, parent=self)
        box.setTextFormat(Qt.RichText)
        box.setInformativeText(f"{title} uses the key “{done.key.name}” ({done.key.prefix}…) for "
                               f"{done.key.namespace}; revoke it in the list above to cut it off.")
        box.open()

    def _on_revoke_clicked(self) -> None:
        rows = self.keys.selectionModel().selectedRows()
        if not rows:
            return
        key = self._key_rows[rows[0].row()]
        if QMessageBox.question(self, "Revoke key", f"Revoke {key.name} ({key.prefix}…)? Agents using it will "
                                "be refused at once.") == QMessageBox.Yes:
            # The key's client credential, if any, is deleted with it (it stops unlocking the vault).
            self._runner.run(lambda: self._services.keys.revoke(key.id), lambda _k: self.refresh(), self._error,
                             owner=self)
