"""Connecting an MCP client from the Agents page: its config written with a backup, a credential of its own."""

import json
import stat

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from memvault.domain.errors import Unauthorized
from memvault.service import mcp_config
from tests.helpers import PASSPHRASE


@pytest.fixture
def client_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


@pytest.mark.parametrize("client", ["claude-desktop", "cursor", "vscode", "claude-code"])
def test_connect_button_installs_the_client_with_a_revocable_credential(qtbot, desktop, client_home, client,
                                                                       monkeypatch):
    agents = desktop.window.agents
    target = mcp_config.config_path(client)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"other": 1}))  # kept, and backed up
    agents.connect_namespace.setCurrentText("work")
    button = agents.connect_buttons[client]
    button.setFocus()
    qtbot.keyClick(button, Qt.Key_Space)  # by keyboard
    qtbot.waitUntil(lambda: getattr(agents, "connected", None) is not None and agents.connected.isVisible(),
                    timeout=20_000)
    doc = json.loads(target.read_text())
    servers = doc["servers" if client == "vscode" else "mcpServers"]
    entry = servers["memvault"]
    assert doc["other"] == 1 and list(target.parent.glob(f"{target.name}.*.bak"))
    args = entry["args"]
    assert args[args.index("--namespace") + 1] == "work" and "--passphrase-file" not in args
    credential = mcp_config.default_credential_file(client)
    assert args[args.index("--credential-file") + 1] == str(credential)
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    secret = credential.read_text().strip()
    assert secret.startswith("mv_") and PASSPHRASE not in target.read_text() + credential.read_text()
    home = desktop.services.settings.home_path
    assert mcp_config.data_key_from_credential(home, secret) == desktop.services.vault.data_key
    key = desktop.services.keys.authenticate(secret)
    assert key.namespace == "work"
    agents.connected.close()
    # Revoking its key on the page cuts the client off: the wrapped data key is gone too.
    qtbot.waitUntil(lambda: any(k.id == key.id for k in agents._key_rows), timeout=10_000)
    agents.keys.selectRow(next(i for i, k in enumerate(agents._key_rows) if k.id == key.id))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
    agents._on_revoke_clicked()
    qtbot.waitUntil(lambda: not (home / mcp_config.CREDENTIALS_FOLDER).exists()
                    or not list((home / mcp_config.CREDENTIALS_FOLDER).glob("*.json")), timeout=10_000)
    with pytest.raises(Unauthorized):
        mcp_config.data_key_from_credential(home, secret)


def test_generic_snippet_is_copied(qtbot, desktop, client_home):
    agents = desktop.window.agents
    agents.connect_client("generic")
    qtbot.waitUntil(lambda: getattr(agents, "connected", None) is not None and agents.connected.isVisible(),
                    timeout=20_000)
    pasted = json.loads(QGuiApplication.clipboard().text())
    assert "--credential-file" in pasted["mcpServers"]["memvault"]["args"]
    agents.connected.close()


def test_idle_lock_setting_is_on_the_agents_page(qtbot, desktop):
    combo = desktop.window.agents.idle_lock_agents
    assert combo.currentData() == "answer_locked"
    combo.setFocus()
    with qtbot.waitSignal(desktop.window.setting_changed) as changed:
        combo.setCurrentIndex(combo.findData("stay_unlocked"))
        combo.activated.emit(combo.currentIndex())
    assert changed.args == ["idle_lock_agents", "stay_unlocked"]
    # The same words as in Settings (they said the same thing two ways).
    from memvault.gui.preferences import SettingsDialog

    dialog = SettingsDialog(desktop.settings, environ={})
    qtbot.addWidget(dialog)
    settings_combo = dialog.editors["idle_lock_agents"]
    assert [settings_combo.itemText(i) for i in range(settings_combo.count())] == \
        [combo.itemText(i) for i in range(combo.count())]
    assert combo.accessibleName() == "While agents work"


