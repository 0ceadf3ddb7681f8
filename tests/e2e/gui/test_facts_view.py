"""Extracted facts in the browser: superseded ones struck through, provenance and links in the detail pane."""

from __future__ import annotations

from PySide6.QtCore import Qt

from memvault.domain.conversations import ChatMessage, ConversationSubmission
from memvault.gui.fact_info import fact_summary


def _ingest(services, text: str, cid: str) -> str:
    job = services.conversations.ingest(ConversationSubmission((ChatMessage("user", text),), "default",
                                                               conversation_id=cid))
    return job.result["facts"][0]["id"]


def test_a_superseded_fact_is_struck_through_and_links_to_its_successor(qtbot, desktop):
    services = desktop.services
    old_id = _ingest(services, "Hello! I live in Lisbon.", "chat-1")
    new_id = _ingest(services, "I live in Porto now.", "chat-2")
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 2, timeout=10_000)
    rows = {browser.model.memory_at(r).id: r for r in range(2)}
    font = browser.model.data(browser.model.index(rows[old_id], 0), Qt.ItemDataRole.FontRole)
    assert font is not None and font.strikeOut()
    assert browser.model.data(browser.model.index(rows[new_id], 0), Qt.ItemDataRole.FontRole) is None
    browser.table.selectRow(rows[old_id])
    info = browser.detail.fact_info
    assert info.isVisibleTo(browser.detail)
    assert "chat-1" in info.text() and "message 1, characters 8–23" in info.text() and "Superseded" in info.text()
    assert "“I live in Lisbon”" in info.text()
    info.linkActivated.emit(f"memory:{new_id}")
    qtbot.waitUntil(lambda: browser.detail.memory() is not None and browser.detail.memory().id == new_id,
                    timeout=10_000)
    assert "Replaces" in browser.detail.fact_info.text()


def test_an_ordinary_memory_shows_no_fact_line(qtbot, desktop):
    from memvault.domain.models import MemoryCreate

    memory = desktop.services.memories.create(MemoryCreate(content="plain note")).memory
    assert fact_summary(memory) is None
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 1, timeout=10_000)
    browser.table.selectRow(0)
    assert not browser.detail.fact_info.isVisibleTo(browser.detail)


def test_search_shows_a_superseded_fact_struck_through(qtbot, desktop):
    from memvault.domain.models import MemoryFilter, SearchQuery
    from memvault.gui.search_view import HitWidget

    services = desktop.services
    _ingest(services, "I live in Lisbon.", "chat-1")
    _ingest(services, "I live in Porto now.", "chat-2")
    hits = services.search.search(SearchQuery("live", mode="keyword", limit=5, filter=MemoryFilter())).hits
    view = desktop.window.search
    view._show_hits(hits)
    texts = {}
    for row in range(view.results.count()):
        widget = view.results.itemWidget(view.results.item(row))
        label = widget.findChildren(type(desktop.window.browser.detail.fact_info))[0]
        texts[view.results.item(row).data(256)] = label.text()
    assert isinstance(widget, HitWidget)
    struck = [t for t in texts.values() if "<s>" in t]
    assert len(struck) == 1 and "Lisbon" in struck[0] and "superseded by a newer fact" in struck[0]


def test_the_fact_pane_says_whose_each_fact_is(qtbot, desktop):
    services = desktop.services
    chat = (ChatMessage("user", "I teach chemistry in Faro.", name="Ines"),
            ChatMessage("assistant", "I repair boats in Sagres.", name="Bruno"))
    job = services.conversations.ingest(ConversationSubmission(chat, "default", user_id="ines-1"))
    unnamed = _ingest(services, "I play the cello.", "chat-3")
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.rowCount() == 3, timeout=10_000)
    rows = {browser.model.memory_at(r).id: r for r in range(3)}
    ines, bruno = (f["id"] for f in job.result["facts"])
    shown = {}
    for memory_id in (ines, bruno, unnamed):
        browser.table.selectRow(rows[memory_id])
        qtbot.waitUntil(lambda m=memory_id: browser.detail.memory() is not None and browser.detail.memory().id == m,
                        timeout=10_000)
        shown[memory_id] = browser.detail.fact_info.text()
    assert "One of <b>Ines</b>’s facts (ines-1)" in shown[ines]
    assert "One of <b>Bruno</b>’s facts" in shown[bruno] and "(Bruno)" not in shown[bruno]
    assert "One of <b>the user</b>’s facts (no name given)" in shown[unnamed]
