"""The desktop app driven through its real widgets."""

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate
from memvault.gui.memory_model import PAGE_SIZE
from memvault.gui.agents_view import NO_ACTIVITY
from memvault.gui.unlock import CreateVaultDialog, UnlockDialog, strength
from tests.helpers import PASSPHRASE


def _wait_total(qtbot, desktop, n):
    """Until the browser shows the first page for its filter and has counted ``n`` matches.

    The page and the count are separate tasks and either may arrive first.
    """
    model = desktop.window.browser.model
    qtbot.waitUntil(lambda: model.total == n and not model.is_loading() and model.rowCount() == min(n, PAGE_SIZE),
                    timeout=20_000)


def _lock_and_unlock(qtbot, desktop):
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    desktop.dialog.passphrase.setText(PASSPHRASE)
    desktop.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=30_000)


def test_browser_shows_the_first_page_after_unlock_without_help(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="already here before the window"))
    _lock_and_unlock(qtbot, desktop)
    _wait_total(qtbot, desktop, 1)
    model = desktop.window.browser.model
    assert model.memory_at(0).content == "already here before the window"
    assert model.data(model.index(0, 0)) == "already here before the window"
    assert model.data(model.index(0, 1)) == "general" and model.data(model.index(0, 4)) == "0.50"
    assert model.headerData(2, Qt.Horizontal) == "Tags"
    assert "1 memory in default" in desktop.window.browser.count.text()


def test_create_lock_wrong_then_right_passphrase(qtbot, desktop):
    assert desktop.window.isVisible()
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    assert desktop.window is None and desktop.services is None
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    desktop.dialog.passphrase.setText("not the passphrase")
    desktop.dialog.buttons.accepted.emit()
    # While the key is derived the bar says what it waits for; the wrong passphrase puts the words away.
    assert desktop.dialog.busy_words.isVisibleTo(desktop.dialog)
    assert desktop.dialog.busy_words.text().startswith("Unlocking")
    qtbot.waitUntil(lambda: "Wrong passphrase" in desktop.dialog.message.text(), timeout=20_000)
    assert desktop.dialog.passphrase.text() == "" and desktop.window is None
    assert not desktop.dialog.busy_words.isVisibleTo(desktop.dialog)
    desktop.dialog.passphrase.setText(PASSPHRASE)
    desktop.dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: desktop.window is not None, timeout=30_000)


def test_dismissing_the_prompt_after_a_lock_without_a_tray_asks_before_quitting(qtbot, desktop, monkeypatch):
    """An outside QA pass: Ctrl+L then Escape quit the app (and its agent API) at once on a desktop without a
    system tray."""
    from PySide6.QtWidgets import QMessageBox

    quits = []
    monkeypatch.setattr(desktop, "quit", lambda: quits.append(True))
    desktop.tray = None
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    desktop.dialog.reject()
    assert quits == [] and isinstance(desktop.quit_question, QMessageBox)
    assert desktop.quit_question.escapeButton().text() == "&Stay locked"
    desktop.quit_question.escapeButton().click()  # Escape: stays, and asks for the passphrase again
    qtbot.waitUntil(lambda: desktop.quit_question is None, timeout=5_000)
    assert quits == [] and isinstance(desktop.dialog, UnlockDialog) and desktop.dialog.isVisible()
    desktop.dialog.reject()
    quit_button = next(b for b in desktop.quit_question.buttons() if b.text() == "&Quit")
    quit_button.click()
    qtbot.waitUntil(lambda: quits == [True], timeout=5_000)


def test_quitting_while_the_prompt_is_up_asks_nothing(qtbot, desktop, monkeypatch):
    """Quit (the menu, SIGTERM, the screenshot script) closes the prompt on its way out: that is no dismissal to
    ask about (the first version of the question above held the app open)."""
    desktop.tray = None
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    qtbot.waitUntil(lambda: isinstance(desktop.dialog, UnlockDialog), timeout=10_000)
    monkeypatch.setattr(desktop.qapp, "quit", lambda: None)  # the test's application goes on
    desktop.quit()
    desktop.dialog.reject()
    assert desktop.quit_question is None


