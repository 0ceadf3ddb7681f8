"""``memvault export|import|inspect|backup|restore-backup|keys show-recipient`` between two vaults with different
passphrases: exit codes, one-line errors, JSON reports, and the vaults' contents."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from memvault.cli import main
from tests.helpers import ROOT
from tests.helpers.fake_embedder import FakeEmbedder

A_PASS, B_PASS, BUNDLE_PASS = "passphrase of vault A", "passphrase of vault B", "passphrase of the bundle"


@pytest.fixture
def env(tmp_path, monkeypatch, request):
    monkeypatch.setenv("MEMVAULT_KDF_MEMORY_KIB", "1024")
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "1")
    monkeypatch.delenv("MEMVAULT_BUNDLE_PASSPHRASE", raising=False)
    monkeypatch.delenv("MEMVAULT_HOME", raising=False)
    if not request.node.get_closest_marker("slow"):
        fake = FakeEmbedder()
        # vault_commands first: importing it copies common's name, so patched after common it would keep the fake
        # as its "original" and get it back at teardown (every later test in the process then used the fake).
        for where in ("memvault.cli.vault_commands.lazy_embedder", "memvault.cli.common.lazy_embedder"):
            monkeypatch.setattr(where, lambda _settings: fake)
    for name, secret in (("a", A_PASS), ("b", B_PASS), ("bundle", BUNDLE_PASS)):
        (tmp_path / f"{name}.pass").write_text(secret + "\n")
    return tmp_path


def run(capsys, env, vault, *argv, secret=True):
    """``memvault --vault VAULT ARGV… --passphrase-file VAULT.pass`` in this process."""
    extra = ["--passphrase-file", str(env / f"{vault}.pass")] if secret else []
    code = main(["--vault", str(env / vault), *argv, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def _ids(capsys, env, vault, *extra):
    code, out, _ = run(capsys, env, vault, "list", "--json", "--all-namespaces", "--limit", "1000", *extra)
    assert code == 0
    return {m["id"]: m for m in json.loads(out)["items"]}


@pytest.mark.seconds
def test_export_import_inspect_between_vaults(env, capsys):
    assert run(capsys, env, "a", "init")[0] == 0
    assert run(capsys, env, "b", "init")[0] == 0
    for text, ns in (("The user prefers dark mode — ünïcode ✓", "work"), ("Lunch with Ravi on Friday", "work"),
                     ("Passport renewal in May", "home")):
        assert run(capsys, env, "a", "add", text, "--namespace", ns, "--tags", "x,y")[0] == 0
    bundle = env / "work.mvbundle"
    secret = ["--bundle-passphrase-file", str(env / "bundle.pass")]
    code, out, err = run(capsys, env, "a", "export", "--json", "work", "home", "-o", str(bundle), *secret)
    assert code == 0, err
    assert json.loads(out)["memories"] == 3 and bundle.exists()

    code, out, _ = run(capsys, env, "b", "inspect", "--json", str(bundle), *secret)
    info = json.loads(out)
    assert code == 0 and info["verified"] and info["manifest"]["memories"] == 3
    assert {n["name"] for n in info["manifest"]["namespaces"]} == {"work", "home"}

    code, out, _ = run(capsys, env, "b", "import", "--json", str(bundle), "--dry-run", *secret)
    assert code == 0 and json.loads(out)["new"] == 3 and _ids(capsys, env, "b") == {}
    code, out, _ = run(capsys, env, "b", "import", str(bundle), "--dry-run", *secret)
    assert code == 0 and "the import would do this)" in out
    code, out, _ = run(capsys, env, "b", "import", str(bundle), *secret)
    assert code == 0 and "3 new" in out
    a, b = _ids(capsys, env, "a"), _ids(capsys, env, "b")
    assert a.keys() == b.keys()
    for key in ("content", "namespace", "tags", "created_at", "version", "metadata"):
        assert {i: m[key] for i, m in a.items()} == {i: m[key] for i, m in b.items()}
    assert {m["embedding_status"] for m in b.values()} == {"ready"}
    # A memory changed here since, and nowhere else: no conflict (an outside check read "changed both here and in
    # the bundle" for a memory the other side never edited).
    edited = sorted(b)[0]
    assert run(capsys, env, "b", "edit", edited, "changed here since")[0] == 0
    code, out, _ = run(capsys, env, "b", "import", str(bundle), *secret)
    assert code == 0 and "3 memories in the bundle: 0 new, 0 updated, 3 skipped (the import did this)" in out
    assert "changed both" not in out
    # Changed at the source too, later: the conflict is one of the counts, not a fourth beside them ("3 new, 0
    # updated, 2 skipped, 1 conflicting" read as four of three), and the text says how it was settled.
    assert run(capsys, env, "a", "edit", edited, "changed at the source")[0] == 0
    later = env / "later.mvbundle"
    assert run(capsys, env, "a", "export", "work", "home", "-o", str(later), *secret)[0] == 0
    code, out, _ = run(capsys, env, "b", "import", str(later), "--dry-run", "--on-conflict", "overwrite", *secret)
    assert "1 memory of these was changed both here and in the bundle: the bundle's version would replace" in out
    code, out, _ = run(capsys, env, "b", "import", str(later), *secret)
    assert code == 0 and "3 memories in the bundle: 0 new, 1 updated, 2 skipped (the import did this)" in out
    assert ("1 memory of these was changed both here and in the bundle: the later change was kept (policy newer)"
            in out)

    # Into another namespace, the ids the vault holds elsewhere are skipped: the text says why and what to do
    # (it said "3 skipped, 3 conflicting" and nothing else).
    code, out, _ = run(capsys, env, "b", "import", str(bundle), "--into", "copied", *secret)
    assert code == 0 and "0 new" in out and "3 memories are already in another namespace" in out
    assert "--on-conflict copy" in out
    # Nothing was changed on both sides, nor replaced (it said "3 ... were changed both here and in the bundle:
    # the bundle's version replaced this vault's" under overwrite).
    code, out, _ = run(capsys, env, "b", "import", str(bundle), "--into", "copied", "--on-conflict", "overwrite",
                       *secret)
    assert code == 0 and "0 updated" in out and "changed both" not in out and "replaced" not in out
    code, out, _ = run(capsys, env, "b", "import", "--json", str(bundle), "--into", "copied", "--dry-run", *secret)
    assert json.loads(out)["held_elsewhere"] == 3
    code, out, _ = run(capsys, env, "b", "import", "--json", str(bundle), "--into", "copied", "--on-conflict",
                       "copy", *secret)
    assert code == 0 and json.loads(out)["new"] == 3
    assert len(_ids(capsys, env, "b", )) == 6

    code, _, err = run(capsys, env, "b", "import", str(bundle), "--bundle-passphrase-file", str(env / "a.pass"))
    assert code == 1 and err.strip() == "memvault: wrong passphrase for this bundle"


def test_recipient_keys_need_no_bundle_passphrase(env, capsys):
    run(capsys, env, "a", "init")
    run(capsys, env, "b", "init")
    run(capsys, env, "a", "add", "for vault B only", "--namespace", "handover")
    code, out, _ = run(capsys, env, "b", "keys", "show-recipient")
    key = out.strip()
    assert code == 0 and key.startswith("mvpub1")
    bundle = env / "for-b.mvbundle"
    code, _, err = run(capsys, env, "a", "export", "handover", "-o", str(bundle), "--recipient", key)
    assert code == 0, err
    code, out, _ = run(capsys, env, "b", "import", "--json", str(bundle))
    assert code == 0 and json.loads(out)["new"] == 1
    code, _, err = run(capsys, env, "a", "import", str(bundle))
    assert code == 1 and "other recipient" in err and "Traceback" not in err
    code, _, err = run(capsys, env, "a", "export", "handover", "-o", str(env / "x.mvbundle"), "--recipient", "mvpub1oops")
    assert code == 2 and err.startswith("memvault: ") and not (env / "x.mvbundle").exists()


def test_damaged_bundle_is_one_line_and_changes_nothing(env, capsys):
    run(capsys, env, "a", "init")
    run(capsys, env, "b", "init")
    run(capsys, env, "a", "add", "a memory", "--namespace", "n")
    bundle = env / "n.mvbundle"
    os.environ["MEMVAULT_BUNDLE_PASSPHRASE"] = BUNDLE_PASS
    try:
        assert run(capsys, env, "a", "export", "n", "-o", str(bundle))[0] == 0
        data = bundle.read_bytes()
        bundle.write_bytes(data[:-10])
        code, _out, err = run(capsys, env, "b", "import", str(bundle))
    finally:
        del os.environ["MEMVAULT_BUNDLE_PASSPHRASE"]
    assert code == 1 and len(err.strip().splitlines()) == 1 and "truncated" in err
    assert _ids(capsys, env, "b") == {}
    # A file that is no bundle at all is the wrong file chosen: bad input (2), as a malformed readable file is.
    other = env / "notes.json"
    other.write_text("{}")
    code, _out, err = run(capsys, env, "b", "import", str(other))
    assert code == 2 and "not a Memvault bundle" in err and len(err.strip().splitlines()) == 1
    assert "say what it is with --from (jsonl, markdown, chatgpt" in err  # another tool's file, without --from


def test_backup_and_restore_refuse_to_overwrite_without_yes(env, capsys):
    run(capsys, env, "a", "init")
    run(capsys, env, "a", "add", "in the backup", "--namespace", "n")
    backup = env / "a.mvbackup"
    code, out, _ = run(capsys, env, "a", "backup", "--json", str(backup))
    assert code == 0 and json.loads(out)["database_bytes"] > 0
    run(capsys, env, "a", "add", "after the backup", "--namespace", "n")
    kept = backup.read_bytes()
    code, _, err = run(capsys, env, "a", "backup", str(backup))  # as export: a good backup is never replaced
    assert code == 2 and "already exists" in err and backup.read_bytes() == kept
    code, _, err = run(capsys, env, "a", "restore-backup", str(backup), secret=False)  # stdin is no terminal here
    assert code == 2 and "--yes" in err
    assert len(_ids(capsys, env, "a")) == 2
    code, out, _ = run(capsys, env, "a", "restore-backup", "--json", str(backup), "--yes", secret=False)
    assert code == 0 and json.loads(out)["replaced_kept_in"]
    assert [m["content"] for m in _ids(capsys, env, "a").values()] == ["in the backup"]
    code, out, _ = run(capsys, env, "fresh", "restore-backup", str(backup), secret=False)
    assert code == 0 and "Restored" in out
    assert "opens with the passphrase the vault had when the backup was made" in out  # not the replaced vault's


@pytest.mark.slow
def test_real_processes_with_the_real_model(env):
    """The installed entry point, the real model and real prompts-free secrets, as a user's script would run it."""
    def cli(vault, *argv, extra_env=None):
        environ = dict(os.environ, MEMVAULT_PASSPHRASE=A_PASS if vault == "a" else B_PASS, **(extra_env or {}))
        return subprocess.run(check=False, args=[sys.executable, "-m", "memvault", "--vault", str(env / vault), *argv], cwd=ROOT,
                              env=environ, capture_output=True, text=True, timeout=300)

    assert cli("a", "init").returncode == 0 and cli("b", "init").returncode == 0
    assert cli("a", "add", "The office wifi password is on the fridge", "-n", "home").returncode == 0
    bundle = env / "home.mvbundle"
    secret = {"MEMVAULT_BUNDLE_PASSPHRASE": BUNDLE_PASS}
    assert cli("a", "export", "home", "-o", str(bundle), extra_env=secret).returncode == 0
    done = cli("b", "import", "--json", str(bundle), extra_env=secret)
    assert done.returncode == 0 and json.loads(done.stdout)["to_embed"] == 0
    found = cli("b", "search", "--json", "where is the wifi password", "-n", "home")
    assert json.loads(found.stdout)["hits"][0]["memory"]["content"].startswith("The office wifi")