def test_revoke_and_copy_url_are_on_only_when_they_can_work(qtbot, desktop):
    from memvault.gui.agents_view import AgentsView

    desktop.services.keys.create("default", "read", "cursor")
    window = desktop.window
    agents = window.agents
    window.pages.setCurrentWidget(agents)
    qtbot.waitUntil(lambda: agents.keys.rowCount() == 1, timeout=10_000)
    agents.keys.clearSelection()
    assert not agents.revoke.isEnabled()  # no key chosen: nothing to revoke
    agents.keys.selectRow(0)
    assert agents.revoke.isEnabled()
    agents.keys.clearSelection()
    assert not agents.revoke.isEnabled()
    assert agents.copy_url.isEnabled()  # the API runs here
    window.show_api_stopped("the port is taken", offer_other_port=False)
    assert not agents.copy_url.isEnabled()
    fresh = AgentsView(desktop.services, desktop.runner)  # as with MEMVAULT_API_IN_GUI=false: never started
    qtbot.addWidget(fresh)
    assert not fresh.copy_url.isEnabled() and not fresh.revoke.isEnabled()
    desktop.runner.wait()


def test_tab_reaches_the_configuration_before_the_activity_below_it(qtbot, desktop):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window = desktop.window
    agents = window.agents
    window.pages.setCurrentWidget(agents)
    qtbot.waitUntil(lambda: agents.configs.count() > 0, timeout=10_000)
    window.activateWindow()
    agents.connect_buttons[next(iter(agents.connect_buttons))].setFocus(Qt.TabFocusReason)
    order = []
    for _ in range(20):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        order.append(QApplication.focusWidget())
        if QApplication.focusWidget() is agents.activity:
            break
    config = agents.configs.currentWidget()
    assert config in order and agents.activity in order and order.index(config) < order.index(agents.activity)


def test_a_client_is_connected_to_the_namespace_the_window_shows(qtbot, desktop):
    # With the rail on "personal", "Connect an MCP client" still offered "default".
    from memvault.domain.models import MemoryCreate

    desktop.services.memories.create(MemoryCreate(content="Sam's bakery is on Naschmarkt", namespace="personal"))
    window = desktop.window
    sidebar = window.sidebar
    window.refresh_namespaces()
    qtbot.waitUntil(lambda: any(sidebar.item(i).data(256) == "personal" for i in range(sidebar.count())),
                    timeout=20_000)
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).data(256) == "personal"))
    assert window.agents.connect_namespace.currentText() == "personal"
    snippets = window.agents.configs
    qtbot.waitUntil(lambda: snippets.count() > 0, timeout=10_000)
    assert '"--namespace",\n        "personal"' in snippets.widget(0).toPlainText()  # the snippets say so too
    sidebar.setCurrentRow(0)  # all namespaces: a client reads one, the default
    assert window.agents.connect_namespace.currentText() == "default"


def test_the_keys_last_use_is_read_again_while_the_page_is_shown(qtbot, desktop):
    """"Last used" said "never" for minutes beside a key whose memories were in the list: the table was read when
    the page was first shown only."""
    window = desktop.window
    agents = window.agents
    key, _secret = desktop.services.keys.create("default", "read,write", "laptop")
    agents.key_refresh.setInterval(100)
    window.show()
    window.pages.setCurrentWidget(agents)
    qtbot.waitUntil(lambda: agents.keys.rowCount() == 1 and agents.keys.item(0, 4).text() == "never", timeout=10_000)
    assert agents.key_refresh.isActive()
    agents.keys.selectRow(0)
    desktop.services.usage.record(key.id, calls=1)
    desktop.services.usage.flush()
    qtbot.waitUntil(lambda: agents.keys.item(0, 4).text() != "never", timeout=10_000)
    assert agents.revoke.isEnabled() and agents.keys.selectionModel().selectedRows()  # the choice survives it
    window.pages.setCurrentWidget(window.browser)
    assert not agents.key_refresh.isActive()  # only while it is shown
