"""The Sync page: set up a folder target through the dialog, sync, and see the status, devices and conflicts."""

from __future__ import annotations

import dataclasses
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from memvault.domain.models import MemoryCreate
from memvault.gui.sync_setup import SyncSetupDialog
from memvault.gui.sync_view import counted, scope_line, status_line
from memvault.gui.wording import ago
from memvault.service.sync import SyncStatus
from memvault.sync.targets.factory import TargetConfig

SYNC_PASSPHRASE = "a sync passphrase for the test"


def _dialog(qtbot, page) -> SyncSetupDialog:
    # Off: the empty state's "Set up sync…"; on: the page's "Change…".
    qtbot.mouseClick(page.start_button if page.states.currentWidget() is page.off_page else page.setup_button,
                     Qt.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(w, SyncSetupDialog) and w.isVisible() for w in page.children()),
                    timeout=5_000)
    return next(w for w in page.children() if isinstance(w, SyncSetupDialog))


@pytest.mark.seconds
def test_set_up_a_folder_then_sync_and_see_it_in_the_status_bar(qtbot, desktop, tmp_path, monkeypatch):
    window = desktop.window
    page = window.sync
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.summary.text().startswith("Sync is off"), timeout=10_000)
    assert window.sync_status.text() == "Sync: off"
    assert not page.sync_button.isEnabled()

    dialog = _dialog(qtbot, page)
    explained = dialog.message.text()
    # Nothing chosen yet: the dialog says what is missing, as a sentence in red beneath the paragraph (which stays).
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert dialog.status.text() == "Choose a folder to sync through." and dialog.isVisible()
    assert dialog.status.isVisible() and "#c0392b" in dialog.status.styleSheet()
    assert dialog.message.text() == explained and "encrypted" in explained
    target = tmp_path / "synced"
    target.mkdir()
    dialog.folder.setText(str(target))
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "It is empty" in dialog.status.text(), timeout=10_000)
    assert "#c0392b" not in dialog.status.styleSheet()  # news, not a problem
    dialog.passphrase.setText("short")
    dialog.confirm.setText("short")
    assert "Too short" in dialog.hint.text()  # the vault's meter and minimum
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert "at least 8 characters" in dialog.status.text() and dialog.isVisible()
    dialog.passphrase.setText(SYNC_PASSPHRASE)
    assert "●" in dialog.hint.text() and "Too short" not in dialog.hint.text()
    dialog.confirm.setText(SYNC_PASSPHRASE + "typo")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert "differ" in dialog.status.text()
    dialog.confirm.setText(SYNC_PASSPHRASE)
    dialog.device_name.setText("test laptop")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    qtbot.waitUntil(lambda: page.summary.text().startswith("Syncing through folder"), timeout=10_000)
    # The first status may be read before the setup's first cycle has listed this device: wait for the page to
    # show what that cycle wrote rather than for whichever status came first.
    qtbot.waitUntil(lambda: "; 1 device; 0 conflicts." in page.summary.text(), timeout=10_000)
    assert page.sync_button.isEnabled() and page.setup_button.text() == "Change…"
    assert "\nAll namespaces\n" in page.summary.text()
    qtbot.waitUntil(lambda: page.devices.rowCount() == 1, timeout=10_000)
    assert page.devices.item(0, 0).text() == "test laptop (this device)"
    # A device whose record on the target is not written yet has no "seen" time of its own: it synced just now.
    real_devices = desktop.services.sync.devices
    monkeypatch.setattr(desktop.services.sync, "devices",
                        lambda: [dataclasses.replace(d, last_seen=None) for d in real_devices()])
    page.refresh()
    qtbot.waitUntil(lambda: page.devices.rowCount() == 1 and not desktop.runner.is_busy(), timeout=10_000)
    assert page.devices.item(0, 1).text() == "just now"  # not "never" beside "Last sync: just now"
    # Nor the time of the last change it wrote there, when it synced since ("7 min ago" beside "just now").
    monkeypatch.setattr(desktop.services.sync, "devices",
                        lambda: [dataclasses.replace(d, last_seen=time.time() - 420) for d in real_devices()])
    page.refresh()
    qtbot.waitUntil(lambda: page.devices.rowCount() == 1 and not desktop.runner.is_busy(), timeout=10_000)
    assert page.devices.item(0, 1).text() == "just now"
    monkeypatch.undo()

    desktop.services.memories.create(MemoryCreate(content="synced through the folder"))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.pages.setCurrentWidget(page)
    page.sync_button.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(page.sync_button.hasFocus)
    qtbot.keyClick(page.sync_button, Qt.Key_Space)  # by keyboard: the keyboard stays on the button

    # The status read "just now" already (the set-up's cycle): what says this sync is done is that nothing waits.
    qtbot.waitUntil(lambda: desktop.services.sync.status().pending_ops == 0, timeout=20_000)
    qtbot.waitUntil(lambda: window.sync_status.text() == "Sync: just now", timeout=20_000)
    qtbot.waitUntil(lambda: page.sync_button.isEnabled() and not desktop.runner.is_busy(), timeout=20_000)
    from PySide6.QtWidgets import QApplication
    assert QApplication.focusWidget() is page.sync_button  # it went on to "Change…"
    assert any(target.rglob("*")), "the sync wrote its encrypted files into the folder"


