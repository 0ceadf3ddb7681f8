"""What the detail pane's quiet block says about a memory (app/memvault/gui/detail_meta.py)."""

from __future__ import annotations

import dataclasses

from memvault.domain.entities import TypeSource
from memvault.domain.enums import EmbeddingStatus, MemoryType, Tier, Visibility
from memvault.domain.models import Memory
from memvault.gui.detail_meta import facts_of, stamp

NOW = 1_750_000_000.0


def _memory(**changes) -> Memory:
    base = Memory(id="m1", rowid=1, namespace="work", content="x", memory_type=MemoryType.FACT, tags=(),
                  metadata={}, importance=0.5, tier=Tier.from_importance(0.5), visibility=Visibility.PRIVATE,
                  agent_id=None, user_id=None, session_id=None, project=None, client_id=None,
                  created_at=NOW - 7200, updated_at=NOW - 7200, expires_at=None, deleted_at=None, archived_at=None,
                  version=1, embedding_status=EmbeddingStatus.READY, model_id=None,
                  memory_type_source=TypeSource.EXPLICIT)
    return dataclasses.replace(base, **changes)


def test_only_what_the_memory_has_is_listed_in_a_fixed_order():
    assert [label for label, _ in facts_of(_memory(), NOW)] == ["Namespace", "Created"]
    rows = facts_of(_memory(agent_id="planner", updated_at=NOW - 60, client_id="cursor", user_id="u7",
                            metadata={"fact": {"person": "Alice Chen"}}), NOW)
    # Whom a fact is about is its summary's to say (an outside walkthrough saw "About Sam" twice in one pane).
    assert [label for label, _ in rows] == ["Agent", "Namespace", "Created", "Updated", "Source", "User"]
    values = dict(rows)
    assert values["Created"].endswith("· 2 h ago") and values["Updated"].endswith("· 1 min ago")
    assert values["Source"] == "cursor"


def test_a_metadata_source_wins_over_the_client_and_blank_ones_are_left_out():
    assert dict(facts_of(_memory(client_id="cursor", metadata={"source": "chatgpt"}), NOW))["Source"] == "chatgpt"
    assert "Source" not in dict(facts_of(_memory(metadata={"source": "  "}), NOW))


def test_stamp_has_the_exact_time_and_how_long_ago():
    assert stamp(NOW - 30, NOW).endswith(" · just now") and len(stamp(NOW, NOW).split(" · ")[0]) == 16


def test_a_memory_that_will_be_forgotten_says_when_and_its_project_shows():
    """A memory stored to expire in 3 days said nothing about it, and its project showed nowhere."""
    rows = dict(facts_of(_memory(project="atlas", expires_at=NOW + 3 * 86400 + 60), NOW))
    assert rows["Project"] == "atlas" and rows["Expires"].endswith(" · in 3 days")
    assert dict(facts_of(_memory(expires_at=NOW + 5400), NOW))["Expires"].endswith(" · in 1 h")
    assert dict(facts_of(_memory(expires_at=NOW + 90), NOW))["Expires"].endswith(" · in 1 min")
    assert dict(facts_of(_memory(expires_at=NOW - 1), NOW))["Expires"].endswith(" · expired")
    assert [label for label, _ in facts_of(_memory(project="atlas", expires_at=NOW + 60), NOW)] == [
        "Namespace", "Project", "Created", "Expires"]


def test_how_long_ago_goes_on_counting_while_a_memory_is_on_show(qtbot, monkeypatch):
    """An outside QA pass: the pane said "1 min ago" beside the list's "2 min ago" (it was written once)."""
    import time

    from memvault.gui import wording
    from memvault.gui.detail_meta import MetadataBlock

    block = MetadataBlock()
    qtbot.addWidget(block)
    now = time.time()
    block.show_memory(_memory(created_at=now - 60, updated_at=now - 60))
    assert block.values["Created"].text().endswith("1 min ago")
    monkeypatch.setattr(wording.time, "time", lambda: now + 240)
    assert block.clock.isActive()
    block.clock.timeout.emit()
    assert block.values["Created"].text().endswith("5 min ago")
