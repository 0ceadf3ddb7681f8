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