def test_status_words():
    assert counted(1, "device") == "1 device" and counted(0, "conflict") == "0 conflicts"
    assert counted(1200, "change") == "1,200 changes"
    assert scope_line(None) == "All namespaces" and scope_line(("a", "b")) == "Namespaces: a, b"
    assert ago(None, 100.0) == "never" and ago(95.0, 100.0) == "just now" and ago(0.0, 300.0) == "5 min ago"
    assert status_line(SyncStatus(enabled=False), 0.0) == "Sync: off"
    assert status_line(SyncStatus(enabled=True, last_sync_at=0.0, pending_ops=3), 7200.0) == "Sync: 2 h ago, 3 to send"
    assert status_line(SyncStatus(enabled=True, last_sync_at=0.0, last_error="x"), 30.0) == "Sync: failed just now"


def test_the_set_up_dialog_syncs_the_namespaces_checked(qtbot, desktop, tmp_path):
    services = desktop.services
    for ns in ("work", "home"):
        services.memories.create(MemoryCreate(namespace=ns, content=f"a memory of {ns}"))
    page = desktop.window.sync
    desktop.window.pages.setCurrentWidget(page)
    dialog = _dialog(qtbot, page)
    qtbot.waitUntil(lambda: dialog.namespaces.count() == 2, timeout=10_000)
    # Hidden while "All namespaces" is ticked: unticked namespaces beneath it read as a contradiction.
    assert dialog.all_namespaces.isChecked() and not dialog.namespaces.isVisibleTo(dialog)
    assert not dialog.other_namespaces.isVisibleTo(dialog)
    dialog.folder.setText(str(tmp_path / "synced"))
    dialog.passphrase.setText(SYNC_PASSPHRASE)
    dialog.confirm.setText(SYNC_PASSPHRASE)
    dialog.all_namespaces.setChecked(False)
    assert dialog.namespaces.isVisibleTo(dialog) and dialog.other_namespaces.isVisibleTo(dialog)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert dialog.status.text() == "Choose the namespaces to sync, or all namespaces." and dialog.isVisible()
    work = next(dialog.namespaces.item(i) for i in range(dialog.namespaces.count())
                if dialog.namespaces.item(i).data(Qt.UserRole) == "work")
    work.setCheckState(Qt.Checked)
    dialog.other_namespaces.setText("later, work")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert services.sync.scope() == ("later", "work")
    qtbot.waitUntil(lambda: "\nNamespaces: later, work\n" in page.summary.text(), timeout=10_000)
    assert "All namespaces" not in page.summary.text()