def test_create_dialog_checks_strength_and_confirmation(qtbot, tmp_path):
    dialog = CreateVaultDialog(str(tmp_path), keychain_available=False)
    qtbot.addWidget(dialog)
    assert not dialog.auto_unlock.isEnabled()
    dialog.passphrase.setText("short")
    assert "Too short" in dialog.hint.text()
    dialog.buttons.accepted.emit()
    assert "at least" in dialog.message.text()
    dialog.passphrase.setText("a long enough passphrase")
    dialog.confirm.setText("something else entirely")
    dialog.buttons.accepted.emit()
    assert "differ" in dialog.message.text()
    assert strength("correct horse battery staple")[0] >= 3


def test_add_edit_and_history(qtbot, desktop):
    browser = desktop.window.browser
    browser.new_memory()
    browser.new_dialog.form.text.setPlainText("The user prefers dark mode")
    browser.new_dialog.buttons.accepted.emit()
    _wait_total(qtbot, desktop, 1)
    browser.table.selectRow(0)
    detail = browser.detail
    qtbot.waitUntil(lambda: detail.content.toPlainText() == "The user prefers dark mode")
    detail.content.setPlainText("The user prefers dark mode everywhere")
    detail.tags.setText("ui, prefs")
    detail.metadata.setPlainText('{"source": "gui"}')
    qtbot.mouseClick(detail.save, Qt.LeftButton)
    qtbot.waitUntil(lambda: detail.history.count() == 2, timeout=20_000)
    memory = browser.model.memory_at(0)
    assert memory.version == 2 and memory.tags == ("ui", "prefs") and memory.metadata == {"source": "gui"}
    detail.history.setCurrentRow(1)  # the original version
    qtbot.mouseClick(detail.restore, Qt.LeftButton)
    qtbot.waitUntil(lambda: detail.content.toPlainText() == "The user prefers dark mode", timeout=20_000)


def test_invalid_metadata_is_said_once_inline_and_saves_nothing(qtbot, desktop, monkeypatch):
    shown = []
    monkeypatch.setattr("memvault.gui.detail.QMessageBox.warning", lambda *a: shown.append(a[2]))
    desktop.services.memories.create(MemoryCreate(content="stable"))
    desktop.window.browser.refresh()
    _wait_total(qtbot, desktop, 1)
    desktop.window.browser.table.selectRow(0)
    detail = desktop.window.browser.detail
    qtbot.waitUntil(lambda: detail.content.toPlainText() == "stable")
    detail.metadata.setPlainText("{not json")
    qtbot.mouseClick(detail.save, Qt.LeftButton)
    assert shown == []  # no box on top of the line that says it
    assert "Not saved" in detail.title.text() and "not valid JSON" in detail.title.text()
    assert detail.metadata.isVisible()  # the box to correct is open
    assert desktop.services.memories.list(desktop.window.browser.current_filter()).items[0].version == 1


@pytest.mark.slow  # by meaning: the fake embedder's hashed words find nothing for "pet", and say so
def test_search_finds_by_meaning_and_opens_in_browser(qtbot, desktop):
    for text in ("The cat's name is Miso", "Quarterly revenue grew by eight percent", "Deploys happen on Tuesdays"):
        desktop.services.memories.create(MemoryCreate(content=text))
    desktop.services.worker.wait_idle(20)
    qtbot.waitUntil(lambda: desktop.services.jobs.depth() == 0, timeout=30_000)
    window = desktop.window
    window.pages.setCurrentWidget(window.search)
    window.search.mode.setCurrentIndex(window.search.mode.findData(SearchMode.SEMANTIC.value))
    # Above the good-match similarity (0.51), sharing no word with the memory ("which pet..." is 0.36: weak).
    qtbot.keyClicks(window.search.query, "what is my kitten called")
    qtbot.waitUntil(lambda: window.search.results.count() > 0, timeout=20_000)
    top = window.search.results.item(0)
    assert desktop.services.memories.get(top.data(256)).content == "The cat's name is Miso"
    window.search.results.setCurrentRow(0)
    qtbot.mouseClick(window.search.open_button, Qt.LeftButton)
    assert window.pages.currentWidget() is window.browser
    qtbot.waitUntil(lambda: window.browser.detail.content.toPlainText() == "The cat's name is Miso", timeout=10_000)


