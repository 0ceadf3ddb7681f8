"""The Search page says which namespace it searches, and an empty result points to the others."""

from __future__ import annotations

from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryCreate, SearchHit, SearchResult


def _search(qtbot, search, text):
    search.query.clear()
    with qtbot.waitSignal(search.results_shown, timeout=20_000):
        qtbot.keyClicks(search.query, text)


def test_search_names_its_scope_and_an_empty_result_points_to_other_namespaces(qtbot, desktop, monkeypatch):
    weak = desktop.services.memories.create(MemoryCreate(content="Deploys happen on Tuesdays")).memory
    hits: list[SearchHit] = []
    monkeypatch.setattr(desktop.services.search, "search", lambda query: SearchResult(
        hits=tuple(hits), mode=query.mode, total_evaluated=1, took_ms=1.0))
    window = desktop.window
    search = window.search
    window.pages.setCurrentWidget(search)
    search.set_namespace("work")
    assert search.scope.isVisibleTo(search) and search.scope.text() == "in work"
    assert "work" in search.query.placeholderText()
    # Before typing, the page says what to type (a blank box said nothing).
    assert search.result_stack.currentWidget() is search.empty and search.empty.text().startswith("Ask about what is stored in work")
    # In the words of the mode menu beside it (it said "Hybrid … keyword" under "Meaning and words").
    assert all(search.mode.itemText(i).lower() in search.empty.text().lower() for i in (0, 2))
    assert "hybrid" not in search.empty.text().lower()
    _search(qtbot, search, "who is my boss")
    assert search.result_stack.currentWidget() is search.empty
    text = search.empty.text()
    assert "in work" in text and "All namespaces" in text and "Nothing stored" not in text
    hits.append(SearchHit(weak, 0.001, weak.content))  # only a weak match: still "not here", not "nowhere"
    _search(qtbot, search, "who is my manager")
    assert text != search.empty.text() and search.empty.text().startswith("No good match")
    assert "in work" in search.empty.text() and "All namespaces" in search.empty.text()
    search.set_namespace(None)
    assert search.scope.text() == "in all namespaces"
    _search(qtbot, search, "who is my boss")
    assert "in all namespaces" in search.empty.text() and "choose All namespaces" not in search.empty.text()


def test_the_open_button_says_where_it_shows_the_memory(desktop):
    button = desktop.window.search.open_button
    assert button.text() == "Show in Memories" and "browser" not in button.accessibleName()


def test_a_search_of_an_empty_scope_says_nothing_is_stored_there(qtbot, desktop):
    # The real search on the desktop's empty vault: "nothing matches" read as if the question were wrong.
    window = desktop.window
    search = window.search
    window.pages.setCurrentWidget(search)
    search.set_namespace(None)
    _search(qtbot, search, "anything at all")
    assert search.empty.text().startswith("Nothing is stored in all namespaces yet.")
    desktop.services.memories.create(MemoryCreate(content="Deploys happen on Tuesdays"))
    desktop.services.worker.drain()
    search.tags.setText("ops")  # something stored, none with the tag
    _search(qtbot, search, "anything else")
    assert search.empty.text().startswith("No memory in all namespaces has the type or tags chosen.")


def test_the_result_show_in_memories_acts_on_is_marked_chosen(qtbot, desktop, monkeypatch):
    """Tab into the results made the first one current with only a focus frame, gone once the keyboard left the
    list, while "Show in Memories" still acted on it: the current result is the selected one."""
    from PySide6.QtCore import Qt

    memory = desktop.services.memories.create(MemoryCreate(content="Deploys happen on Tuesdays")).memory
    monkeypatch.setattr(desktop.services.search, "search", lambda query: SearchResult(
        hits=(SearchHit(memory, 0.9, memory.content, good_match=True),), mode=query.mode, total_evaluated=1,
        took_ms=1.0))
    window = desktop.window
    search = window.search
    window.pages.setCurrentWidget(search)
    _search(qtbot, search, "when are deploys")
    search.results.setFocus(Qt.TabFocusReason)
    search.results.setCurrentRow(0, search.results.selectionModel().SelectionFlag.NoUpdate)  # as Tab leaves it
    assert search.results.currentItem() is not None
    assert search.results.selectedItems() == [search.results.currentItem()]
    with qtbot.waitSignal(search.open_requested) as opened:
        search.open_button.click()
    assert opened.args == [memory.id]


def test_a_confidential_memory_that_would_rank_first_is_mentioned_beside_good_hits(qtbot, desktop, monkeypatch):
    """With Confidential unticked, "does the user have food allergies" showed one weak good hit (0.13) and said
    nothing of the confidential one matching at 0.71."""
    from PySide6.QtCore import Qt

    from memvault.domain.enums import Visibility

    shown = desktop.services.memories.create(MemoryCreate(content="The user avoids spicy food")).memory
    secret = desktop.services.memories.create(MemoryCreate(content="The user has a severe peanut allergy",
                                                            visibility=Visibility.CONFIDENTIAL)).memory

    weak = desktop.services.memories.create(MemoryCreate(content="The user likes long walks")).memory

    def search(query):
        hits = [SearchHit(shown, 0.13, shown.content, good_match=True), SearchHit(weak, 0.01, weak.content)]
        if query.filter.include_confidential:
            hits.insert(0, SearchHit(secret, 0.71, secret.content, good_match=True))
        return SearchResult(hits=tuple(hits[:query.limit]), mode=query.mode, total_evaluated=2, took_ms=1.0)

    monkeypatch.setattr(desktop.services.search, "search", search)
    window = desktop.window
    search_page = window.search
    window.pages.setCurrentWidget(search_page)
    search_page.set_namespace(None)
    _search(qtbot, search_page, "does the user have food allergies")
    assert "a confidential memory matches better: tick Confidential to see it" in search_page.status.text()
    assert search_page.results.count() == 1  # still not shown
    # Shown and hidden again, the weaker match leaves the word about the confidential one where it was.
    qtbot.mouseClick(search_page.show_weak, Qt.LeftButton)
    qtbot.mouseClick(search_page.show_weak, Qt.LeftButton)
    assert search_page.results.count() == 1
    assert "a confidential memory matches better: tick Confidential to see it" in search_page.status.text()
    search_page.confidential.setChecked(True)
    qtbot.waitUntil(lambda: search_page.results.count() == 2, timeout=10_000)
    assert "confidential memory matches better" not in search_page.status.text()