def test_change_the_sync_passphrase_from_the_sync_page(qtbot, desktop, tmp_path):
    from memvault.gui.sync_passphrase import SyncPassphraseDialog
    import pytest

    from memvault.domain.errors import SyncKeyError
    from memvault.sync.identity import check_passphrase

    services = desktop.services
    target = tmp_path / "synced"
    services.sync.setup(TargetConfig("folder", str(target)), SYNC_PASSPHRASE)
    before = next(target.glob("*/key")).read_bytes()
    page = desktop.window.sync
    desktop.window.pages.setCurrentWidget(page)
    page.refresh()
    qtbot.waitUntil(page.passphrase_button.isEnabled, timeout=10_000)
    qtbot.mouseClick(page.passphrase_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(w, SyncPassphraseDialog) and w.isVisible() for w in page.children()),
                    timeout=5_000)
    dialog = next(w for w in page.children() if isinstance(w, SyncPassphraseDialog))
    dialog.current.setText("not the sync passphrase")
    dialog.new.setText("a new one")
    dialog.repeat.setText("a new one")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    explained = dialog.message.text()
    qtbot.waitUntil(lambda: "does not open" in dialog.status.text(), timeout=20_000)
    assert dialog.message.text() == explained and dialog.status.text().endswith(".")
    assert dialog.isVisible()
    dialog.current.setText(SYNC_PASSPHRASE)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert "passphrase was changed" in page.summary.text()
    key_file = next(target.glob("*/key")).read_bytes()
    assert key_file != before
    check_passphrase(key_file, "a new one")
    with pytest.raises(SyncKeyError):
        check_passphrase(key_file, SYNC_PASSPHRASE)


def test_a_file_refused_by_sync_is_shown_on_the_sync_page(qtbot, desktop, tmp_path):
    services = desktop.services
    target = tmp_path / "synced"
    services.sync.setup(TargetConfig("folder", str(target)), SYNC_PASSPHRASE)
    key_file = next(target.glob("*/key"))
    damaged = bytearray(key_file.read_bytes())
    damaged[len(damaged) // 2] ^= 1
    key_file.write_bytes(bytes(damaged))
    assert services.sync.sync_now().problems
    page = desktop.window.sync
    desktop.window.pages.setCurrentWidget(page)
    page.refresh()
    group = key_file.parent.name
    # Apart from the status text, in a box of its own that is on screen.
    qtbot.waitUntil(lambda: f"Problem: refused {group}/key" in page.problems.text(), timeout=10_000)
    assert "wrote back" in page.problems.text()  # what happens about it
    assert page.problems.isVisible() and page.problems.objectName() == "problem"
    assert "Problem:" not in page.summary.text()
    # Once got past (the key file written back reads), it is news on the page, not a problem any more.
    services.sync.sync_now()
    assert services.sync.status().repaired
    page.refresh()
    qtbot.waitUntil(lambda: "Repaired:" in page.summary.text(), timeout=10_000)
    assert f"refused {group}/key" not in (page.problems.text() if page.problems.isVisible() else "")


@pytest.mark.slow  # a second vault and a real sync through a folder: ~14 s
def test_the_page_names_a_device_whose_clock_runs_ahead(qtbot, desktop, tmp_path):
    import time

    from memvault.service.container import create_vault
    from tests.helpers import fast_settings
    from tests.helpers.fake_embedder import FakeEmbedder

    page = desktop.window.sync
    desktop.window.pages.setCurrentWidget(page)
    folder = TargetConfig("folder", str(tmp_path / "synced"))
    desktop.services.sync.setup(folder, SYNC_PASSPHRASE)
    ahead = create_vault(fast_settings(tmp_path / "ahead", worker=False), "vault passphrase ahead", FakeEmbedder(),
                         background=False, wall=lambda: time.time() + 7200)
    try:
        ahead.sync._clock._wall_ms = lambda: int((time.time() + 7200) * 1000)  # its clock runs 2 h ahead
        ahead.sync.setup(folder, SYNC_PASSPHRASE)
        ahead.memories.create(MemoryCreate(namespace="n", content="written two hours ahead"))
        from memvault.sync.skew import ASK_CYCLES

        for _ in range(ASK_CYCLES + 1):  # it asks for an echo of its clock first; the other device is silent
            ahead.sync.sync_now()
        assert ahead.sync.status().pending_ops == 0
    finally:
        ahead.close()
    # Sync was set up behind the page's back: it learns so on its next read of the status, and only then is the
    # button enabled (a click before that is ignored, and the page's 15-s timer would do the rest unasked).
    page.refresh()
    qtbot.waitUntil(page.sync_button.isEnabled, timeout=5_000)
    qtbot.mouseClick(page.sync_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "changes are held" in page.summary.text(), timeout=5_000)
    assert f"The clock of device {ahead.vault.device_id[:8]} runs 2.0 h ahead" in page.summary.text()


def test_enter_after_test_connection_still_sets_up_sync(qtbot, desktop, tmp_path):
    from PySide6.QtWidgets import QApplication, QPushButton

    window = desktop.window
    page = window.sync
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.summary.text().startswith("Sync is off"), timeout=10_000)
    dialog = _dialog(qtbot, page)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    target = tmp_path / "synced"
    target.mkdir()
    dialog.folder.setText(str(target))
    dialog.passphrase.setText(SYNC_PASSPHRASE)
    dialog.confirm.setText(SYNC_PASSPHRASE)
    dialog.device_name.setText("test laptop")
    dialog.test_button.setFocus()  # as a click or Tab leaves it
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.test_button, timeout=5_000)
    qtbot.keyClick(dialog.test_button, Qt.Key_Space)
    qtbot.waitUntil(lambda: "The target answers" in dialog.status.text(), timeout=10_000)
    # The keyboard is back on the button it pressed (disabled while testing, it had handed it to Cancel).
    assert QApplication.focusWidget() is dialog.test_button
    # Disabling the test button while it runs hands the focus on: to Cancel where the button box lays out
    # Test connection, Cancel, Set up (GNOME, openbox). A button that takes the focus must not take Enter with it.
    cancel = dialog.buttons.button(QDialogButtonBox.Cancel)
    cancel.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is cancel, timeout=5_000)
    setup = dialog.buttons.button(QDialogButtonBox.Ok)
    assert [b for b in dialog.findChildren(QPushButton) if b.isDefault()] == [setup]
    assert not any(b.autoDefault() for b in dialog.findChildren(QPushButton) if b is not setup)
    qtbot.keyClick(cancel, Qt.Key_Return)
    qtbot.waitUntil(lambda: page.summary.text().startswith("Syncing through folder"), timeout=20_000)
    assert not dialog.isVisible()