def test_search_by_keyboard_down_from_the_query_and_enter_opens(qtbot, desktop):
    for text in ("The cat's name is Miso", "Deploys happen on Tuesdays"):
        desktop.services.memories.create(MemoryCreate(content=text))
    qtbot.waitUntil(lambda: desktop.services.jobs.depth() == 0, timeout=30_000)
    window = desktop.window
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key_F, Qt.ControlModifier)
    search = window.search
    qtbot.waitUntil(lambda: QApplication.focusWidget() is search.query, timeout=5_000)
    qtbot.keyClicks(search.query, "Miso")
    qtbot.waitUntil(lambda: search.results.count() > 0, timeout=20_000)
    qtbot.keyClick(search.query, Qt.Key_Escape)  # Esc clears the question
    assert search.query.text() == "" and QApplication.focusWidget() is search.query
    qtbot.keyClicks(search.query, "Miso")
    qtbot.waitUntil(lambda: search.results.count() > 0, timeout=20_000)
    qtbot.keyClick(search.query, Qt.Key_Down)
    assert QApplication.focusWidget() is search.results and search.results.currentRow() == 0
    qtbot.keyClick(search.results, Qt.Key_Return)
    assert window.pages.currentWidget() is window.browser
    qtbot.waitUntil(lambda: window.browser.detail.content.toPlainText() == "The cat's name is Miso", timeout=10_000)
    # The keyboard goes along to the list (it landed on the navigation rail, where Down changed the page).
    assert QApplication.focusWidget() is window.browser.table


def test_delete_to_trash_and_restore(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="Temporary thought"))
    browser = desktop.window.browser
    browser.refresh()
    _wait_total(qtbot, desktop, 1)
    browser.table.selectRow(0)
    browser.table.setFocus()
    qtbot.keyClick(browser.table, Qt.Key_Delete)
    _wait_total(qtbot, desktop, 0)
    sidebar = desktop.window.sidebar
    trash = next(sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text().startswith("Trash"))
    sidebar.setCurrentItem(trash)
    _wait_total(qtbot, desktop, 1)
    assert browser.restore_button.isVisible() and not browser.delete_button.isVisible()
    browser.table.selectRow(0)
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and "in trash" in browser.detail.title.text())
    assert "searchable" not in browser.detail.title.text()  # it said "searchable · in trash"
    qtbot.mouseClick(browser.restore_button, Qt.LeftButton)
    _wait_total(qtbot, desktop, 0)
    assert desktop.services.memories.list(browser.current_filter().__class__()).total == 1
    # The restored memory has left the trash: the pane does not keep it greyed out "in trash".
    qtbot.waitUntil(lambda: browser.detail.memory() is None and browser.detail.empty.isVisible(), timeout=10_000)


def test_restore_from_the_keyboard_leaves_the_focus_on_the_list_not_on_empty_trash(qtbot, desktop):
    """An outside walkthrough: Space on Restore moved the focus to "Empty trash" (the button went grey with its
    row gone), so a second Space opened the dialog that deletes everything for good."""
    for text in ("First thought", "Second thought"):
        memory = desktop.services.memories.create(MemoryCreate(content=text)).memory
        desktop.services.lifecycle.delete(memory.id)
    window, browser = desktop.window, desktop.window.browser
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)
    sidebar = window.sidebar
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count())
                                if sidebar.item(i).text().startswith("Trash")))
    _wait_total(qtbot, desktop, 2)
    browser.table.selectRow(0)
    browser.restore_button.setFocus()
    qtbot.waitUntil(browser.restore_button.hasFocus, timeout=5_000)
    qtbot.keyClick(browser.restore_button, Qt.Key_Space)
    _wait_total(qtbot, desktop, 1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is browser.table, timeout=5_000)
    assert not browser.purge_button.hasFocus()


