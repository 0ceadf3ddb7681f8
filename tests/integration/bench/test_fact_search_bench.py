"""The bench's facts row: the same chats with and without their facts, both searched (speed is not asserted)."""

from __future__ import annotations

import pytest

from memvault.bench import extraction_speed, fact_search
from memvault.domain.enums import SearchMode
from memvault.domain.models import MemoryFilter, SearchQuery

# The bundled model embeds the turns and the facts, and spaCy extracts them.
pytestmark = pytest.mark.slow


def test_the_facts_namespace_holds_the_turns_and_their_facts_and_the_other_the_turns_alone(services):
    chats = extraction_speed.conversations(4)
    facts = fact_search._store(services, chats)
    turns = sum(len(messages) for messages, _, _ in chats)
    assert facts > 0
    assert services.memories.count(MemoryFilter(namespace=fact_search.TURNS_NAMESPACE)) == turns
    assert services.memories.count(MemoryFilter(namespace=fact_search.FACTS_NAMESPACE)) == turns + facts
    # The facts fold into the turns they were read from: a question about one shows its turn.
    name = chats[0][1]
    hits = services.search.search(SearchQuery(f"Where does {name} live?", mode=SearchMode.HYBRID, filter=MemoryFilter(
        namespace=fact_search.FACTS_NAMESPACE))).hits
    assert any(h.facts for h in hits) and all(h.memory.metadata.get("speaker") for h in hits)


def test_the_row_times_both_namespaces_and_is_reported(tmp_path):
    from memvault.service.container import load_embedder
    from tests.helpers import fast_settings

    settings = fast_settings(tmp_path / "unused")
    figures = fact_search.run_fact_search(settings, load_embedder(settings), chats=3, queries=4)
    assert figures["chats"] == 3 and figures["queries"] == 4 and figures["facts"] > 0
    assert figures["turns"] == sum(len(m) for m, _, _ in extraction_speed.conversations(3))
    assert all(figures[f"{ns}_p95_ms"] >= figures[f"{ns}_p50_ms"] > 0 for ns in ("turns", "facts"))
    line = fact_search.describe(figures)
    assert "(3 generated chats" in line and "for the same turns without facts" in line
    assert not list(tmp_path.glob("unused*"))
