"""While the app is locked, agents are told so on the same port; the idle lock's treatment of agents is a setting."""

import dataclasses

import httpx
import pytest

from memvault.gui.app import tray_message
from memvault.gui.unlock import UnlockDialog
from tests.helpers import PASSPHRASE


def _mcp(url, body, secret=None):
    headers = {"Accept": "application/json, text/event-stream"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return httpx.post(f"{url}/mcp", json=body, headers=headers, timeout=10)


@pytest.mark.seconds
def test_locked_app_keeps_the_port_and_answers_423_then_serves_again_after_unlock(qtbot, desktop):
    _, secret = desktop.services.keys.create("default", "read,write")
    auth = {"Authorization": f"Bearer {secret}"}
    url = desktop.server.url
    assert httpx.get(f"{url}/v1/memories", headers=auth).status_code == 200
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()  # as the idle lock does
    assert desktop.server is None
    r = httpx.get(f"{url}/v1/memories", headers=auth)
    assert r.status_code == 423
    error = r.json()["error"]
    assert error["code"] == "vault_locked" and "unlock Memvault" in error["message"]
    # MCP: initialize still works, and a tool call is a tool error the model can relay.
    init = _mcp(url, {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                                 "clientInfo": {"name": "t", "version": "1"}}})
    assert init.status_code == 200 and init.json()["result"]["serverInfo"]["name"] == "memvault"
    call = _mcp(url, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "search_memory", "arguments": {"query": "x"}}})
    result = call.json()["result"]
    assert result["isError"] is True and "unlock Memvault" in result["content"][0]["text"]
    # The Host check still applies while locked.
    assert httpx.get(f"{url}/v1/memories", headers={"Host": "evil.test"}).status_code == 403

    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    desktop.dialog.passphrase.setText(PASSPHRASE)
    desktop.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: desktop.server is not None, timeout=30_000)
    assert desktop.server.url == url  # the same port, never closed
    assert httpx.get(f"{url}/v1/memories", headers=auth).status_code == 200


@pytest.mark.seconds
def test_agent_requests_keep_the_vault_unlocked_when_the_setting_says_so(qtbot, desktop):
    _, secret = desktop.services.keys.create("default", "read")
    desktop.settings = dataclasses.replace(desktop.settings, idle_lock_minutes=0.05, idle_lock_agents="stay_unlocked")
    assert httpx.get(f"{desktop.server.url}/v1/memories",
                     headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    desktop.idle.timer.start(50)  # the window's idle time is up, but an agent called within the last 3 s
    qtbot.wait(100)
    assert desktop.services is not None and desktop.idle.timer.isActive()
    # Without agent calls, the remaining time runs out and the vault locks.
    with qtbot.waitSignal(desktop.locked, timeout=10_000):
        pass
    # With the default, agent calls do not count.
    desktop_settings = dataclasses.replace(desktop.settings, idle_lock_agents="answer_locked")
    assert "told to unlock Memvault" in tray_message(desktop_settings)


def test_tray_message_tells_the_truth_about_agents(desktop):
    s = desktop.settings
    assert "agents can still reach it" not in tray_message(s)
    assert "locks after 15 minutes" in tray_message(dataclasses.replace(s, idle_lock_minutes=15))
    assert "until you lock or quit" in tray_message(dataclasses.replace(s, idle_lock_minutes=0))
    assert "without you or an agent" in tray_message(
        dataclasses.replace(s, idle_lock_minutes=15, idle_lock_agents="stay_unlocked"))


def test_turning_the_api_off_while_locked_closes_the_port_at_the_next_unlock(qtbot, desktop):
    url = desktop.server.url
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    assert httpx.get(f"{url}/healthz").status_code == 423
    desktop.change_settings({"api_in_gui": False})
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    desktop.dialog.passphrase.setText(PASSPHRASE)
    desktop.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=30_000)
    qtbot.waitUntil(lambda: desktop.api._parked is None and not desktop.runner.is_busy(), timeout=30_000)
    qtbot.waitUntil(lambda: _refused(url), timeout=10_000)
    assert desktop.server is None


def _refused(url):
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.TransportError:
        return True
    return False
