"""A namespace of 64 characters with no space fits where it is shown: the sidebar row keeps its count, the detail
pane's title and the list's count line shorten it in the middle, and the whole name is a tooltip away."""

from memvault.domain.models import MemoryCreate
from memvault.gui.wording import short

LONG = "a" * 30 + "-" + "b" * 33


def test_a_long_namespace_gives_way_in_its_middle_and_keeps_its_count(qtbot, desktop, themed):
    window = desktop.window
    desktop.services.memories.create(MemoryCreate(content="Kept in a namespace with a long name", namespace=LONG))
    window.refresh_namespaces()

    def row():
        return next((window.sidebar.item(i) for i in range(window.sidebar.count())
                     if window.sidebar.item(i).data(256) == LONG), None)

    qtbot.waitUntil(lambda: row() is not None, timeout=20_000)
    item = row()
    assert item.text().endswith(" (1)") and "…" in item.text() and item.text().startswith("aaa")
    assert item.toolTip() == LONG
    metrics = window.sidebar.fontMetrics()
    assert metrics.horizontalAdvance(item.text()) + window.sidebar.iconSize().width() < window.sidebar.viewport().width()
    assert not window.sidebar.horizontalScrollBar().isVisible()
    default = next(window.sidebar.item(i) for i in range(window.sidebar.count())
                   if window.sidebar.item(i).data(256) == "default")
    assert default.text() == "default (0)" and default.toolTip() == ""

    window.sidebar.setCurrentItem(item)
    browser = window.browser
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1 and not browser.model.is_loading(), timeout=20_000)
    qtbot.waitUntil(lambda: browser.count.text() == f"1 memory in {short(LONG)}", timeout=20_000)
    browser.table.selectRow(0)
    detail = browser.detail
    qtbot.waitUntil(lambda: detail.title.toolTip() == LONG, timeout=20_000)
    assert f"<b>{short(LONG, 24)}</b>" in detail.title.text() and LONG not in detail.title.text()
    assert detail.title.sizeHint().width() <= detail.width()
    search = window.search
    qtbot.waitUntil(lambda: search.scope.text() == f"in {short(LONG)}", timeout=20_000)
    assert search.scope.toolTip() == LONG