def test_a_long_tag_list_shows_its_first_tags(qtbot, desktop):
    tags = ["distributed-systems", "consensus", "paxos", "raft", "byzantine", "replication", "leases"]
    desktop.services.memories.create(MemoryCreate(content="Notes on consensus protocols", tags=tags))
    browser = desktop.window.browser
    browser.refresh()
    _wait_total(qtbot, desktop, 1)
    browser.table.selectRow(0)
    qtbot.waitUntil(lambda: browser.detail.memory() is not None)
    assert browser.detail.tags.text().startswith("distributed-systems") and browser.detail.tags.cursorPosition() == 0


def test_quick_capture_saves_with_ctrl_enter(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default", "work"])
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)  # nothing written yet: said, not silent
    assert "Write the memory first." in capture.message.text() and capture.isVisible()
    capture.namespace.setCurrentText("work")
    capture.memory_type.setCurrentText("task")
    capture.tags.setText("todo")
    qtbot.keyClicks(capture.text, "Call the dentist on Monday")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000) as blocker:
        qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    memory = desktop.services.memories.get(blocker.args[0])
    assert (memory.namespace, memory.memory_type.value, memory.tags) == ("work", "task", ("todo",))
    assert not capture.isVisible()


def test_quick_capture_says_a_refused_namespace_as_a_sentence(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.waitExposed(capture)
    width = capture.width()
    capture.namespace.setCurrentText("my project!")
    qtbot.keyClicks(capture.text, "Ship the beta on Friday")
    qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: "amespace must be" in capture.message.text(), timeout=10_000)
    assert "Namespace must be" in capture.message.text() and capture.message.text().endswith(".</span>")
    assert capture.isVisible() and capture.text.toPlainText() == "Ship the beta on Friday"
    QApplication.processEvents()
    assert capture.width() == width  # the message wraps; the window does not widen to fit it


def test_quick_capture_in_another_language_says_so_in_the_status_bar(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.keyClicks(capture.text, "Je voudrais acheter une nouvelle voiture pour ma famille")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000):
        qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    message = desktop.window.statusBar().currentMessage()
    assert "not extracted" in message and "'fr'" in message


