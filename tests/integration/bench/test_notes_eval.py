"""``memvault eval --notes`` through a real vault and the real model, on the notes tuning set."""

import json

import pytest

from memvault.bench.notes import flag_figures, load_notes, run_notes
from memvault.domain.errors import InvalidInput
from tests.helpers import DATA, fast_settings

TUNE = DATA / "notes-tune" / "notes.json"


@pytest.mark.slow
def test_each_mode_and_kind_is_scored_and_every_answer_is_asked_again_in_the_trash(tmp_path):
    lines: list[str] = []
    report = run_notes(fast_settings(tmp_path / "unused"), TUNE, progress=lines.append, half="tune")
    vaults = load_notes(TUNE)
    answerable = sum(q.answer is not None for v in vaults for q in v.questions)
    nothing = sum(q.answer is None for v in vaults for q in v.questions)
    assert report.notes == sum(len(v.notes) for v in vaults)
    assert set(report.figures) == {"tune"}
    modes = report.figures["tune"]
    assert set(modes) == {"semantic", "keyword", "hybrid"}
    for kinds in modes.values():
        assert set(kinds) == {"all", *(v.kind for v in vaults)}
        # Each answerable question is asked once with its note and once with the note in the trash.
        assert kinds["all"]["answerable"] == answerable
        assert kinds["all"]["unanswerable"] == nothing + answerable
    # Far above chance (1 in ~14 notes) on questions written about these notes; hybrid not below its parts.
    hybrid = modes["hybrid"]["all"]
    assert hybrid["r@1"] > 0.8
    assert hybrid["r@1"] >= max(modes["semantic"]["all"]["r@1"], modes["keyword"]["all"]["r@1"])
    # A trashed answer is never among the hits.
    trashed = [r for r in report.per_question if r["id"].endswith("/trashed")]
    assert trashed and all(r["answer"] is None and r["rank1"] is False for r in trashed)
    original = {(r["id"], r["mode"]): r for r in report.per_question if not r["id"].endswith("/trashed")}
    for row in trashed:
        assert original[(row["id"].removesuffix("/trashed"), row["mode"])]["answer"] not in row["top"]
    assert "hybrid" in report.as_text() and any("vault a1" in line for line in lines)


def test_flag_figures_count_recall_on_right_answers_and_false_alarms_where_nothing_answers():
    rows = [
        {"answer": "1", "rank1": True, "good_match": True, "r@5": 1.0},
        {"answer": "2", "rank1": True, "good_match": False, "r@5": 1.0},
        {"answer": "3", "rank1": False, "good_match": True, "r@5": 1.0},
        {"answer": "4", "rank1": False, "good_match": False, "r@5": 0.0},
        {"answer": None, "rank1": False, "good_match": True, "r@5": 0.0},
        {"answer": None, "rank1": False, "good_match": False, "r@5": 0.0},
        {"answer": None, "rank1": False, "good_match": False, "r@5": 0.0},
        {"answer": None, "rank1": False, "good_match": False, "r@5": 0.0},
    ]
    got = flag_figures(rows)
    assert (got["answerable"], got["unanswerable"]) == (4, 4)
    assert got["r@1"] == 0.5 and got["r@5"] == 0.75
    assert got["recall"] == 0.5  # of the two right first answers, one flagged
    assert got["false_alarms"] == 0.25  # of the four asked about nothing stored, one flagged
    assert got["precision"] == pytest.approx(1 / 3)  # of the three flagged, one is a right answer


@pytest.mark.parametrize("change, message", [
    (lambda d: d["vaults"][0]["questions"][0].update(evidence=["1", "2"]), "one note of this vault"),
    (lambda d: d["vaults"][0]["questions"][0].update(evidence=["999"]), "one note of this vault"),
    (lambda d: d["vaults"][0].update(split="dev"), "split must be one of"),
    (lambda d: d["vaults"][0]["notes"].append(dict(d["vaults"][0]["notes"][0])), "its own id"),
    (lambda d: d["vaults"].append(dict(d["vaults"][0])), "vault ids repeat"),
    (lambda d: d.update(vaults=[]), "no vaults with questions"),
])
def test_a_malformed_set_is_refused_with_what_is_wrong(tmp_path, change, message):
    data = json.loads(TUNE.read_text())
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match=message):
        load_notes(path)


def test_a_half_with_no_vaults_is_refused(tmp_path):
    data = json.loads(TUNE.read_text())
    path = tmp_path / "tune-only.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match="no vaults in the half 'heldout'"):
        run_notes(fast_settings(tmp_path / "unused"), path, half="heldout")
