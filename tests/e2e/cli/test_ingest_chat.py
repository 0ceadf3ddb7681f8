"""``memvault ingest-chat FILE`` and ``memvault eval --extraction``: facts from a JSON list of messages."""

import json

import pytest

from memvault.cli import main
from tests.helpers.cli import run


def _chat(tmp_path, messages, name="chat.json"):
    path = tmp_path / name
    path.write_text(json.dumps(messages), "utf-8")
    return str(path)


@pytest.mark.seconds
def test_ingest_chat_stores_facts_and_reports_duplicates(env, capsys):
    assert main(["init"]) == 0
    capsys.readouterr()
    chat = _chat(env, [{"role": "user", "content": "Hi! I moved to Zurich last week."},
                       {"role": "assistant", "content": "How exciting! How do you like it?"},
                       {"role": "user", "content": "I love it. I'm a nurse at the university hospital."}])
    code, out, err = run(capsys, "ingest-chat", chat, "--at", "2026-05-12T10:00:00", "--conversation-id", "c-1",
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [f["content"] for f in result["facts"]] == [
        "The user moved to Zurich in the week of 4 May 2026", "The user is a nurse at the university hospital"]
    assert result["facts"][0]["kind"] == "episodic" and result["facts"][0]["event_at"] == "2026-05-04"
    code, out, _ = run(capsys, "ingest-chat", chat, "--at", "2026-05-12T10:00:00")
    assert code == 0 and out.startswith("0 facts stored from 3 messages") and "= duplicate of" in out
    code, out, _ = run(capsys, "search", "where does the user work", "--json")
    assert code == 0 and "nurse" in out


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1, column 2"),
    ('[\n  {"role": "user", "content": "hi"},\n]', "is not JSON: Expecting value at line 3, column 1"),
    ('{"role": "user"}', "must hold a JSON list of messages"),
    ('[{"role": "assistant", "content": "hello"}]', "at least one non-empty user message"),
])
def test_bad_chat_files_are_one_line_errors(env, capsys, content, message):
    assert main(["init"]) == 0
    path = env / "bad.json"
    path.write_text(content, "utf-8")
    code, _, err = run(capsys, "ingest-chat", str(path))
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_eval_extraction_refuses_a_file_that_is_not_a_set(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    path = tmp_path / "x.json"
    path.write_text("[]", "utf-8")
    code, _, err = run(capsys, "eval", "--extraction", str(path))
    assert code == 2 and "is not an extraction set" in err


@pytest.mark.seconds  # ~2 s or more on 2 cores: the whole suite runs it, the fast tier does not
def test_ingest_chat_names_its_speakers_and_takes_the_date(env, capsys):
    assert main(["init"]) == 0
    capsys.readouterr()
    chat = _chat(env, [{"role": "user", "content": "I moved to Lyon last week."},
                       {"role": "assistant", "name": "Tariq", "content": "Cool, I bought a boat yesterday."}])
    code, out, err = run(capsys, "ingest-chat", chat, "--at", "2023-11-14T10:00:00", "--user-name", "Lea", "--json")
    assert code == 0, err
    assert [f["content"] for f in json.loads(out)["facts"]] == [
        "Lea moved to Lyon in the week of 6 November 2023", "Tariq bought a boat on 13 November 2023"]


def test_people_lists_whom_the_facts_are_about(env, capsys):
    assert main(["init"]) == 0
    chat = _chat(env, [{"role": "user", "name": "Anna", "content": "I live in Lisbon and I work at Siemens."},
                       {"role": "assistant", "name": "Ben", "content": "I moved to Porto last year."}])
    assert run(capsys, "ingest-chat", chat, "--user", "anna-1", "--no-wait")[0] == 0
    assert run(capsys, "ingest-chat", chat, "--namespace", "other", "--no-wait")[0] == 0
    code, out, err = run(capsys, "people", "--namespace", "default", "--json")
    assert code == 0, err
    assert [(p["person_id"], p["name"], p["facts"]) for p in json.loads(out)["people"]] == [
        ("anna-1", "Anna", 2), ("Ben", "Ben", 1)]
    code, out, _ = run(capsys, "people")
    assert code == 0 and out.count("Anna") == 2 and "[anna-1]" in out and "other" in out
    code, _, err = run(capsys, "people", "--namespace", "bad namespace!")
    assert code == 2 and "Traceback" not in err


def test_people_counts_live_facts_not_the_ones_a_later_fact_superseded(env, capsys):
    assert main(["init"]) == 0
    first = _chat(env, [{"role": "user", "name": "Anna", "content": "I live in Lisbon and I work at Siemens."}])
    assert run(capsys, "ingest-chat", first, "--user", "anna-1", "--no-wait", "--at", "2026-01-10T10:00:00")[0] == 0
    later = _chat(env, [{"role": "user", "name": "Anna", "content": "I live in Porto now."}])
    code, out, err = run(capsys, "ingest-chat", later, "--user", "anna-1", "--no-wait", "--at", "2026-03-02T10:00:00",
                         "--json")
    assert code == 0 and json.loads(out)["superseded"], err  # Porto retired Lisbon
    code, out, err = run(capsys, "people", "--namespace", "default", "--json")
    assert code == 0, err
    assert [(p["person_id"], p["facts"]) for p in json.loads(out)["people"]] == [("anna-1", 2)]  # Porto, Siemens


def test_ingest_chat_says_which_messages_gave_no_facts_and_that_they_are_not_kept(env, capsys, tmp_path):
    """A German chat gives no facts on device: the text output says so and why, not just "0 facts"."""
    run(capsys, "init")
    chat = tmp_path / "de.json"
    chat.write_text(json.dumps([{"role": "user", "content": "Ich heiße Jonas und ich wohne seit letztem Jahr in "
                                                             "Hamburg. Ich bin allergisch gegen Erdnüsse."}]))
    code, out, _ = run(capsys, "ingest-chat", str(chat))
    assert code == 0 and out.startswith("0 facts stored from 1 message in ")
    assert "! message 1 gave no facts: " in out and "'de'" in out and "the message itself is not stored" in out


def test_a_chat_file_with_a_byte_order_mark_is_read(env, capsys):
    # Windows Notepad writes one; `import` took it already, ingest-chat called the file "not JSON".
    assert main(["init"]) == 0
    capsys.readouterr()
    path = env / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([{"role": "user", "content": "I work as a nurse in Tromso."}]).encode())
    code, out, err = run(capsys, "ingest-chat", str(path), "--json")
    assert code == 0 and out.startswith("{"), (out, err)
    assert [f["content"] for f in json.loads(out)["facts"]] == ["The user works as a nurse in Tromso"]
    code, _, err = run(capsys, "ingest-chat", str(env / "missing.json"))
    assert code == 2 and "missing.json" in err  # as `import` now says of a missing file


def test_one_fact_from_one_message_is_counted_in_words(env, capsys):
    run(capsys, "init")
    chat = _chat(env, [{"role": "user", "content": "I live in Porto now."}])
    code, out, _ = run(capsys, "ingest-chat", chat, "--no-wait")
    assert code == 0 and out.startswith("1 fact stored from 1 message in "), out
