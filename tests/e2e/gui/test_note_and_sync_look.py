"""The detail pane reads as a note with its properties beneath; the Sync page when off; the set-up dialog's form."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QFormLayout, QLabel

from memvault.domain.models import MemoryCreate
from memvault.gui.detail_meta import MetadataBlock
from memvault.gui.sync_setup import SyncSetupDialog
from memvault.gui.theme import DARK, LIGHT, style_sheet


def _show(qtbot, desktop, **fields):
    memory = desktop.services.memories.create(MemoryCreate(**fields)).memory
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() >= 1 and not browser.model.is_loading(), timeout=20_000)
    browser.select_memory(memory.id)
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and browser.detail.memory().id == memory.id,
                    timeout=20_000)
    return browser.detail


def _colour(widget) -> str:
    widget.ensurePolished()
    return widget.palette().color(QPalette.WindowText).name()


def test_the_detail_pane_reads_as_a_note_with_quiet_properties_beneath(qtbot, qapp, desktop):
    detail = desktop.window.browser.detail
    # Nothing selected: one line saying what to do, no greyed-out form.
    detail.show_memory(None)
    assert detail.empty.isVisibleTo(detail) and not detail.meta.isVisibleTo(detail)
    assert "Ctrl+N" in detail.empty.text()
    detail = _show(qtbot, desktop, content="Alice Chen approves the billing schema changes", agent_id="planner",
                   tags=["billing"], metadata={"source": "chat", "fact": {"person": "Alice Chen"}})
    block = detail.meta
    assert not detail.empty.isVisibleTo(detail) and block.isVisibleTo(detail)
    shown = {name: label.text() for name, label in block.values.items() if label.isVisibleTo(block)}
    assert shown["Agent"] == "planner" and shown["Namespace"] == "default" and shown["Source"] == "chat"
    assert "just now" in shown["Created"] and "About" not in shown
    assert detail.fact_info.text().count("Alice Chen") == 1 and "’s facts" in detail.fact_info.text()  # said once
    assert "Updated" not in shown and "User" not in shown  # what the memory does not have is left out
    # Beneath the text, in one label column with the editors.
    assert block.geometry().top() >= detail.content.geometry().bottom()
    type_x = block.memory_type.mapTo(block, block.memory_type.rect().topLeft()).x()
    agent_x = block.values["Agent"].mapTo(block, block.values["Agent"].rect().topLeft()).x()
    assert type_x == agent_x
    # Quiet: the labels use the theme's secondary colour, smaller than the values, in light and in dark.
    sheet = qapp.styleSheet()
    try:
        for dark, tokens in ((False, LIGHT), (True, DARK)):
            qapp.setStyleSheet(style_sheet(dark))
            label = next(w for w in block.findChildren(QLabel) if w.objectName() == "metaLabel" and w.isVisible())
            assert _colour(label) == QColor(tokens["secondary"]).name()
            assert label.font().pointSizeF() < block.values["Agent"].font().pointSizeF()
    finally:
        qapp.setStyleSheet(sheet)
    # The raw JSON is one key away: Space on its toggle opens it and puts the keyboard in it.
    assert not block.metadata.isVisibleTo(block)
    block.metadata_toggle.setFocus()
    qtbot.keyClick(block.metadata_toggle, Qt.Key_Space)
    assert block.metadata.isVisibleTo(block) and '"source": "chat"' in block.metadata.toPlainText()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is block.metadata, timeout=5_000)


def test_the_facts_sit_two_a_row_only_when_the_pane_is_wide(qtbot, desktop):
    memory = _show(qtbot, desktop, content="Standup moved to 9:30", agent_id="cal").memory()
    block = MetadataBlock()
    qtbot.addWidget(block)
    block.show_memory(memory)
    block.show()
    block.resize(400, block.height())
    # A shown window's resize reaches it as an event from the platform: waited for, not assumed at once.
    qtbot.waitUntil(lambda: block.columns() == 1, timeout=5_000)
    row_of = {name: block.facts.getItemPosition(block.facts.indexOf(block.values[name]))[0]
              for name in ("Agent", "Namespace")}
    assert row_of["Agent"] != row_of["Namespace"]
    block.resize(700, block.height())
    qtbot.waitUntil(lambda: block.columns() == 2, timeout=5_000)
    row_of = {name: block.facts.getItemPosition(block.facts.indexOf(block.values[name]))[0]
              for name in ("Agent", "Namespace")}
    assert row_of["Agent"] == row_of["Namespace"]


def test_sync_off_is_an_empty_state_with_the_next_step_by_keyboard(qtbot, desktop):
    window = desktop.window
    page = window.sync
    window.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.summary.text().startswith("Sync is off"), timeout=10_000)
    qtbot.waitUntil(lambda: page.states.currentWidget() is page.off_page, timeout=10_000)
    # No empty tables: what sync does, and one button.
    assert not page.devices.isVisible() and not page.conflicts.isVisible()
    text = " ".join(label.text() for label in page.off_page.findChildren(QLabel))
    assert "encrypted" in text and "other devices" in text
    assert page.start_button.isVisible() and page.start_button.text() == "Set up sync…"
    page.start_button.setFocus()
    qtbot.keyClick(page.start_button, Qt.Key_Space)
    qtbot.waitUntil(lambda: any(isinstance(w, SyncSetupDialog) and w.isVisible() for w in page.children()),
                    timeout=5_000)
    dialog = next(w for w in page.children() if isinstance(w, SyncSetupDialog))
    qtbot.keyClick(dialog, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5_000)


def test_the_sync_set_up_form_is_aligned_and_has_no_gap(qtbot, desktop):
    dialog = SyncSetupDialog(desktop.services, desktop.runner, desktop.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    form = dialog.form

    def shown_labels():
        return [form.itemAt(row, QFormLayout.LabelRole).widget() for row in range(form.rowCount())
                if form.isRowVisible(row) and form.itemAt(row, QFormLayout.LabelRole) is not None
                and form.itemAt(row, QFormLayout.LabelRole).widget().text()]

    folder_labels = [label.text() for label in shown_labels()]
    # One form: the target's rows and the passphrase's share a label column, right-aligned, and only the
    # chosen kind's rows show (the hint's row waits for a passphrase).
    assert folder_labels == ["Sync through", "Folder", "Sync passphrase", "Repeat", "This device"]
    rights = {label.geometry().right() for label in shown_labels()}
    assert len(rights) == 1 and form.labelAlignment() & Qt.AlignRight
    folder_height = dialog.sizeHint().height()
    dialog.kind.setCurrentIndex(1)  # S3: four rows instead of one
    assert [label.text() for label in shown_labels()][1:5] == ["Bucket", "Endpoint", "Access key id", "Secret key"]
    assert dialog.sizeHint().height() > folder_height
    dialog.kind.setCurrentIndex(0)
    # Back to a folder, the dialog shrinks to its rows again (a stack of pages kept the tallest one's gap).
    qtbot.waitUntil(lambda: dialog.height() <= folder_height + 1, timeout=5_000)
    dialog.passphrase.setText("short")
    assert form.isRowVisible(form.getWidgetPosition(dialog.hint)[0])
    # No placeholder is cut off ("a folder that Syncthing, … iCloud …" was).
    for edit in (dialog.folder, dialog.device_name, dialog.other_namespaces):
        assert edit.fontMetrics().horizontalAdvance(edit.placeholderText()) <= edit.width() - 16, edit.placeholderText()
    # It fits the smallest screen the app supports.
    assert dialog.width() <= 1366 and dialog.height() <= 768 - 64


def test_tab_leaves_the_memory_list_and_a_page_shortcut_brings_the_keyboard_along(qtbot, desktop):
    for i in range(5):
        desktop.services.memories.create(MemoryCreate(content=f"memory number {i}"))
    window = desktop.window
    browser = window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 5, timeout=20_000)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    browser.table.setFocus()
    qtbot.waitUntil(lambda: browser.table.hasFocus(), timeout=5_000)
    # One Tab leaves the list (arrows move in it): the keyboard is not walked through every row.
    qtbot.keyClick(browser.table, Qt.Key_Tab)
    assert QApplication.focusWidget() is not browser.table
    # The Sync page by shortcut: the keyboard goes along to a visible widget of that page, and back.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_6, Qt.ControlModifier)
    assert window.pages.currentWidget() is window.sync
    focused = QApplication.focusWidget()
    assert focused is not None and focused.isVisible() and window.sync.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key_1, Qt.ControlModifier)
    assert QApplication.focusWidget() is browser.table


def test_tab_leaves_the_note_text_and_many_chips_wrap_instead_of_clipping(qtbot, desktop):
    desktop.services.entities.drain()
    detail = _show(qtbot, desktop, content="Alice Chen, Ravi Patel, Mei Tanaka and Greg Hansen met Dana Kim and "
                   "Lucas Meyer in Berlin, Lisbon and Kenora with OpenAI and Brightloop Studios")
    qtbot.waitUntil(lambda: len(detail.entities.chips) >= 6, timeout=10_000)
    names = [c.text() for c in detail.entities.chips]
    assert "Alice Chen" in names and "Berlin" in names  # as written
    chips = detail.entities
    # At the pane's width they wrap onto more lines, each chip whole inside it.
    qtbot.waitUntil(lambda: len({c.geometry().top() for c in chips.chips}) > 1, timeout=5_000)
    assert all(c.geometry().right() < chips.width() for c in chips.chips)
    assert chips.heightForWidth(300) > chips.heightForWidth(2000)
    window = desktop.window
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    detail.content.setFocus()
    qtbot.waitUntil(lambda: detail.content.hasFocus(), timeout=5_000)
    before = detail.content.toPlainText()
    qtbot.keyClick(detail.content, Qt.Key_Tab)
    assert not detail.content.hasFocus() and detail.content.toPlainText() == before
    # From the text through its chips, in reading order, then to the properties beneath.
    assert QApplication.focusWidget() is chips.chips[0]
    for _ in chips.chips:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
    assert QApplication.focusWidget() is detail.memory_type


def test_a_search_hits_caption_uses_the_themes_secondary_colour(qapp):
    from memvault.gui.search_view import HitWidget
    from memvault.gui.theme import apply_theme

    palette, sheet = qapp.palette(), qapp.styleSheet()
    try:
        dark = apply_theme(qapp)
        hit = HitWidget(0.5, "Dana owns billing", "default · fact")
        caption = hit.findChildren(QLabel)[0]
        assert f"color:{(DARK if dark else LIGHT)['secondary']}" in caption.text()
        assert "gray" not in caption.text() and "<small>" not in caption.text()
    finally:
        qapp.setPalette(palette)
        qapp.setStyleSheet(sheet)


def _settled() -> None:
    """Every pending layout request handled (a shown window recomputes its minimum size on them)."""
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.LayoutRequest)


def test_the_window_never_grows_past_a_1366x768_screen(qtbot, desktop):
    """Metadata open and the undo notice showing made the window 800 px tall, the status bar off the screen:
    the note pane's height now scrolls instead of raising the window's minimum."""
    desktop.services.memories.create(MemoryCreate(content="another note"))
    detail = _show(qtbot, desktop, content="Alice Chen from Acme met Bob in Berlin. " * 30,
                   metadata={f"key{i}": "x" * 30 for i in range(20)}, tags=["a", "b"], agent_id="agent")
    window = desktop.window
    window.show()
    detail.meta.metadata_toggle.setChecked(False)
    _settled()
    closed, pane_closed = window.minimumSizeHint().height(), detail.minimumSizeHint().height()
    detail.meta.metadata_toggle.setChecked(True)
    qtbot.waitUntil(lambda: detail.minimumSizeHint().height() > pane_closed, timeout=5_000)
    _settled()
    assert window.minimumSizeHint().height() == closed
    window.browser.delete_selected()
    qtbot.waitUntil(lambda: window.browser.notice.isVisible(), timeout=10_000)
    _settled()
    assert window.minimumSizeHint().height() <= closed + window.browser.notice.sizeHint().height()
    assert window.frameGeometry().height() <= window.screen().availableGeometry().height()


def test_a_sync_set_up_problem_leaves_with_the_typing_and_a_folders_reads_as_a_folders(qtbot, desktop, tmp_path):
    """An outside walkthrough: "Choose a folder to sync through." stayed on screen once a folder was typed, and a
    folder whose parent is missing was "The target does not answer"."""
    dialog = SyncSetupDialog(desktop.services, desktop.runner, desktop.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    assert dialog.status.text() == "Choose a folder to sync through."
    qtbot.keyClicks(dialog.folder, str(tmp_path / "missing" / "sync"))
    assert not dialog.status.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("This folder cannot be used: "), timeout=10_000)
    assert "does not exist" in dialog.status.text()


def test_the_sync_set_up_problem_is_the_chosen_kinds_and_says_what_is_missing(qtbot, desktop):
    """An outside QA pass: "Choose a folder to sync through." stayed after switching to S3, and an empty bucket
    was told how a bucket is written."""
    dialog = SyncSetupDialog(desktop.services, desktop.runner, desktop.window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    assert dialog.status.isVisibleTo(dialog) and dialog.status.text() == "Choose a folder to sync through."
    dialog.kind.setCurrentIndex(1)
    assert not dialog.status.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    assert dialog.status.text().startswith("Enter the bucket")
    dialog.s3_url.setText("my-bucket")
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    assert dialog.status.text().startswith("The bucket is written s3://")
    dialog.kind.setCurrentIndex(2)
    qtbot.mouseClick(dialog.test_button, Qt.LeftButton)
    assert dialog.status.text().startswith("Enter the WebDAV URL")
