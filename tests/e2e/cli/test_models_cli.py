"""`memvault init --model`, `memvault models` and `memvault reembed --model`: the vault's model from the command line.

No memory is embedded here, so neither model loads (the switch with real memories is tested in
tests/integration/service/test_vault_models.py).
"""

from __future__ import annotations

import json

from tests.helpers.cli import run


def _current(capsys):
    code, out, _ = run(capsys, "models", "--json")
    assert code == 0
    return [m["name"] for m in json.loads(out) if m["current"]]


def test_a_vault_is_created_with_a_model_and_switched(env, capsys):
    code, _, err = run(capsys, "init", "--model", "labse")
    assert code == 2 and "no bundled embedding model is called 'labse'" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "init", "--json", "--model", "multilingual-e5-small")
    assert code == 0 and json.loads(out)["model"] == "multilingual-e5-small-q4-onnx"
    assert _current(capsys) == ["multilingual-e5-small"]
    code, _, err = run(capsys, "reembed", "--model", "labse")
    assert code == 2 and "choose one of all-MiniLM-L6-v2, multilingual-e5-small" in err
    assert _current(capsys) == ["multilingual-e5-small"]
    code, out, _ = run(capsys, "reembed", "--model", "all-MiniLM-L6-v2")
    assert code == 0 and "nothing to do" in out
    assert _current(capsys) == ["all-MiniLM-L6-v2"]


def test_english_is_the_default(env, capsys):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "models")
    assert code == 0 and out.splitlines()[0].startswith("* all-MiniLM-L6-v2") and "  multilingual-e5-small" in out


def test_before_a_vault_exists_the_models_are_listed_without_a_passphrase(env, capsys, monkeypatch):
    """It asked for a passphrase to a vault that did not exist, so nobody could see the choice `init` offers."""
    monkeypatch.delenv("MEMVAULT_PASSPHRASE", raising=False)
    code, out, err = run(capsys, "models")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("  all-MiniLM-L6-v2: English") and lines[1].startswith("  multilingual-e5-small")
    assert lines[2].startswith("No vault in ") and "`memvault init --model NAME`" in lines[2]
    code, out, _ = run(capsys, "models", "--json")
    assert code == 0 and not any(m["current"] for m in json.loads(out))
