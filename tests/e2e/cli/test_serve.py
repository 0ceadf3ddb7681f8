"""``memvault serve`` and ``memvault keys`` from the command line."""

import json
import os
import subprocess
import sys

import httpx
import pytest

from memvault.cli import main
from tests.helpers import PASSPHRASE, ROOT

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow



def test_keys_create_list_revoke_and_serve(tmp_path, monkeypatch, capsys):
    env = {"MEMVAULT_HOME": str(tmp_path / "vault"), "MEMVAULT_PASSPHRASE": PASSPHRASE,
           "MEMVAULT_KDF_MEMORY_KIB": "1024", "MEMVAULT_KDF_ITERATIONS": "1"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["keys", "create", "--json", "--namespace", "agents", "--scopes", "read,write", "--name", "bot"]) == 0
    made = json.loads(capsys.readouterr().out)
    secret = made["key"]
    assert secret.startswith("mv_") and made["scopes"] == ["read", "write"]
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "agents" in listing and secret not in listing
    assert main(["keys", "create", "--namespace", "agents", "--scopes", "root"]) == 2
    assert "scopes must be one of" in capsys.readouterr().err
    # Said before the vault is opened: a wrong passphrase beside it said only that.
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "not the passphrase")
    assert main(["keys", "create", "--namespace", "agents", "--scopes", "read,bogus"]) == 2
    assert "scopes must be one of" in capsys.readouterr().err
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)

    proc = subprocess.Popen([sys.executable, "-m", "memvault", "serve", "--port", "0"], cwd=ROOT,
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Memvault API on http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[3]
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"
        r = httpx.post(f"{url}/v1/memories", json={"content": "served"}, headers={"X-API-Key": secret})
        assert r.status_code == 201 and r.json()["namespace"] == "agents"
    finally:
        proc.terminate()
        proc.wait(20)
    capsys.readouterr()
    assert main(["keys", "revoke", str(made["id"])]) == 0
    capsys.readouterr()
    assert main(["keys", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["revoked_at"] is not None


def test_serve_refuses_a_public_host_without_the_flag(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("MEMVAULT_KDF_MEMORY_KIB", "1024")
    assert main(["init"]) == 0
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "allow-remote" in capsys.readouterr().err
    # A name that resolves nowhere is a typo, not a network exposure.
    assert main(["serve", "--host", "nosuchhost.invalid", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "names no address" in err and "allow-remote" not in err
