"""The conversation retrieval set in tests/data/conversations and its loader (no model needed)."""

import json
from collections import Counter

import pytest

from memvault.bench.conversations import HALVES, KINDS, load_conversations, score
from memvault.domain.errors import InvalidInput
from tests.helpers import DATA

SET = DATA / "conversations" / "conversations.json"


def test_the_shipped_set_is_large_varied_and_split_by_conversation():
    conversations = load_conversations(SET)
    assert len(conversations) >= 10
    questions = [q for c in conversations for q in c.questions]
    assert len(questions) >= 200
    assert len({q.id for q in questions}) == len(questions)
    for half in HALVES:
        mine = [c for c in conversations if c.split == half]
        kinds = Counter(q.kind for c in mine for q in c.questions)
        assert set(kinds) == set(KINDS), (half, kinds)
        assert sum(kinds.values()) >= 100
    for c in conversations:
        assert len(c.sessions) >= 3 and all(len(s.turns) >= 8 for s in c.sessions)
        assert [s.date for s in c.sessions] == sorted(s.date for s in c.sessions)
        assert {t.speaker for s in c.sessions for t in s.turns} == {"user", "assistant"}
    # Questions are about things said across the whole conversation, not only its first session.
    sessions_cited = {(c.id, e.split(":")[0]) for c in conversations for q in c.questions for e in q.evidence}
    assert len(sessions_cited) >= 5 * len(conversations)
    readme = (SET.parent / "README.md").read_text()
    assert "Apache-2.0" in readme and "heldout" in readme and "written" in readme.lower()


@pytest.mark.parametrize("change,message", [
    (lambda d: d["conversations"][0]["questions"][0].update(kind="trivia"), "kind 'trivia'"),
    (lambda d: d["conversations"][0]["questions"][0].update(evidence=["D9:99"]), "D9:99"),
    (lambda d: d["conversations"][0].update(split="train"), "split 'train'"),
    (lambda d: d["conversations"][0]["sessions"][0].update(date="yesterday"), "malformed"),
    (lambda d: d["conversations"][0]["sessions"][0]["turns"][0].update(speaker=" "), "speaker"),
    (lambda d: d.update(conversations=[]), "no conversations"),
])
def test_a_malformed_set_is_invalid_input_naming_the_problem(tmp_path, change, message):
    data = json.loads(SET.read_text())
    data["conversations"] = data["conversations"][:1]
    change(data)
    path = tmp_path / "set.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match=message):
        load_conversations(path)


def test_missing_or_unreadable_files_are_invalid_input(tmp_path):
    with pytest.raises(InvalidInput, match="no conversation set"):
        load_conversations(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InvalidInput, match="not a readable JSON"):
        load_conversations(tmp_path / "bad.json")


def test_scores_count_evidence_turns_in_the_top_k():
    ranked = ["D1:1", "D2:3", "D1:2", "D3:4", "D3:5", "D4:1"]
    s = score(ranked, ["D2:3", "D4:1"])
    assert s["recall@5"] == 0.5 and s["recall@10"] == 1.0
    assert 0.0 < s["ndcg@10"] < 1.0
    assert score(["D2:3", "D4:1"], ["D2:3", "D4:1"])["ndcg@10"] == pytest.approx(1.0)
