"""Conflicts in the window: a real concurrent edit through two vaults shows as a count on the Sync tab (from
change events) and under the browser's "conflicts" filter; keeping one version clears both."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from memvault.domain.models import MemoryCreate, MemoryUpdate
from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

SYNC_PASSPHRASE = "a sync passphrase for the test"


@pytest.mark.seconds
def test_a_conflict_is_counted_on_the_sync_tab_and_filtered_in_the_browser(qtbot, desktop, tmp_path):
    window = desktop.window
    services = desktop.services
    sync_tab = window.pages.indexOf(window.sync)
    folder = TargetConfig("folder", str(tmp_path / "target"))
    disputed = services.memories.create(MemoryCreate(content="the first words")).memory
    services.memories.create(MemoryCreate(content="an ordinary memory"))
    services.sync.setup(folder, SYNC_PASSPHRASE)
    other = create_vault(fast_settings(tmp_path / "other", worker=False), "the other vault", FakeEmbedder(),
                         background=False)
    try:
        other.sync.setup(folder, SYNC_PASSPHRASE)
        services.memories.update(disputed.id, MemoryUpdate(content="edited on this device"))
        other.memories.update(disputed.id, MemoryUpdate(content="edited on the other device"))
        other.sync.sync_now()
        assert window.pages.tabText(sync_tab) == "Sync"
        services.sync.sync_now()  # applies the other edit: a conflict here, announced as a change
    finally:
        other.close()
    qtbot.waitUntil(lambda: window.pages.tabText(sync_tab) == "Sync (1)", timeout=10_000)

    browser = window.browser
    window.pages.setCurrentWidget(browser)
    qtbot.waitUntil(lambda: browser.model.rowCount() == 2, timeout=10_000)
    browser.filters.only_conflicts.setChecked(True)
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=10_000)
    assert browser.filters_active()

    page = window.sync
    window.pages.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.conflicts.count() == 1, timeout=10_000)
    page.conflicts.setCurrentRow(0)
    qtbot.mouseClick(page.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.pages.tabText(sync_tab) == "Sync", timeout=10_000)
    assert services.sync.conflicted_memories() == 0
    window.pages.setCurrentWidget(browser)
    browser.apply_filters()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 0, timeout=10_000)


@pytest.mark.seconds
def test_a_memory_deleted_here_while_tagged_elsewhere_is_listed_as_in_the_trash_and_kept_back(qtbot, desktop,
                                                                                             tmp_path):
    window = desktop.window
    services = desktop.services
    folder = TargetConfig("folder", str(tmp_path / "target"))
    memory = services.memories.create(MemoryCreate(content="the team offsite plan")).memory
    services.sync.setup(folder, SYNC_PASSPHRASE)
    other = create_vault(fast_settings(tmp_path / "other", worker=False), "the other vault", FakeEmbedder(),
                         background=False)
    try:
        other.sync.setup(folder, SYNC_PASSPHRASE)
        services.lifecycle.delete(memory.id)
        other.memories.update(memory.id, MemoryUpdate(tags=["offsite"]))
        other.sync.sync_now()
        services.sync.sync_now()
    finally:
        other.close()
    page = window.sync
    window.pages.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(lambda: page.conflicts.count() == 1, timeout=10_000)
    text = page.conflicts.item(0).text()
    assert text.startswith("[default] the team offsite plan\nin the trash: deleted on device") and "lost:" not in text
    page.conflicts.setCurrentRow(0)
    assert (page.keep_button.text(), page.dismiss_button.text()) == ("Restore it", "Leave it in the trash")
    qtbot.mouseClick(page.keep_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: services.sync.conflicted_memories() == 0 and not services.sync.conflicts(),
                    timeout=10_000)
    assert services.memories.get(memory.id).deleted_at is None
