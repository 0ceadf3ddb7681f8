"""``memvault share …`` between two people through a folder target: key, share, join, list, status, remove,
the key file a server joins with, and one-line errors."""

from __future__ import annotations

import json

import pytest

from memvault.cli import main
from memvault.cli.share_commands import apply_headless
from memvault.domain.errors import InvalidInput
from memvault.domain.models import MemoryCreate, MemoryFilter
from memvault.service.container import open_vault
from tests.helpers import fast_settings
from tests.helpers.fake_embedder import FakeEmbedder

# Several vaults and a target per test: many seconds.
pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVAULT_KDF_MEMORY_KIB", "1024")
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "1")
    monkeypatch.delenv("MEMVAULT_HOME", raising=False)
    fake = FakeEmbedder()
    # vault_commands first: importing it copies common's name, so patched after common it would keep the fake
    # as its "original" and get it back at teardown (every later test in the process then used the fake).
    for where in ("memvault.cli.vault_commands.lazy_embedder", "memvault.cli.common.lazy_embedder"):
        monkeypatch.setattr(where, lambda _settings: fake)
    for name in ("anna", "ben", "server"):
        (tmp_path / f"{name}.pass").write_text(f"passphrase of vault {name}\n")
    return tmp_path


def run(capsys, env, vault, *argv):
    code = main(["--vault", str(env / vault), *argv, "--passphrase-file", str(env / f"{vault}.pass")])
    out, err = capsys.readouterr()
    return code, out, err


def contents(capsys, env, vault):
    code, out, _ = run(capsys, env, vault, "list", "--json", "--namespace", "team", "--limit", "100")
    assert code == 0
    return sorted(m["content"] for m in json.loads(out)["items"])


def test_two_people_share_a_namespace_with_the_cli(env, capsys, monkeypatch):
    folder = str(env / "shared-folder")
    for name in ("anna", "ben"):
        assert run(capsys, env, name, "init")[0] == 0
    assert run(capsys, env, "anna", "add", "the build runs at nine", "--namespace", "team")[0] == 0
    code, ben_key, err = run(capsys, env, "ben", "share", "key")
    assert code == 0 and ben_key.startswith("mvperson1"), err
    code, out, err = run(capsys, env, "anna", "share", "team", "--with", ben_key.strip(), "--role", "write",
                         "--target", folder, "--name", "ben", "--json")
    assert code == 0, err
    shared = json.loads(out)
    assert shared["role"] == "admin" and {m["role"] for m in shared["members"]} == {"admin", "write"}
    code, out, err = run(capsys, env, "ben", "share", "join", shared["invite"], "--target", folder)
    assert code == 0, err
    assert "team  (you: write)" in out
    assert contents(capsys, env, "ben") == ["the build runs at nine"]
    assert run(capsys, env, "ben", "add", "ben fixed the flaky test", "--namespace", "team")[0] == 0
    assert run(capsys, env, "ben", "share", "now")[0] == 0
    code, out, err = run(capsys, env, "anna", "share", "now")
    assert code == 0 and "applied 1 segment" in out, out + err
    assert contents(capsys, env, "anna") == ["ben fixed the flaky test", "the build runs at nine"]
    code, out, _ = run(capsys, env, "anna", "share", "list")
    assert "(you)" in out and " ben " in out
    code, out, _ = run(capsys, env, "anna", "share", "status")
    assert code == 0 and out.startswith("team: last sync 20")
    ben_id = [m for m in shared["members"] if m["role"] == "write"][0]["person"]
    code, out, err = run(capsys, env, "anna", "share", "remove", "team", ben_id[:8])
    assert code == 0, err
    assert f"removed: {ben_id[:8]}" in out
    assert run(capsys, env, "anna", "add", "after ben left", "--namespace", "team")[0] == 0
    assert run(capsys, env, "anna", "share", "now")[0] == 0
    code, out, err = run(capsys, env, "ben", "share", "now")
    assert code == 1 and "you were removed from the shared namespace 'team'" in out, out + err
    assert "after ben left" not in contents(capsys, env, "ben")
    assert "team  (you: removed by an admin)" in run(capsys, env, "ben", "share", "list")[1]


def test_a_server_joins_with_a_key_file_from_the_environment(env, capsys, monkeypatch):
    folder = str(env / "shared-folder")
    for name in ("anna", "ben", "server"):
        assert run(capsys, env, name, "init")[0] == 0
    monkeypatch.setenv("MEMVAULT_SHARE_KEY_PASSPHRASE", "key file passphrase")
    code, out, err = run(capsys, env, "ben", "share", "key", "--export", str(env / "ben.key"))
    assert code == 0, err
    assert b"mvperson1" not in (env / "ben.key").read_bytes()
    _, ben_key, _ = run(capsys, env, "ben", "share", "key")
    code, out, err = run(capsys, env, "anna", "share", "team", "--with", ben_key.strip(), "--role", "write",
                         "--target", folder, "--json")
    assert code == 0, err
    invite = json.loads(out)["invite"]
    environ = {"MEMVAULT_SHARE_KEY_FILE": str(env / "ben.key"), "MEMVAULT_SHARE_KEY_PASSPHRASE": "key file passphrase",
               "MEMVAULT_SHARE_INVITE": invite, "MEMVAULT_SHARE_TARGET": folder}
    services = open_vault(fast_settings(env / "server", worker=False), "passphrase of vault server", FakeEmbedder(),
                          background=False)
    try:
        assert apply_headless(services.sharing, environ) == "team"
        assert services.sharing.my_key() == ben_key.strip()  # the same person, another device
        assert apply_headless(services.sharing, environ) == "team"  # restarting joins nothing twice
        services.memories.create(MemoryCreate(namespace="team", content="written by an agent on the server"))
        services.sharing.sync_now()
        (by,) = services.sharing.changes_of(services.memories.list(MemoryFilter(namespace="team")).items[0].id)
        assert by.this_person and by.device == services.vault.device_id
    finally:
        services.close()
    assert run(capsys, env, "anna", "share", "now")[0] == 0
    assert contents(capsys, env, "anna") == ["written by an agent on the server"]
    with pytest.raises(InvalidInput):
        apply_headless(None, {"MEMVAULT_SHARE_KEY_FILE": str(env / "ben.key")})


def test_bad_share_input_is_one_line_and_exit_2(env, capsys):
    assert run(capsys, env, "anna", "init")[0] == 0
    code, out, err = run(capsys, env, "anna", "share", "team", "--with", "mvpub1abc", "--target", str(env / "f"))
    assert code == 2 and "mvperson1" in err and "Traceback" not in err
    code, out, err = run(capsys, env, "anna", "share", "join", "mvshare1:x", "--target", str(env / "f"))
    assert code == 2 and "invitation" in err
    code, out, err = run(capsys, env, "anna", "share", "remove", "nowhere", "abcdefgh")
    assert code == 1 and "not shared" in err
    code, out, err = run(capsys, env, "anna", "share", "lst")  # it read as a namespace named "lst"
    assert code == 2 and "did you mean `memvault share list`" in err
