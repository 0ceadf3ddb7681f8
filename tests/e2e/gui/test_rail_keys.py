"""The rail and the pages by keyboard: focus is visible there, shortcuts take the keyboard to the page."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from memvault.gui.theme import LIGHT, apply_theme


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: window.isActiveWindow(), timeout=5_000)


def _has_colour(image, rect, colour: str) -> bool:
    wanted = QColor(colour).rgb()
    return any(image.pixel(x, y) == wanted for y in range(rect.top(), rect.bottom() + 1)
               for x in range(rect.left(), rect.right() + 1))


def test_focus_in_the_rail_and_the_namespaces_is_drawn(qtbot, qapp, desktop):
    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    try:
        window = desktop.window
        _activate(qtbot, window)
        for widget in (window.rail, window.sidebar):
            qtbot.waitUntil(lambda w=widget: w.count() > 1, timeout=10_000)
            widget.setFocus(Qt.TabFocusReason)
            qtbot.waitUntil(lambda w=widget: w.hasFocus(), timeout=5_000)
            rect = widget.visualItemRect(widget.currentItem())
            image = widget.viewport().grab().toImage()
            assert _has_colour(image, rect, LIGHT["focus"]), widget.objectName()
            window.browser.table.setFocus()
            qtbot.waitUntil(lambda w=widget: not w.hasFocus(), timeout=5_000)
            image = widget.viewport().grab().toImage()
            assert not _has_colour(image, rect, LIGHT["focus"]), widget.objectName()
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def _press(qtbot, key, modifier=Qt.NoModifier):
    """A key press as the user makes it: to whichever widget has the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, modifier)


def _with_work_namespace(qtbot, desktop):
    """The window active, its namespaces list showing "work" (one memory there): the list."""
    from memvault.domain.models import MemoryCreate

    desktop.services.memories.create(MemoryCreate(content="Alice is my boss", namespace="work"))
    _activate(qtbot, desktop.window)
    sidebar = desktop.window.sidebar
    qtbot.waitUntil(lambda: any(sidebar.item(i).data(256) == "work" for i in range(sidebar.count())), timeout=10_000)
    return sidebar


def test_ctrl_digit_from_the_namespaces_takes_the_keyboard_to_the_page(qtbot, desktop):
    window = desktop.window
    sidebar = _with_work_namespace(qtbot, desktop)
    sidebar.setCurrentRow(0)  # All namespaces, chosen in the rail: the keyboard is there now
    sidebar.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(lambda: sidebar.hasFocus(), timeout=5_000)
    _press(qtbot, Qt.Key_2, Qt.ControlModifier)
    assert window.pages.currentWidget() is window.search
    assert QApplication.focusWidget() is window.search.query
    qtbot.keyClicks(QApplication.focusWidget(), "who")
    assert window.search.query.text() == "who"
    assert window.scope() == (None, False)  # still All namespaces
    window.rail.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(lambda: window.rail.hasFocus(), timeout=5_000)
    _press(qtbot, Qt.Key_1, Qt.ControlModifier)
    assert QApplication.focusWidget() is window.browser.table


def test_a_letter_typed_in_the_namespaces_does_not_change_the_scope(qtbot, desktop):
    window = desktop.window
    sidebar = _with_work_namespace(qtbot, desktop)
    sidebar.setCurrentRow(0)
    sidebar.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(lambda: sidebar.hasFocus(), timeout=5_000)
    qtbot.keyClicks(sidebar, "w")
    assert window.scope() == (None, False)
    _press(qtbot, Qt.Key_Down)  # arrows still choose, with the ring showing which
    assert window.scope() != (None, False)


