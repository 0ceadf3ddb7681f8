"""The facts-and-turns retrieval bench: a hit is the turn it shows; a fact alone counts as its turn only when lenient."""

from __future__ import annotations

import json

import pytest

from memvault.bench.fact_retrieval import run
from memvault.domain.enums import SearchMode

SET = {"conversations": [{"id": "x1", "split": "tune", "user_name": "Noor", "sessions": [
    {"id": "s1", "date": "2026-03-02 10:00", "turns": [
        {"id": "x1:1", "speaker": "user", "text": "Morning! Quick update: I adopted a greyhound called Pilot yesterday."},
        {"id": "x1:2", "speaker": "assistant", "text": "Lovely news, congratulations!"},
        {"id": "x1:3", "speaker": "user", "text": "Thanks. Also I switched jobs, I now work at a bakery in Ghent."}]}],
    "questions": [{"id": "q1", "kind": "single-fact", "question": "Which dog did the user adopt?",
                   "evidence": ["x1:1"]}]}]}


@pytest.mark.slow
def test_facts_are_stored_and_scored_as_their_source_turns(tmp_path, real_embedder):
    path = tmp_path / "set.json"
    path.write_text(json.dumps(SET), "utf-8")
    figures = run(path, (SearchMode.SEMANTIC,))
    assert figures["facts"]["stored"]["n"] >= 2
    assert figures["tune"]["semantic"] == {"turns": 1.0, "turns+facts": 1.0, "lenient": 1.0}
    assert "heldout" not in figures


def test_a_fact_shown_alone_takes_a_slot_and_counts_as_its_turn_only_when_lenient():
    from types import SimpleNamespace as NS

    from memvault.bench.fact_retrieval import _ranked

    hits = [NS(memory=NS(id="f1", client_id=None)), NS(memory=NS(id="t1", client_id="x1/x1:1")),
            NS(memory=NS(id="t3", client_id="x1/x1:3"))]
    services = NS(search=NS(search=lambda query: NS(hits=hits)))
    conversation = NS(id="x1", user_id="u")
    assert _ranked(services, conversation, "q", SearchMode.HYBRID, "ns", {"f1": "x1/x1:3"}, True) == ["x1:3", "x1:1"]
    assert _ranked(services, conversation, "q", SearchMode.HYBRID, "ns", {"f1": "x1/x1:3"}, False) == [
        "fact:f1", "x1:1", "x1:3"]


def test_shared_searches_the_whole_namespace_and_another_conversations_turns_match_no_evidence():
    from types import SimpleNamespace as NS

    from memvault.bench.fact_retrieval import _ranked

    asked = []
    hits = [NS(memory=NS(id="f9", client_id=None)), NS(memory=NS(id="t2", client_id="x2/x1:1")),
            NS(memory=NS(id="t1", client_id="x1/x1:1"))]
    services = NS(search=NS(search=lambda query: asked.append(query.filter) or NS(hits=hits)))
    conversation = NS(id="x1", user_id="noor")
    # x2's fact and turn share x1's turn ids; only x1's own turn is x1:1.
    assert _ranked(services, conversation, "q", SearchMode.HYBRID, "shared-facts", {"f9": "x2/x1:3"}, True,
                   shared=True) == ["x2/x1:3", "x2/x1:1", "x1:1"]
    assert asked[0].user_id is None and asked[0].namespace == "shared-facts"
    _ranked(services, conversation, "q", SearchMode.HYBRID, "conv-x1", {}, False)
    assert asked[1].user_id == "noor"


def test_the_no_fold_control_finds_no_facts_on_a_page_and_keeps_every_other_look_up(monkeypatch):
    from memvault.bench.fact_retrieval import without_folding
    from memvault.ranking import facts as fact_ranking
    from memvault.vault import fact_links

    monkeypatch.setattr(fact_ranking, "fact_links", fact_links)
    without_folding()
    assert fact_ranking.fact_links.facts_among(None, [1, 2]) == {}
    # The control once replaced the whole module, and the first search scoped to a user failed on this look-up.
    assert fact_ranking.fact_links.person_name is fact_links.person_name
    assert fact_ranking.fact_links.any_facts is fact_links.any_facts