def test_memory_posted_over_http_appears_in_the_open_browser(qtbot, desktop):
    _, secret = desktop.services.keys.create("default", "read,write", "laptop agent")
    agents = desktop.window.agents
    assert agents.keys.rowCount() == 0  # the Agents page has not read its keys: the line must still name this one
    browser = desktop.window.browser
    activity = desktop.window.agents.activity
    assert [activity.item(i).text() for i in range(activity.count())] == [NO_ACTIVITY]  # not a blank box
    # The user's own change (the app, the CLI) is no agent's: the list said "updated 1 memory" for an edit here.
    desktop.services.memories.create(MemoryCreate(content="Typed by the user in the app"))
    _wait_total(qtbot, desktop, 1)
    assert [activity.item(i).text() for i in range(activity.count())] == [NO_ACTIVITY]
    r = httpx.post(f"{desktop.server.url}/v1/memories", json={"content": "Stored by an agent over HTTP"},
                   headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 201
    _wait_total(qtbot, desktop, 2)
    assert "Stored by an agent over HTTP" in {browser.model.memory_at(i).content for i in range(2)}
    qtbot.waitUntil(lambda: activity.item(0).text() != NO_ACTIVITY, timeout=10_000)
    assert [activity.item(i).text() for i in range(activity.count())] == [activity.item(0).text()]
    assert "created 1 memory" in activity.item(0).text()
    # An outside walkthrough: the line did not say which agent, and its key said "never" used beside it.
    qtbot.waitUntil(lambda: "laptop agent: created 1 memory in default" in activity.item(0).text(), timeout=10_000)
    assert agents.keys.rowCount() == 1 and agents.keys.item(0, 4).text() != "never"


def _row_named(sidebar, start: str) -> int | None:
    return next((i for i in range(sidebar.count()) if sidebar.item(i).text().startswith(start)), None)


def test_stats_render_with_data(qtbot, desktop):
    desktop.services.memories.create_batch([MemoryCreate(content=f"fact {i}", memory_type="fact") for i in range(3)]
                                           + [MemoryCreate(content="an event", memory_type="event", namespace="w")])
    window = desktop.window
    window.pages.setCurrentWidget(window.stats)
    window.sidebar.setCurrentRow(0)  # all namespaces
    qtbot.waitUntil(lambda: "<b>4</b> memories" in window.stats.summary.text(), timeout=20_000)
    desktop.runner.wait()
    assert "<b>4</b> memories in all namespaces ·" in window.stats.summary.text(), "a stale refresh overwrote it"
    # One namespace: the page says which (it said nothing of its scope). Its row is there once the list has
    # reloaded after the batch (on a loaded machine row 2 was still the Trash).
    qtbot.waitUntil(lambda: _row_named(window.sidebar, "w (") is not None, timeout=20_000)
    window.sidebar.setCurrentRow(_row_named(window.sidebar, "w ("))
    qtbot.waitUntil(lambda: "memories in w ·" in window.stats.summary.text(), timeout=20_000)
    window.sidebar.setCurrentRow(0)
    qtbot.waitUntil(lambda: "<b>4</b> memories in all" in window.stats.summary.text(), timeout=20_000)
    # Plain words; the file's size is said to be the whole vault's, apart from the counts of what is on show.
    assert "4 kept until deleted" in window.stats.summary.text() and "TTL" not in window.stats.summary.text()
    assert "<br>The whole vault takes " in window.stats.summary.text()
    assert len(window.stats.charts) == 5
    by_type = window.stats.charts[1].chart()
    assert dict(zip(by_type.categories, by_type.series[0].values)) == {"fact": 3, "event": 1}


def test_lock_hides_everything_of_the_vault(qtbot, desktop):
    desktop.services.memories.create(MemoryCreate(content="SECRET-PLAN-42"))
    desktop.window.browser.refresh()
    _wait_total(qtbot, desktop, 1)
    desktop.quick_capture.open_for(desktop.services, ["default"])
    with qtbot.waitSignal(desktop.locked, timeout=30_000):
        desktop.lock()
    QApplication.processEvents()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            texts = [w.text() for w in widget.findChildren(QWidget) if hasattr(w, "text") and callable(w.text)]
            plain = [w.toPlainText() for w in widget.findChildren(QWidget) if hasattr(w, "toPlainText")]
            assert not any("SECRET-PLAN-42" in str(t) for t in texts + plain), widget
    assert desktop.window is None and not desktop.quick_capture.isVisible()


def test_quick_capture_escape_cancels_without_saving(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default"])
    qtbot.keyClicks(capture.text, "never mind")
    qtbot.keyClick(capture.text, Qt.Key_Escape)
    assert not capture.isVisible()
    desktop.runner.wait()
    assert desktop.services.stats.stats().total == 0


def _leftovers(services, rowids):
    """Per rowid, how many rows each table still holds for it (all zero: gone; none zero: whole)."""
    from sqlalchemy import text

    queries = {"memories": "SELECT count(*) FROM memories WHERE id = :r",
               "fts": "SELECT count(*) FROM memory_fts WHERE rowid = :r",
               # Entries stored, plus the first version an unedited memory derives from its row.
               "history": "SELECT (SELECT count(*) FROM memory_history WHERE memory_id = :r) + EXISTS (SELECT 1 "
                          "FROM memories m WHERE m.id = :r AND NOT EXISTS (SELECT 1 FROM memory_history h "
                          "WHERE h.memory_id = m.id AND h.change != 'conflict'))",
               "tags": "SELECT count(*) FROM memory_tags WHERE memory_id = :r",
               "chunks": "SELECT count(*) FROM chunks WHERE memory_id = :r",
               "vectors": "SELECT count(*) FROM chunk_vectors WHERE chunk_id IN "
                          "(SELECT id FROM chunks WHERE memory_id = :r)"}
    with services.vault.db.read() as conn:
        return {r: {name: conn.execute(text(q), {"r": r}).scalar_one() for name, q in queries.items()} for r in rowids}


def test_a_question_before_what_cannot_be_undone_defaults_to_cancel(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from memvault.gui.widgets import confirm_for_good

    seen = {}

    def shown(box):  # the box as a user meets it: Enter and Escape both cancel
        seen.update(default=box.defaultButton().text(), escape=box.escapeButton().text(), text=box.text(),
                    more=box.informativeText(), buttons=[b.text() for b in box.buttons()])
        return QMessageBox.Cancel

    monkeypatch.setattr(QMessageBox, "exec", shown)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert confirm_for_good(parent, "Empty trash", "Delete the 3 memories in the trash for good?",
                            "&Delete for good") is False
    assert seen["default"] == seen["escape"] == "Cancel" and "&Delete for good" in seen["buttons"]
    assert seen["more"] == "This cannot be undone." and "3 memories" in seen["text"]


def test_empty_trash_shows_progress_and_can_be_cancelled(qtbot, desktop, monkeypatch):
    import threading

    from memvault.service import lifecycle

    monkeypatch.setattr(lifecycle, "PURGE_BATCH", 2)
    services = desktop.services
    made = services.memories.create_batch([MemoryCreate(content=f"junk {i}", tags=["junk"]) for i in range(10)])
    services.worker.wait_idle(20)
    rowids = [services.memories.get(item.memory_id).rowid for item in made.items]
    for item in made.items:
        services.lifecycle.delete(item.memory_id)
    sidebar = desktop.window.sidebar
    sidebar.setCurrentItem(next(sidebar.item(i) for i in range(sidebar.count())
                                if sidebar.item(i).text().startswith("Trash")))
    browser = desktop.window.browser
    _wait_total(qtbot, desktop, 10)
    # Hold the purge after its first batch until Cancel has been pressed, so the test does not race it.
    pressed = threading.Event()
    empty_trash = services.lifecycle.empty_trash

    def held(namespace=None, older_than_seconds=0, *, progress=None, cancelled=None):
        def report(done, total):
            progress(done, total)
            assert pressed.wait(20), "Cancel was never pressed"
        return empty_trash(namespace, older_than_seconds, progress=report, cancelled=cancelled)

    monkeypatch.setattr(services.lifecycle, "empty_trash", held)
    from memvault.gui import widgets

    asked = []
    monkeypatch.setattr(widgets, "confirm_for_good", lambda _parent, *question: asked.append(question) or True)
    qtbot.mouseClick(browser.purge_button, Qt.LeftButton)
    # How much, and that it is final (the dialog adds "This cannot be undone." and makes Cancel the default).
    assert asked == [("Empty trash", "Delete the 10 memories in the trash for good?", "&Delete for good")]
    dialog = browser.purge_progress
    qtbot.waitUntil(lambda: dialog.value() == 2 and dialog.maximum() == 10, timeout=20_000)
    dialog.show()  # it would appear by itself after 300 ms
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.LeftButton)
    assert dialog.wasCanceled()
    pressed.set()
    qtbot.waitUntil(lambda: "for good" in browser.notice.message_text(), timeout=20_000)
    assert "Deleted 2 memories for good" in browser.notice.message_text()
    _wait_total(qtbot, desktop, 8)
    assert services.stats.stats().deleted == 8
    left = _leftovers(services, rowids)
    gone = [r for r, counts in left.items() if not any(counts.values())]
    whole = [r for r, counts in left.items() if all(counts.values())]
    assert len(gone) == 2 and len(whole) == 8, left  # every memory is either all there or all gone


def test_idle_lock(qtbot, desktop):
    desktop.idle.timer.start(100)
    with qtbot.waitSignal(desktop.locked, timeout=10_000):
        pass
    assert desktop.window is None


@pytest.mark.seconds
def test_browser_filters_by_user_session_project_period_and_metadata(qtbot, desktop):
    from memvault.gui.filter_bar import metadata_filter

    s = desktop.services.memories
    s.create(MemoryCreate(content="a", user_id="u1", session_id="s1", project="p1", metadata={"src": "chat", "n": 3}))
    s.create(MemoryCreate(content="b", user_id="u2", session_id="s2", project="p2", metadata={"src": "mail"}))
    browser = desktop.window.browser
    browser.refresh()
    _wait_total(qtbot, desktop, 2)
    filters = browser.filters
    for widget, value in ((filters.user_filter, "u1"), (filters.session_filter, "s1"),
                          (filters.project_filter, "p1"), (filters.metadata_filter, "n=3")):
        widget.setText(value)
        _wait_total(qtbot, desktop, 1)
        assert browser.model.memory_at(0).content == "a"
        widget.setText("")
        _wait_total(qtbot, desktop, 2)
    filters.period_filter.setCurrentText("last 24 hours")
    _wait_total(qtbot, desktop, 2)
    assert metadata_filter("src=chat") == {"src": "chat"} and metadata_filter("ok=true") == {"ok": True}
    assert metadata_filter("nonsense") == {} and metadata_filter("ticket=") == {}
    # What cannot be read says so (it was ignored in silence while "More filters (1)" counted it).
    filters.metadata_filter.setText("{not json")
    qtbot.waitUntil(lambda: filters.metadata_filter.property("problem") is True, timeout=5_000)
    assert "key=value" in filters.metadata_filter.toolTip()
    filters.more_button.setChecked(False)
    qtbot.waitUntil(lambda: filters.chips.count() > 1, timeout=5_000)
    assert "ignored: write key=value" in filters.chips.itemAt(0).widget().text()
    filters.metadata_filter.setText("src=chat")
    qtbot.waitUntil(lambda: filters.metadata_filter.property("problem") is False, timeout=5_000)


def _mark_stale(services, memory_ids):
    from sqlalchemy import text

    with services.vault.db.write() as conn:
        for memory_id in memory_ids:
            conn.execute(text("UPDATE memories SET model_id = 'old-model-v0' WHERE uuid = :u"), {"u": memory_id})


def test_stale_vectors_are_offered_for_re_embedding_after_unlock(qtbot, desktop, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    made = desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(3)])
    desktop.services.worker.wait_idle(20)
    _mark_stale(desktop.services, [i.memory_id for i in made.items])
    asked = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: asked.append(a[2]) or QMessageBox.Yes))
    _lock_and_unlock(qtbot, desktop)
    # The offer comes after the first page is painted; the run ends with a status message.
    qtbot.waitUntil(lambda: "Re-embedded 3 of 3" in desktop.window.statusBar().currentMessage(), timeout=30_000)
    assert asked and asked[0].startswith("3 memories have vectors from another model")
    assert desktop.services.reembed.stale_count() == 0


