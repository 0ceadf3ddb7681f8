"""The Agents page: the local API, its keys, MCP configs and recent agent activity."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import MemvaultError
from app.domain.models import ApiKey
from app.gui.icons import icon
from app.gui.tasks import TaskRunner
from app.service.container import Services

MAX_ACTIVITY = 200


#: Shown where an API key goes until one is created on this page.
KEY_PLACEHOLDER = "mv_YOUR_API_KEY"


def memvault_command() -> list[str]:
    """An absolute command line for ``memvault``: desktop clients start servers without the shell's PATH."""
    script = Path(sys.executable).with_name("memvault")
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def mcp_configs(url: str | None, namespace: str, key: str | None = None,
                command: list[str] | None = None) -> dict[str, str]:
    """Copy-paste MCP configurations for the common clients (JSON as the clients read it)."""
    base = url or "http://127.0.0.1:7411"
    bearer = f"Bearer {key or KEY_PLACEHOLDER}"
    program, *prefix = command or memvault_command()
    desktop = {"mcpServers": {"memvault": {"command": program, "args": [
        *prefix, "mcp", "--namespace", namespace, "--passphrase-file", "/path/to/passphrase-file"]}}}
    cursor = {"mcpServers": {"memvault": {"url": f"{base}/mcp", "headers": {"Authorization": bearer}}}}
    return {
        # ensure_ascii=False: clients read UTF-8 JSON, and escapes would not survive a copy into a shell.
        "Claude Desktop": json.dumps(desktop, indent=2, ensure_ascii=False),
        "Claude Code": f'claude mcp add --transport http memvault {base}/mcp --header "Authorization: {bearer}"',
        "Cursor": json.dumps(cursor, indent=2, ensure_ascii=False),
    }


