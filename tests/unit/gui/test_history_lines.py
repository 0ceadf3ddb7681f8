"""What a version changed since the one before it, as the history list says it (gui/history_lines.py)."""

from __future__ import annotations

import dataclasses

from memvault.domain.enums import MemoryType, Tier, Visibility
from memvault.domain.models import HistoryEntry
from memvault.gui.history_lines import history_label, what_changed

FIRST = HistoryEntry(memory_id="m1", version=1, change="create", changed_at=1_750_000_000.0, content="tea",
                     memory_type=MemoryType.PREFERENCE, tags=("drinks",), metadata={"source": "chat"},
                     importance=0.5, tier=Tier.WARM, visibility=Visibility.PRIVATE)


def _next(**changes) -> HistoryEntry:
    return dataclasses.replace(FIRST, version=2, change="update", **changes)


def test_each_field_a_version_keeps_is_said_when_it_changed():
    assert what_changed(None, FIRST) == ""
    assert what_changed(FIRST, _next()) == ""
    assert what_changed(FIRST, _next(content="green tea")) == "text edited"
    assert what_changed(FIRST, _next(memory_type=MemoryType.FACT)) == "type preference → fact"
    assert what_changed(FIRST, _next(importance=0.75)) == "importance 0.50 → 0.75"
    assert what_changed(FIRST, _next(visibility=Visibility.CONFIDENTIAL)) == "visibility private → confidential"
    assert what_changed(FIRST, _next(metadata={"source": "cli", "mood": "calm"})) == (
        "metadata \u2068mood\u2069, \u2068source\u2069")
    assert what_changed(FIRST, _next(tags=("drinks", "tea", "morning"))) == "tags +\u2068tea\u2069 +\u2068morning\u2069"
    assert what_changed(FIRST, _next(tags=())) == "tags −\u2068drinks\u2069"
    assert what_changed(FIRST, _next(content="green tea", tags=("tea",))) == (
        "text edited; tags +\u2068tea\u2069 −\u2068drinks\u2069")


def test_the_label_puts_the_change_after_what_happened():
    label = history_label(_next(tags=("drinks", "tea")), before=FIRST)
    head, text = label.split("\n")
    assert head.startswith("v2 · update: tags +\u2068tea\u2069 · ") and text == "tea"
    assert history_label(FIRST).startswith("v1 · create · ")