def test_joining_a_group_found_by_test_connection_asks_for_its_passphrase_once(qtbot, desktop, tmp_path):
    from memvault.service.container import create_vault
    from tests.helpers import fast_settings
    from tests.helpers.fake_embedder import FakeEmbedder

    target = tmp_path / "synced"
    laptop = create_vault(fast_settings(tmp_path / "laptop", worker=False), "vault passphrase laptop", FakeEmbedder(),
                          background=False)
    try:
        laptop.sync.setup(TargetConfig("folder", str(target)), SYNC_PASSPHRASE)
    finally:
        laptop.close()
    window = desktop.window
    page = window.sync
    window.pages.setCurrentWidget(page)
    dialog = _dialog(qtbot, page)
    dialog.folder.setText(str(target))
    dialog.passphrase.setText(SYNC_PASSPHRASE)
    assert dialog.form.isRowVisible(dialog._repeat_row)
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "this device will join" in dialog.status.text(), timeout=20_000)
    # The group's passphrase is checked on the target, not chosen here: no repeat, no strength meter.
    assert not dialog.form.isRowVisible(dialog._repeat_row) and not dialog.form.isRowVisible(dialog._hint_row)
    dialog.folder.setText(str(target) + "-elsewhere")  # another target: choosing a passphrase again
    assert dialog.form.isRowVisible(dialog._repeat_row)
    dialog.folder.setText(str(target))
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.form.isRowVisible(dialog._repeat_row), timeout=20_000)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20_000)
    assert desktop.services.sync.enabled()


@pytest.fixture
def status_read_hourly(monkeypatch):
    """The Sync page reads the status once an hour by itself (set before the app starts): only coming to the
    page can read it sooner."""
    from memvault.gui import sync_view

    monkeypatch.setattr(sync_view, "STATUS_INTERVAL_MS", 3_600_000)


def test_coming_to_the_page_reads_what_a_command_set_up_meanwhile(status_read_hourly, qtbot, desktop, tmp_path,
                                                                   embedder):
    from memvault.service.container import open_vault
    from tests.helpers import PASSPHRASE

    page = desktop.window.sync
    qtbot.waitUntil(lambda: page.states.currentWidget() is page.off_page, timeout=10_000)
    desktop.window.pages.setCurrentWidget(desktop.window.browser)
    # `memvault sync setup` in a terminal: another process, whose change this app hears nothing of.
    other = open_vault(desktop.settings, PASSPHRASE, embedder, background=False)
    try:
        other.sync.setup(TargetConfig("folder", str(tmp_path / "synced")), SYNC_PASSPHRASE)
    finally:
        other.close()
    desktop.window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.states.currentWidget() is page.running_page
                    and page.summary.text().startswith("Syncing through"), timeout=10_000)