class NewKeyDialog(QDialog):
    """Namespace, name and scopes for a new key."""

    def __init__(self, namespaces: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New API key")
        self.namespace = QComboBox()
        self.namespace.setEditable(True)
        self.namespace.addItems(namespaces or ["default"])
        self.namespace.setAccessibleName("Key namespace")
        self.name = QLineEdit()
        self.name.setAccessibleName("Key name")
        self.scopes = QComboBox()
        self.scopes.addItems(["read,write", "read", "read,write,admin"])
        self.scopes.setAccessibleName("Key scopes")
        form = QFormLayout(self)
        form.addRow("Namespace", self.namespace)
        form.addRow("Name", self.name)
        form.addRow("Scopes", self.scopes)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class AgentsView(QWidget):
    """API status and URL, keys, MCP configs and recent activity."""

    def __init__(self, services: Services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._url: str | None = None
        self.status = QLabel("API server: stopped")
        self.status.setAccessibleName("API server status")
        self.copy_url = QPushButton(icon("copy"), "Copy URL")
        self.copy_url.setAccessibleName("Copy API URL")
        self.copy_url.clicked.connect(lambda: QGuiApplication.clipboard().setText(self._url or ""))
        self.keys = QTableWidget(0, 5)
        self.keys.setHorizontalHeaderLabels(["Name", "Namespace", "Scopes", "Key", "Last used"])
        self.keys.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.keys.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.keys.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.keys.horizontalHeader().setStretchLastSection(True)
        self.keys.verticalHeader().setVisible(False)
        self.keys.setAccessibleName("API keys")
        create = QPushButton(icon("key"), "New key…")
        create.setAccessibleName("Create API key")
        create.clicked.connect(self._on_create_clicked)
        revoke = QPushButton(icon("delete"), "Revoke")
        revoke.setAccessibleName("Revoke API key")
        revoke.clicked.connect(self._on_revoke_clicked)
        self.configs = QTabWidget()
        self.configs.setAccessibleName("MCP configurations")
        copy_config = QPushButton(icon("copy"), "Copy")
        copy_config.setAccessibleName("Copy MCP configuration")
        copy_config.setToolTip("Copy the configuration shown to the clipboard")
        copy_config.clicked.connect(self._on_copy_config_clicked)
        self.configs.setCornerWidget(copy_config)
        self.activity = QListWidget()
        self.activity.setAccessibleName("Recent agent activity")
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
        layout.addWidget(self.keys, 1)
        layout.addLayout(key_buttons)
        layout.addWidget(QLabel("<b>Connect an MCP client</b>"))
        layout.addWidget(self.configs, 3)
        layout.addWidget(QLabel("<b>Recent activity</b>"))
        layout.addWidget(self.activity, 1)
        self._key_rows: list[ApiKey] = []
        #: The namespace and secret of a key created on this page, filled into the snippets.
        self._new_key: tuple[str, str] | None = None
        self._show_configs()

    def set_server(self, url: str | None, error: str | None = None) -> None:
        self._url = url
        if url:
            self.status.setText(f"API server: running at <b>{url}</b> (MCP at {url}/mcp)")
        else:
            self.status.setText(f"API server: stopped{' — ' + error if error else ''}")
        self.copy_url.setEnabled(bool(url))
        self._show_configs()

    def _show_configs(self) -> None:
        shown = self.configs.currentIndex()
        self.configs.clear()
        namespace, secret = self._new_key or ("default", None)
        for name, text in mcp_configs(self._url, namespace, secret).items():
            box = QPlainTextEdit(text)
            box.setReadOnly(True)
            box.setAccessibleName(f"{name} configuration")
            self.configs.addTab(box, name)
        self.configs.setCurrentIndex(max(shown, 0))

    def _on_copy_config_clicked(self) -> None:
        box = self.configs.currentWidget()
        if box is not None:
            QGuiApplication.clipboard().setText(box.toPlainText())

    def add_activity(self, kind: str, count: int, namespace: str) -> None:
        when = dt.datetime.now().strftime("%H:%M:%S")
        self.activity.insertItem(0, f"{when}  {kind} {count} memor{'y' if count == 1 else 'ies'}"
                                    + (f" in {namespace}" if namespace else ""))
        while self.activity.count() > MAX_ACTIVITY:
            self.activity.takeItem(self.activity.count() - 1)

    def refresh(self) -> None:
        self._runner.run(self._services.keys.list, self._on_keys_loaded, owner=self)

    def _on_keys_loaded(self, keys: list[ApiKey]) -> None:
        self._key_rows = [k for k in keys if k.revoked_at is None]
        self.keys.setRowCount(len(self._key_rows))
        for row, k in enumerate(self._key_rows):
            used = dt.datetime.fromtimestamp(k.last_used_at).strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never"
            for col, value in enumerate((k.name, k.namespace, ", ".join(sorted(s.value for s in k.scopes)),
                                         f"{k.prefix}…", used)):
                self.keys.setItem(row, col, QTableWidgetItem(value))

    def _error(self, exc: MemvaultError) -> None:
        QMessageBox.warning(self, "Memvault", exc.message)

    def _on_create_clicked(self) -> None:
        namespaces = sorted({k.namespace for k in self._key_rows} | {"default"})
        dialog = NewKeyDialog(namespaces, self)
        if dialog.exec() != QDialog.Accepted:
            return
        namespace, name, scopes = dialog.namespace.currentText().strip(), dialog.name.text(), dialog.scopes.currentText()
        self._runner.run(lambda: self._services.keys.create(namespace, scopes, name or None),
                         self._on_key_created, self._error, owner=self)

    def _on_key_created(self, created: tuple[ApiKey, str]) -> None:
        key, secret = created
        self._new_key = (key.namespace, secret)
        self._show_configs()
        self.refresh()
        box = QMessageBox(self)
        box.setWindowTitle("New API key")
        box.setText(f"Key for <b>{key.namespace}</b>. Copy it now: it is not shown again.")
        box.setInformativeText(secret)
        box.setTextInteractionFlags(box.textInteractionFlags())
        copy = box.addButton("Copy and close", QMessageBox.AcceptRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(secret))
        box.open()
        self.revealed = box

    def _on_revoke_clicked(self) -> None:
        rows = self.keys.selectionModel().selectedRows()
        if not rows:
            return
        key = self._key_rows[rows[0].row()]
        if QMessageBox.question(self, "Revoke key", f"Revoke {key.name} ({key.prefix}…)? Agents using it will "
                                "be refused at once.") == QMessageBox.Yes:
            self._runner.run(lambda: self._services.keys.revoke(key.id), lambda _k: self.refresh(), self._error, owner=self)