def test_re_embedding_from_the_menu_can_be_cancelled(qtbot, desktop, monkeypatch):
    from memvault.service import reembed

    monkeypatch.setattr(reembed, "BATCH", 2)
    made = desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(40)])
    desktop.services.worker.wait_idle(30)
    _mark_stale(desktop.services, [i.memory_id for i in made.items])
    window = desktop.window
    reports = []
    window.reembedding.finished.connect(reports.append)
    window.reembedding.start(everything=False)
    dialog = window.reembedding.progress
    dialog.show()  # it would appear by itself after 300 ms
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: len(reports) == 1, timeout=30_000)
    report = reports[0]
    assert report.cancelled and report.done < report.total == 40
    assert desktop.services.reembed.stale_count() == 40 - report.done
    assert "Stopped after re-embedding" in window.statusBar().currentMessage()


def test_quick_capture_opens_without_the_last_captures_tags_and_type(qtbot, desktop):
    capture = desktop.quick_capture
    capture.open_for(desktop.services, ["default", "people"])
    capture.namespace.setCurrentText("people")
    capture.memory_type.setCurrentText("task")
    capture.tags.setText("people, comms")
    qtbot.keyClicks(capture.text, "Email Ravi the roadmap")
    with qtbot.waitSignal(capture.memory_captured, timeout=10_000):
        qtbot.keyClick(capture.text, Qt.Key_Return, Qt.ControlModifier)
    capture.open_for(desktop.services, ["default", "people"])
    # Text, type and tags belong to one memory; the namespace is where the next one likely goes too.
    assert (capture.text.toPlainText(), capture.memory_type.currentText(), capture.tags.text()) == (
        "", "automatic", "")
    assert capture.namespace.currentText() == "people"
    capture.close()