def test_the_rails_memories_count_is_the_scopes(qtbot, desktop):
    from memvault.domain.models import MemoryCreate

    window = desktop.window
    sidebar = _with_work_namespace(qtbot, desktop)  # one memory in work
    desktop.services.memories.create(MemoryCreate(content="a second one in work", namespace="work"))
    desktop.services.memories.create(MemoryCreate(content="one in default"))
    window.refresh_namespaces()
    qtbot.waitUntil(lambda: any(sidebar.item(i).text() == "work (2)" for i in range(sidebar.count())), timeout=10_000)

    def shown_for(key):
        row = next(i for i in range(sidebar.count()) if sidebar.item(i).data(256) == key)
        sidebar.setCurrentRow(row)
        return window.rail.item(0).text()

    assert shown_for("work").split() == ["Memories", "2"]  # as the list below shows, not the vault's 3
    assert shown_for("default").split() == ["Memories", "1"]
    assert shown_for(sidebar.item(0).data(256)).split() == ["Memories", "3"]  # All namespaces
    assert shown_for(sidebar.item(sidebar.count() - 1).data(256)) == "Memories"  # the Trash, last: empty
    assert sidebar.item(sidebar.count() - 1).text() == "Trash"


def test_the_trash_says_how_many_memories_it_holds(qtbot, desktop):
    """A walkthrough: the sidebar counted every namespace's memories but not the trash's."""
    from memvault.domain.models import MemoryCreate

    window, services = desktop.window, desktop.services
    sidebar = _with_work_namespace(qtbot, desktop)
    made = [services.memories.create(MemoryCreate(content=f"note {n}", namespace="work")).memory for n in range(3)]
    for memory in made[:2]:
        services.lifecycle.delete(memory.id)

    def trash_row():
        return sidebar.item(sidebar.count() - 1)

    qtbot.waitUntil(lambda: trash_row().text() == "Trash (2)", timeout=10_000)  # the deletes refresh the sidebar
    sidebar.setCurrentItem(trash_row())
    assert window.rail.item(0).text().split() == ["Memories", "2"]  # as the trash's list shows
    services.lifecycle.restore(made[0].id)
    qtbot.waitUntil(lambda: trash_row().text() == "Trash (1)", timeout=10_000)
    assert any(sidebar.item(i).text() == "work (3)" for i in range(sidebar.count()))  # its first, and two


def test_focus_on_a_checked_box_is_drawn(qtbot, qapp):
    """An outside QA pass: a checked box's focus ring had the accent's colour, which fills the box."""
    from PySide6.QtWidgets import QCheckBox, QLineEdit, QVBoxLayout, QWidget

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    try:
        window = QWidget()
        qtbot.addWidget(window)
        box, other = QCheckBox("Run the agent API while unlocked"), QLineEdit()
        layout = QVBoxLayout(window)
        layout.addWidget(box)
        layout.addWidget(other)
        window.show()
        _activate(qtbot, window)
        from PySide6.QtWidgets import QStyle, QStyleOptionButton

        box.setChecked(True)
        option = QStyleOptionButton()
        box.initStyleOption(option)
        indicator = box.style().subElementRect(QStyle.SE_CheckBoxIndicator, option, box)
        box.setFocus(Qt.TabFocusReason)
        qtbot.waitUntil(lambda: box.hasFocus(), timeout=5_000)
        assert _has_colour(box.grab().toImage(), indicator, LIGHT["text"])  # the ring, in the text's colour
        other.setFocus(Qt.TabFocusReason)
        qtbot.waitUntil(lambda: not box.hasFocus(), timeout=5_000)
        assert not _has_colour(box.grab().toImage(), indicator, LIGHT["text"])
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)


def test_the_notes_scroll_bar_is_drawn_on_the_pane_and_the_history_leaves_it_room(qtbot, qapp, desktop):
    """An outside QA pass: a long note's scroll bar had a solid black groove, and the note kept ~150 px at any
    window size while one version sat in a history list three times its height."""
    from memvault.domain.models import MemoryCreate

    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    try:
        text = " ".join(f"Sentence {i} of a long research note about consensus protocols." for i in range(60))
        desktop.services.memories.create(MemoryCreate(content=text))
        browser = desktop.window.browser
        browser.refresh()
        qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=10_000)
        browser.table.selectRow(0)
        detail = browser.detail
        qtbot.waitUntil(lambda: detail.history.count() == 1, timeout=10_000)
        bar = detail.content.verticalScrollBar()
        qtbot.waitUntil(lambda: bar.isVisible(), timeout=5_000)
        image = bar.grab().toImage()
        black = QColor("#000000").rgb()
        assert not any(image.pixel(x, y) == black for y in range(image.height()) for x in range(image.width()))
        assert detail.history.maximumHeight() < 2 * detail.history.minimumHeight()
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
