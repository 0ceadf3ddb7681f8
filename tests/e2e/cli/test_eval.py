"""``memvault eval``: which data set it reads, and its errors (one line, right exit code)."""

import json

import pytest

from memvault.cli import main


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv,message", [
    (["eval", "--conversations", "/nonexistent.json"], "no conversation set at /nonexistent.json"),
    (["eval", "--beir", "/nonexistent"], "not a BEIR folder"),
    (["eval", "--multilingual", "/nonexistent.json"], "no multilingual set at /nonexistent.json"),
    (["eval", "--notes", "/nonexistent.json"], "no notes set at /nonexistent.json"),
    (["eval"], "one of the arguments --beir --conversations --notes --multilingual --extraction --entities is "
               "required"),
    (["eval", "--entities", "/nonexistent.json"], "/nonexistent.json is not an entity-type set"),
    (["eval", "--beir", "x", "--conversations", "y"], "not allowed with argument"),
    (["eval", "--beir", "x", "--model", "all-MiniLM-L6-v2", "--model", "multilingual-e5-small"],
     "--model is given once with --beir, --conversations or --notes"),
    (["eval", "--conversations", "x", "--model", "no-such-model"], "no bundled embedding model is called"),
])
def test_eval_needs_exactly_one_readable_data_set(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("argv,message", [
    (["eval", "--beir", "x", "--half", "tune"], "--half goes with --conversations, --notes or --extraction"),
    (["eval", "--multilingual", "x", "--half", "tune"], "--half goes with --conversations, --notes or --extraction"),
])
def test_half_is_refused_with_a_set_that_has_none(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def _two_halves(tmp_path):
    """An extraction set of one tuning and one held-out conversation."""
    def chat(cid, split, said, expected):
        return {"id": cid, "split": split, "time": "2026-05-12T09:30:00+00:00",
                "messages": [{"role": "user", "content": said}], "expected": [expected]}
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"conversations": [
        chat("c1", "tune", "I live in Porto.", {"fact": "The user lives in Porto", "kind": "semantic",
                                               "categories": ["location"]}),
        chat("c2", "heldout", "I work at Siemens.", {"fact": "The user works at Siemens", "kind": "semantic",
                                                   "categories": ["career"]})]}), "utf-8")
    return path


@pytest.mark.slow  # the spaCy pipeline and the real model
def test_extraction_eval_scores_only_the_half_asked_for(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    path = _two_halves(tmp_path)
    code, out, err = run(capsys, "eval", "--extraction", str(path), "--json")
    assert code == 0, err
    assert {"tune", "heldout"} <= set(json.loads(out)["halves"])  # the whole set, as before
    code, out, err = run(capsys, "eval", "--extraction", str(path), "--half", "tune", "--json")
    assert code == 0, err
    assert "heldout" not in json.loads(out)["halves"] and json.loads(out)["halves"]["tune"]["extracted"] >= 1
    code, _, err = run(capsys, "eval", "--extraction", str(path), "--half", "test")
    assert code == 2 and "holds no conversations in the half 'test'" in err


def test_entities_eval_scores_the_names_of_a_set(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    path = tmp_path / "types.json"
    path.write_text(json.dumps({"sentences": [
        {"text": "We adopted a greyhound called Juniper.", "expected": [["animal", "juniper"]]},
        {"text": "Our standup is on Zoom now.", "expected": [["product", "zoom"]]}]}), "utf-8")
    code, out, err = run(capsys, "eval", "--entities", str(path), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["sentences"] == 2 and report["expected"] == 2 and report["recalled"] == 2
    code, out, _ = run(capsys, "eval", "--entities", str(path))
    assert code == 0 and "precision 1.000  recall 1.000" in out


@pytest.mark.slow  # the real model
def test_notes_eval_scores_only_the_half_asked_for(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    vault = {"id": "v1", "split": "tune", "kind": "first-person",
             "notes": [{"id": "1", "text": "My dentist is Dr. Lindqvist"}, {"id": "2", "text": "I swim on Saturdays"}],
             "questions": [{"id": "q1", "question": "Who is my dentist?", "evidence": ["1"]},
                           {"id": "n1", "question": "What is my passport number?", "evidence": []}]}
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"vaults": [vault, {**vault, "id": "v2", "split": "heldout"}]}), "utf-8")
    code, out, err = run(capsys, "eval", "--notes", str(path), "--half", "tune", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report["figures"]) == {"tune"} and report["vaults"] == 1
    assert report["figures"]["tune"]["hybrid"]["all"]["r@1"] == 1.0
    code, _, err = run(capsys, "eval", "--notes", str(path), "--half", "test")
    assert code == 2 and "no vaults in the half 'test'" in err