def test_the_trash_is_shown_on_the_memories_page_and_other_pages_say_all_namespaces(qtbot, desktop):
    """Trash chosen on Stats left Stats showing every namespace's live memories under a highlighted "Trash";
    Search then said "in all namespaces" with Trash still highlighted."""
    window = desktop.window
    sidebar = window.sidebar
    window.show_page(window.pages.indexOf(window.stats))
    trash = next(sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text().startswith("Trash"))
    sidebar.setCurrentItem(trash)
    assert window.pages.currentWidget() is window.browser and window.scope() == (None, True)
    assert window.rail.currentRow() == window.pages.indexOf(window.browser)
    window.show_page(window.pages.indexOf(window.search))
    assert window.scope() == (None, False)
    assert sidebar.currentItem().text().startswith("All namespaces")


def test_the_re_embed_question_counts_what_each_choice_covers(qtbot, desktop, monkeypatch):
    """The menu's question said neither how many memories were stale nor how many in all, and "Stale and failed
    only" with none stale ended in "Re-embedded 0 of 0 memories"."""
    from PySide6.QtWidgets import QMessageBox

    made = desktop.services.memories.create_batch([MemoryCreate(content=f"note {i}") for i in range(3)])
    desktop.services.worker.wait_idle(20)
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(
        (box.text(), {b.text(): b.isEnabled() for b in box.buttons()})) or 0)
    window = desktop.window
    window.reembed_action.trigger()
    qtbot.waitUntil(lambda: len(shown) == 1, timeout=10_000)
    text, buttons = shown[0]
    assert "Every memory has this model's vectors; 3 memories in all." in text
    assert buttons["Stale and failed only (0)"] is False and buttons["Every memory (3)"] is True
    _mark_stale(desktop.services, [made.items[0].memory_id])
    window.reembed_action.trigger()
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=10_000)
    text, buttons = shown[1]
    assert "1 memory has vectors from another model or failed to embed; 3 memories in all." in text
    assert buttons["Stale and failed only (1)"] is True


def test_a_filter_chip_follows_more_filters_in_the_tab_order_and_clearing_it_keeps_the_keyboard(qtbot, desktop):
    """The chip came after the list and New (made later, it went last in the chain), and Space on it left the
    keyboard nowhere once the chip was gone."""
    from PySide6.QtWidgets import QApplication

    window = desktop.window
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    filters = window.browser.filters
    filters.agent_filter.setText("ops-bot")
    qtbot.waitUntil(lambda: filters.chips.count() > 1, timeout=5_000)
    chip = filters.chips.itemAt(0).widget()
    assert filters.more_button.nextInFocusChain() is chip
    chip.setFocus(Qt.TabFocusReason)
    qtbot.waitUntil(chip.hasFocus)
    qtbot.keyClick(chip, Qt.Key_Space)
    qtbot.waitUntil(lambda: filters.chips.count() == 1, timeout=5_000)
    assert filters.agent_filter.text() == "" and QApplication.focusWidget() is filters.more_button
