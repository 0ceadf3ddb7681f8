"""The detail pane's history names the person (and device) who made a change in a shared namespace."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from memvault.domain.models import MemoryCreate, MemoryFilter, MemoryUpdate
from memvault.gui.memory_model import PAGE_SIZE
from memvault.service.container import create_vault
from memvault.sync.targets.factory import TargetConfig
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

# Two vaults and a target on top of the desktop: many seconds.
pytestmark = pytest.mark.slow


def test_history_names_the_person_who_made_a_shared_change(qtbot, desktop, tmp_path):
    target = TargetConfig("folder", str(tmp_path / "shared"))
    ben = create_vault(fast_settings(tmp_path / "ben", worker=False), "vault passphrase ben", FakeEmbedder(),
                       background=False)
    try:
        anna = desktop.services
        memory = anna.memories.create(MemoryCreate(content="the release train leaves on friday")).memory
        info = anna.sharing.share("default", with_key=ben.sharing.my_key(), role="write", target=target, name="ben")
        ben.sharing.join(info.invite, target)
        ben.memories.update(memory.id, MemoryUpdate(content="the release train leaves on thursday"))
        ben.sharing.sync_now()
        anna.sharing.sync_now()
        ben_device = ben.vault.device_id
        ben.memories.create(MemoryCreate(content="ben's own note, shared"))
        ben.sharing.sync_now()
        anna.sharing.sync_now()
        anna.memories.create(MemoryCreate(content="anna's note, not yet sent"))
        ben_id = next(m.person for m in info.members if m.name == "ben")
    finally:
        ben.close()
    browser = desktop.window.browser
    browser.refresh()
    model = browser.model
    qtbot.waitUntil(lambda: model.total == 3 and not model.is_loading() and model.rowCount() == min(3, PAGE_SIZE),
                    timeout=20_000)
    browser.filters.person_filter.setText(ben_id)  # the browser's "changed by" filter
    qtbot.waitUntil(lambda: model.total == 2 and not model.is_loading() and model.rowCount() == 2, timeout=20_000)
    assert any("changed by" in chip for chip, _ in browser.filters._active())
    row = next(r for r in range(2) if model.memory_at(r).id == memory.id)
    browser.table.selectRow(row)
    history = browser.detail.history
    qtbot.waitUntil(lambda: history.count() == 2, timeout=20_000)
    newest, first = history.item(0).text(), history.item(1).text()
    assert f"by ben on device {ben_device[:8]}" in newest and "thursday" in newest
    assert " by " not in first.splitlines()[0]  # made here


def test_the_share_dialog_copies_my_key_and_shares_with_a_pasted_one(qtbot, desktop, tmp_path):
    from PySide6.QtGui import QGuiApplication

    from memvault.sharing.person import PersonIdentity

    window = desktop.window
    window.share_action.trigger()
    dialog = window.share_dialog
    qtbot.waitUntil(lambda: dialog.my_key.text().startswith("mvperson1"), timeout=10_000)
    assert dialog.my_key.text() == desktop.services.sharing.my_key()
    assert dialog.my_key.cursorPosition() == 0  # the key's start in view, not its end
    dialog.copy_key.click()
    assert QGuiApplication.clipboard().text() == dialog.my_key.text()
    dialog.namespace.setText("team")
    dialog.their_key.setText("mvpub1notaperson")
    with qtbot.waitSignal(dialog.share_button.clicked, timeout=1000):
        dialog.share_button.click()
    qtbot.waitUntil(lambda: "mvperson1" in dialog.message.text() and dialog.share_button.isEnabled(), timeout=10_000)
    assert desktop.services.sharing.list() == []  # refused, nothing shared
    them = PersonIdentity.new().key
    dialog.their_key.setText(them.text)
    dialog.role.setCurrentIndex(1)  # read and write
    dialog.target.setText(str(tmp_path / "shared"))
    with qtbot.waitSignal(dialog.shared, timeout=20_000) as shared:
        dialog.share_button.click()
    info = shared.args[0]
    assert dialog.invite.toPlainText() == info.invite and dialog.invite.isVisible()
    assert "shared with 1 other person" in dialog.message.text()  # the sharer is no one to send it to
    assert {m.person: m.role for m in info.members}[them.person_id] == "write"
    assert desktop.services.sharing.list()[0].namespace == "team"
    dialog.close()


def test_the_share_dialog_joins_with_an_invitation(qtbot, desktop, tmp_path):
    target = TargetConfig("folder", str(tmp_path / "shared"))
    anna = create_vault(fast_settings(tmp_path / "anna", worker=False), "vault passphrase anna", FakeEmbedder(),
                        background=False)
    try:
        anna.memories.create(MemoryCreate(namespace="team", content="standup moved to ten"))
        info = anna.sharing.share("team", with_key=desktop.services.sharing.my_key(), role="read", target=target)
    finally:
        anna.close()
    window = desktop.window
    window.share_action.trigger()
    dialog = window.share_dialog
    dialog.join_invite.setText(info.invite)
    dialog.join_target.setText(str(tmp_path / "shared"))
    # Enter in the join section joins (it ran Share, the default button, with an empty namespace).
    dialog.join_target.setFocus()
    with qtbot.waitSignal(dialog.joined, timeout=20_000) as joined:
        qtbot.keyClick(dialog.join_target, Qt.Key_Return)
    assert joined.args[0].role == "read" and "joined 'team' (read)" in dialog.message.text()
    assert [m.content for m in desktop.services.memories.list(MemoryFilter(namespace="team")).items] == [
        "standup moved to ten"]
    dialog.close()


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_joining_where_a_namespace_of_that_name_holds_memories_asks_first(qtbot, desktop, tmp_path, monkeypatch,
                                                                          answer):
    from PySide6.QtWidgets import QMessageBox

    target = TargetConfig("folder", str(tmp_path / "shared"))
    anna = create_vault(fast_settings(tmp_path / "anna", worker=False), "vault passphrase anna", FakeEmbedder(),
                        background=False)
    info = anna.sharing.share("team", with_key=desktop.services.sharing.my_key(), role="write", target=target)
    desktop.services.memories.create(MemoryCreate(namespace="team", content="my own private team note"))
    asked = []
    reply = QMessageBox.Yes if answer == "yes" else QMessageBox.No
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a[2]) or reply))
    window = desktop.window
    window.share_action.trigger()
    dialog = window.share_dialog
    dialog.join_invite.setText(info.invite)
    dialog.join_target.setText(str(tmp_path / "shared"))
    try:
        if answer == "no":
            dialog.join_button.click()
            qtbot.waitUntil(lambda: bool(asked) and dialog.join_button.isEnabled(), timeout=20_000)
            assert "already holds 1 memory on this vault" in asked[0] and "already holds" in dialog.message.text()
            assert desktop.services.sharing.list() == []
        else:
            with qtbot.waitSignal(dialog.joined, timeout=20_000):
                dialog.join_button.click()
            anna.sharing.sync_now()
            assert "my own private team note" in {m.content for m in anna.memories.list(
                MemoryFilter(namespace="team")).items}
    finally:
        anna.close()
    dialog.close()
