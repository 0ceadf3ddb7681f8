"""``memvault eval --conversations`` through a real vault and the real model, on two of the set's conversations."""

import json

import pytest

from memvault.bench.conversations import KINDS, run_conversations
from memvault.domain.errors import InvalidInput
from memvault.domain.enums import SearchMode
from tests.helpers import DATA, fast_settings

SET = DATA / "conversations" / "conversations.json"


@pytest.fixture
def two_conversations(tmp_path):
    data = json.loads(SET.read_text())
    data["conversations"] = [c for c in data["conversations"] if c["id"] in ("c01", "c02")]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.slow
def test_each_half_mode_and_kind_is_scored_from_the_turns_found(tmp_path, two_conversations):
    lines: list[str] = []
    report = run_conversations(fast_settings(tmp_path / "unused"), two_conversations, progress=lines.append)
    assert (report.conversations, report.turns) == (2, 204)
    assert report.questions == {"tune": 21, "heldout": 21}
    assert set(report.metrics) == {"tune", "heldout"}
    for half, modes in report.metrics.items():
        assert set(modes) == {"semantic", "keyword", "hybrid"}
        for mode, kinds in modes.items():
            assert set(kinds) == {"all", *KINDS}
            assert kinds["all"]["n"] == 21
            assert kinds["all"]["recall@10"] >= kinds["all"]["recall@5"]
            # Far above chance (5 of ~100 turns) on questions written about these turns.
            assert kinds["all"]["recall@10"] > 0.4, (half, mode, kinds["all"])
    # Each per-question row agrees with the turns it lists.
    row = next(r for r in report.per_question if r["id"] == "c01-q01" and r["mode"] == "hybrid")
    assert row["recall@5"] == (1.0 if "D2:3" in row["top"][:5] else 0.0)
    text = report.as_text()
    assert "nDCG@10" in text and "heldout" in text and "multi-hop" in text and lines
    assert not list(tmp_path.glob("unused*"))
    # One half scored over the same vault (one mode is enough to compare): its figures, nothing of the other half.
    tune = run_conversations(fast_settings(tmp_path / "unused"), two_conversations, half="tune",
                             modes=[SearchMode.HYBRID])
    assert tune.questions == {"tune": 21, "heldout": 0} and set(tune.metrics) == {"tune"}
    assert tune.metrics["tune"]["hybrid"] == report.metrics["tune"]["hybrid"] and set(tune.good_match) == {"tune"}
    assert "heldout" not in tune.as_text() and {r["half"] for r in tune.per_question} == {"tune"}
    with pytest.raises(InvalidInput, match="no questions in the half 'test'"):
        run_conversations(fast_settings(tmp_path / "unused"), two_conversations, half="test")


def test_a_missing_set_is_invalid_input_before_any_vault_is_made(tmp_path):
    with pytest.raises(InvalidInput, match="no conversation set"):
        run_conversations(fast_settings(tmp_path / "unused"), tmp_path / "absent.json")
    assert not list(tmp_path.glob("unused*"))
