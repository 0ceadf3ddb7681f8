"""What another process stores while the app is open shows in the app: a command, a separate server, the
``memvault mcp`` an MCP client starts. They announce nothing to the app's bridge; it looks at the vault."""

from __future__ import annotations

import pytest

from memvault.domain.models import MemoryCreate
from memvault.gui import bridge as bridge_module
from memvault.service.container import open_vault
from tests.helpers import PASSPHRASE


@pytest.fixture
def quick_looks(monkeypatch):
    """The bridge looks at the vault every 100 ms instead of every 2 s (set before the app starts)."""
    monkeypatch.setattr(bridge_module, "ELSEWHERE_INTERVAL_MS", 100)


def _in_sidebar(window, namespace: str) -> bool:
    sidebar = window.sidebar
    return any(sidebar.item(i).data(256) == namespace for i in range(sidebar.count()))


def _store_elsewhere(desktop, embedder, namespace: str, content: str) -> None:
    """Store as another process would: services of their own on the same vault, whose changes this app's bridge
    never hears of."""
    other = open_vault(desktop.settings, PASSPHRASE, embedder, background=False)
    try:
        other.memories.create(MemoryCreate(content=content, namespace=namespace))
    finally:
        other.close()


def _counted_looks(desktop) -> list[int]:
    """Each count the bridge reads from the vault, recorded."""
    seen: list[int] = []
    read = desktop._bridge._changes_made

    def counted() -> int:
        seen.append(read())
        return seen[-1]

    desktop._bridge._changes_made = counted
    return seen


def test_a_memory_stored_by_another_process_shows_in_the_sidebar_and_the_list(quick_looks, qtbot, desktop, embedder):
    window = desktop.window
    looks = _counted_looks(desktop)
    qtbot.waitUntil(lambda: len(looks) >= 1, timeout=10_000)
    assert not _in_sidebar(window, "elsewhere")
    window.sidebar.setCurrentRow(0)  # all namespaces
    _store_elsewhere(desktop, embedder, "elsewhere", "Stored by a command while the app was open")
    qtbot.waitUntil(lambda: _in_sidebar(window, "elsewhere"), timeout=10_000)
    # The list of all namespaces is read again too: the new memory is in it.
    model = window.browser.model
    qtbot.waitUntil(lambda: any((m := model.memory_at(row)) is not None and m.content.startswith("Stored by a command")
                                for row in range(model.rowCount())), timeout=10_000)


def test_the_apps_own_change_is_refreshed_once_more_at_most_not_at_every_look(quick_looks, qtbot, desktop):
    stale: list[bool] = []
    desktop._bridge.views_stale.connect(stale.append)
    looks = _counted_looks(desktop)
    qtbot.waitUntil(lambda: len(looks) >= 1, timeout=10_000)
    desktop.services.memories.create(MemoryCreate(content="Typed into the app", namespace="default"))
    qtbot.waitUntil(lambda: len(stale) >= 1, timeout=10_000)
    after = len(looks)
    qtbot.waitUntil(lambda: len(looks) >= after + 6, timeout=20_000)
    # The change's own refresh, and at most one from a look that found it after the change was announced.
    assert 1 <= len(stale) <= 2


def test_a_change_elsewhere_right_after_one_of_the_apps_own_is_not_lost(quick_looks, qtbot, desktop, embedder):
    window = desktop.window
    looks = _counted_looks(desktop)
    qtbot.waitUntil(lambda: len(looks) >= 1, timeout=10_000)
    desktop.services.memories.create(MemoryCreate(content="Typed into the app", namespace="default"))
    _store_elsewhere(desktop, embedder, "elsewhere", "Stored by an agent's own server at the same moment")
    qtbot.waitUntil(lambda: _in_sidebar(window, "elsewhere"), timeout=10_000)
