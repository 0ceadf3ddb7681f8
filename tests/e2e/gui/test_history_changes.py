"""The detail pane's history says what each version changed: two tag edits read "update" and a date alike."""

from __future__ import annotations

from memvault.domain.models import MemoryCreate, MemoryUpdate


def test_two_tag_edits_in_the_history_say_which_tags_each_added_or_removed(qtbot, desktop):
    memories = desktop.services.memories
    memory = memories.create(MemoryCreate(content="Standup moves to 10", tags=["work"])).memory
    memories.update(memory.id, MemoryUpdate(tags=["work", "urgent"]))
    memories.update(memory.id, MemoryUpdate(tags=["work"]))
    memories.update(memory.id, MemoryUpdate(content="Standup moves to 10:30", importance=0.8))
    browser = desktop.window.browser
    browser.refresh()
    qtbot.waitUntil(lambda: browser.model.row_of(memory.id) >= 0 and not browser.model.is_loading(), timeout=20_000)
    browser.select_memory(memory.id)
    history = browser.detail.history
    qtbot.waitUntil(lambda: history.count() == 4, timeout=20_000)
    heads = [history.item(row).text().splitlines()[0] for row in range(4)]  # newest first
    assert "text edited" in heads[0] and "importance 0.50 → 0.80" in heads[0] and "tags" not in heads[0]
    assert "tags −\u2068urgent\u2069" in heads[1] and "+" not in heads[1]
    assert "tags +\u2068urgent\u2069" in heads[2] and "−" not in heads[2]
    assert heads[1].split(" · ")[1] != heads[2].split(" · ")[1]
    assert heads[3].startswith("v1 · create · ")  # the first version changed nothing before it



def _ink(image, rect) -> int:
    """Dark pixels (text) inside ``rect`` of ``image``."""
    return sum(image.pixelColor(x, y).lightness() < 96 for x in range(rect.left(), rect.right() + 1)
               for y in range(rect.top(), rect.bottom() + 1))


def test_a_long_versions_wrapped_lines_are_all_drawn_under_the_apps_style_sheet(qtbot, themed):
    """An outside walkthrough: under the app's style sheet a version of four wrapped lines was drawn in three and
    cut with "…": Qt measured the row without the item's side padding and drew it with. A row ending in a run of
    solid blocks draws that run's ink only if its last line is drawn."""
    from PySide6.QtWidgets import QListWidgetItem

    from memvault.gui.history_lines import HistoryList

    text = ("v3 · update: text edited · 2026-12-01 03:40\nThe user moved to Zurich in March for the new job at the "
            "bank and then started looking for a flat near the lake with a view of the mountains.")
    blocks = "\u2588" * 6
    for width in range(240, 480, 20):
        history = HistoryList()
        qtbot.addWidget(history)
        history.resize(width, 500)
        for row_text in (f"{text} {blocks}", text, blocks):
            history.addItem(QListWidgetItem(row_text))
        history.show()
        qtbot.waitExposed(history)
        history.clearSelection()
        image = history.viewport().grab().toImage()
        with_blocks, without, alone = (_ink(image, history.visualItemRect(history.item(row))) for row in range(3))
        assert with_blocks - without >= 0.8 * alone > 0, (width, with_blocks, without, alone)
        history.close()
