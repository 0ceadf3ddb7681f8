"""``memvault eval``: which data set it reads, and its errors (one line, right exit code)."""

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
    (["eval"], "one of the arguments --beir --conversations --multilingual --extraction is required"),
    (["eval", "--beir", "x", "--conversations", "y"], "not allowed with argument"),
    (["eval", "--beir", "x", "--model", "all-MiniLM-L6-v2", "--model", "multilingual-e5-small"],
     "--model is given once with --beir or --conversations"),
    (["eval", "--conversations", "x", "--model", "no-such-model"], "no bundled embedding model is called"),
])
def test_eval_needs_exactly_one_readable_data_set(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    code, _, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err
