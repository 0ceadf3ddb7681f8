"""A headless member: ``memvault serve`` on a "server" joins a shared namespace with a person key file and a
passphrase from the environment, and its agent reads and writes the namespace through the local API."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from memvault.cli import main
from tests.helpers import ROOT, wait_for

# The server subprocess runs the bundled model: the slow tier.
pytestmark = pytest.mark.slow

KEY_PASS = "the key file passphrase"


def run(capsys, home, *argv):
    code = main(["--vault", str(home), *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_a_server_joins_with_a_key_file_and_its_agent_uses_the_shared_namespace(tmp_path, monkeypatch, capsys):
    env = {"MEMVAULT_PASSPHRASE": "vault passphrase", "MEMVAULT_KDF_MEMORY_KIB": "1024",
           "MEMVAULT_KDF_ITERATIONS": "1", "MEMVAULT_SHARE_KEY_PASSPHRASE": KEY_PASS}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("MEMVAULT_HOME", raising=False)
    anna, ben, server = tmp_path / "anna", tmp_path / "ben", tmp_path / "server"
    folder = str(tmp_path / "shared")
    for home in (anna, ben, server):
        run(capsys, home, "init")
    run(capsys, ben, "share", "key", "--export", str(tmp_path / "ben.key"))
    ben_key = run(capsys, ben, "share", "key").strip()
    invite = json.loads(run(capsys, anna, "share", "team", "--with", ben_key, "--role", "write", "--target", folder,
                            "--json"))["invite"]
    run(capsys, anna, "add", "the on-call phone is in the blue drawer", "--namespace", "team")
    run(capsys, anna, "share", "now")
    secret = json.loads(run(capsys, server, "keys", "create", "--json", "--namespace", "team", "--scopes",
                            "read,write"))["key"]
    served = {**os.environ, **env, "MEMVAULT_HOME": str(server), "MEMVAULT_SHARE_KEY_FILE": str(tmp_path / "ben.key"),
              "MEMVAULT_SHARE_INVITE": invite, "MEMVAULT_SHARE_TARGET": folder,
              "MEMVAULT_SYNC_INTERVAL_SECONDS": "1", "MEMVAULT_SYNC_DEBOUNCE_SECONDS": "0.1"}
    proc = subprocess.Popen([sys.executable, "-m", "memvault", "serve", "--port", "0"], cwd=ROOT, env=served,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Memvault API on http://127.0.0.1:"), line + proc.stderr.read()
        url = line.split()[3]
        headers = {"X-API-Key": secret}

        def listed() -> set[str]:
            return {m["content"] for m in httpx.get(f"{url}/v1/memories", headers=headers).json()["data"]}

        assert "the on-call phone is in the blue drawer" in listed()  # joined at start: already here
        r = httpx.post(f"{url}/v1/memories", json={"content": "the server agent rotated the tls cert"},
                       headers=headers)
        assert r.status_code == 201, r.text
        deadline = time.monotonic() + 60
        while True:  # the server's background cycle sends it; anna syncs until it is there
            run(capsys, anna, "share", "now")
            out = run(capsys, anna, "list", "--namespace", "team", "--json")
            if "the server agent rotated the tls cert" in out:
                break
            assert time.monotonic() < deadline, "the server's change never arrived"
            time.sleep(0.5)
        people = json.loads(run(capsys, anna, "share", "list", "--json"))[0]["members"]
        ben_id = next(m["person"] for m in people if m["role"] == "write")
        by_ben = json.loads(run(capsys, anna, "list", "--namespace", "team", "--changed-by", ben_id, "--json"))
        assert [m["content"] for m in by_ben["items"]] == ["the server agent rotated the tls cert"]
        run(capsys, anna, "add", "the staging db moved", "--namespace", "team")
        run(capsys, anna, "share", "now")
        wait_for(lambda: "the staging db moved" in listed(), timeout=60)
    finally:
        proc.terminate()
        proc.wait(30)
