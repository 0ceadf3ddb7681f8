"""The ``memvault`` command: exit codes, messages and JSON output."""

import io
import json
import subprocess
import sys

import pytest

from memvault.cli import main
from tests.helpers import PASSPHRASE, ROOT
from tests.helpers.cli import run

# Runs the bundled model (in this process or a subprocess): the slow tier.
pytestmark = pytest.mark.slow



def test_full_session(env, capsys):
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "add", "--json", "The user prefers dark mode in all applications",
                       "--type", "preference", "--tags", "ui,prefs", "--metadata", '{"source": "cli"}')
    assert code == 0
    added = json.loads(out)
    memory_id = added["memory"]["id"]
    assert added["created"] and added["memory"]["embedding_status"] == "ready"
    run(capsys, "add", "Lunch with Ravi on Friday at noon", "--type", "event")
    code, out, _ = run(capsys, "search", "--json", "which colour theme does the user like", "--mode", "semantic")
    assert code == 0 and json.loads(out)["hits"][0]["memory"]["id"] == memory_id
    code, out, _ = run(capsys, "list", "--type", "event")
    assert code == 0 and "Lunch with Ravi" in out and "dark mode" not in out
    code, out, _ = run(capsys, "get", memory_id, "--history")
    assert code == 0 and "v1 create" in out and "source" in out
    assert run(capsys, "delete", memory_id)[0] == 0
    code, out, _ = run(capsys, "list", "--json", "--trash")
    assert [m["id"] for m in json.loads(out)["items"]] == [memory_id]
    assert run(capsys, "restore", memory_id)[0] == 0
    code, out, _ = run(capsys, "stats", "--json")
    assert code == 0 and json.loads(out)["total"] == 2
    code, out, _ = run(capsys, "purge", "--trash")
    assert code == 0 and "Purged 0 expired" in out
    assert run(capsys, "delete", memory_id, "--hard")[0] == 0
    assert run(capsys, "get", memory_id)[0] == 1


def test_reembed_reports_what_it_did(env, capsys):
    run(capsys, "init")
    run(capsys, "add", "The user prefers dark mode in all applications")
    code, out, _ = run(capsys, "reembed")
    assert code == 0 and "nothing to do" in out
    code, out, _ = run(capsys, "reembed", "--json", "--all")
    assert code == 0 and json.loads(out) == {"done": 1, "total": 1, "cancelled": False}
    code, _, err = run(capsys, "reembed", "--namespace", "bad name!")
    assert code == 2 and err.startswith("memvault: ") and "\n" == err[-1] and err.count("\n") == 1


def test_a_memory_stored_without_waiting_is_said_unsearchable_by_meaning_until_reembed(env, capsys):
    """A command ends before the queue's worker embeds what `add --no-wait` stored: search says so, and
    `reembed` embeds it (it said "nothing to do")."""
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "My passport is in the desk drawer")
    code, out, _ = run(capsys, "search", "--mode", "semantic", "where is my passport")
    assert code == 0 and "0 hits, mode" in out and "1 memory is not embedded yet" in out
    code, out, _ = run(capsys, "reembed")
    assert code == 0 and "Re-embedded 1 memory" in out
    code, out, _ = run(capsys, "search", "--mode", "semantic", "where is my passport")
    assert "desk drawer" in out and "not embedded yet" not in out


def test_stdin_content(env, capsys, monkeypatch):
    import io

    run(capsys, "init")
    monkeypatch.setattr("sys.stdin", io.StringIO("piped memory text\n"))
    code, out, _ = run(capsys, "add", "--json", "-", "--no-wait")
    # The line end that ends a pipe (echo adds one) is no part of the text.
    assert code == 0 and json.loads(out)["memory"]["content"] == "piped memory text"


@pytest.mark.parametrize("argv,code,message", [
    (["add", ""], 2, "content must not be empty"),
    (["add", "x", "--metadata", "{bad json"], 2, "not valid JSON"),
    (["add", "x", "--metadata", "[1]"], 2, "JSON object"),
    (["add", "x", "--importance", "3"], 2, "importance"),
    (["list", "--cursor", "garbage"], 2, "cursor"),
    (["get", "no-such-id"], 1, "no memory with id"),
    (["restore", "no-such-id"], 1, "no memory with id"),
    (["eval", "--beir", "/nonexistent"], 2, "not a BEIR folder"),
    (["bench", "--n", "-5"], 2, "--n must be between 1"),
    (["bench", "--busy-n", "-1"], 2, "--busy-n must be between 0"),
    (["bench", "--fact-chats", "-1"], 2, "--fact-chats must be between 0"),
])
def test_errors_are_one_line_with_the_right_exit_code(env, capsys, argv, code, message):
    run(capsys, "init")
    got, out, err = run(capsys, *argv)
    assert got == code
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_wrong_passphrase_and_missing_vault(env, capsys, monkeypatch):
    code, _, err = run(capsys, "list")
    assert code == 1 and "memvault init" in err
    run(capsys, "init")
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "definitely wrong")
    code, _, err = run(capsys, "list")
    assert code == 1 and "wrong passphrase" in err


def test_passphrase_file_and_no_passphrase(env, capsys, monkeypatch, tmp_path):
    run(capsys, "init")
    monkeypatch.delenv("MEMVAULT_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(capsys, "list")
    assert code == 2 and "MEMVAULT_PASSPHRASE" in err
    secret = tmp_path / "pass.txt"
    secret.write_text(PASSPHRASE + "\n")
    assert run(capsys, "list", "--passphrase-file", str(secret))[0] == 0
    code, _, err = run(capsys, "list", "--passphrase-file", str(tmp_path / "missing"))
    assert code == 2 and "passphrase file" in err


def test_init_twice_is_refused(env, capsys):
    assert run(capsys, "init")[0] == 0
    code, _, err = run(capsys, "init")
    assert code == 1 and "already exists" in err


def test_vault_option_before_or_after_the_command(env, capsys, tmp_path):
    other = tmp_path / "elsewhere"
    assert run(capsys, "--vault", str(other), "init")[0] == 0
    assert run(capsys, "list", "--vault", str(other))[0] == 0
    assert run(capsys, "--vault", str(tmp_path / "nowhere"), "list")[0] == 1


def test_bad_choice_is_exit_2_from_argparse(env, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["search", "x", "--mode", "psychic"])
    assert exc.value.code == 2


def test_module_entry_point_runs(env):
    proc = subprocess.run([sys.executable, "-m", "memvault", "--version"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("memvault ")
    proc = subprocess.run([sys.executable, "-m", "memvault", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and "serve" in proc.stdout and "bench" in proc.stdout


@pytest.mark.parametrize("damage, message", [
    ("empty-db", "is empty (0 bytes)"),
    ("header-bit", "is damaged"),
    ("huge-iterations", "out of range"),
])
def test_damaged_vault_files_are_one_line_errors_not_a_wrong_passphrase(env, capsys, damage, message):
    assert run(capsys, "init")[0] == 0
    home = env / "vault"
    if damage == "empty-db":
        (home / "vault.db").write_bytes(b"")
    else:
        doc = json.loads((home / "vault.header").read_text())
        if damage == "header-bit":
            doc["kdf"]["salt"] = ("B" if doc["kdf"]["salt"][0] != "B" else "C") + doc["kdf"]["salt"][1:]
        else:
            doc["kdf"]["iterations"] = 10**9
        (home / "vault.header").write_text(json.dumps(doc))
    code, _, err = run(capsys, "list")
    assert code == 1 and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert "wrong passphrase" not in err


def test_passwd_rewraps_and_kdf_settings_out_of_range_are_refused(env, capsys, monkeypatch):
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "100")
    code, _, err = run(capsys, "init")
    assert code == 2 and "MEMVAULT_KDF_ITERATIONS='100': must be between 1 and 64" in err
    assert not (env / "vault").exists()
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "1")
    assert run(capsys, "init")[0] == 0

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a new long passphrase")
    code, out, _ = run(capsys, "passwd")
    assert code == 0 and "Passphrase changed" in out
    assert json.loads((env / "vault" / "vault.header").read_text())["version"] == 2
    code, _, err = run(capsys, "list")
    assert code == 1 and "wrong passphrase" in err
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "a new long passphrase")
    assert run(capsys, "list")[0] == 0


def test_edit_changes_text_and_fields_and_opens_the_editor_without_text(env, capsys, monkeypatch, tmp_path):
    run(capsys, "init")
    _, out, _ = run(capsys, "add", "--json", "--no-wait", "The user drinks tea")
    memory_id = json.loads(out)["memory"]["id"]
    code, out, _ = run(capsys, "edit", "--json", memory_id, "The user drinks green tea", "--tags", "drinks")
    assert code == 0
    edited = json.loads(out)
    assert edited["content"] == "The user drinks green tea" and edited["tags"] == ["drinks"]
    # Without new text, the text opens in $EDITOR (here a script that appends a line).
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf "with milk" >> "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)
    code, out, _ = run(capsys, "edit", memory_id)
    assert code == 0 and "Updated" in out
    code, out, _ = run(capsys, "get", "--json", memory_id)
    assert json.loads(out)["content"] == "The user drinks green tea\nwith milk"  # the file ends in a line end
    # Saved unchanged the way vim's :wq saves (it keeps the final line end): nothing changes.
    editor.write_text('#!/bin/sh\nc=$(cat "$1"); printf "%s\\n" "$c" > "$1"\n')
    code, out, _ = run(capsys, "edit", memory_id)
    assert code == 0 and "is unchanged" in out, out
    assert run(capsys, "edit", "no-such-id", "x")[0] == 1
    # What `echo` pipes in ends in a line end that is no part of the text.
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"Piped text\n")))
    code, out, _ = run(capsys, "add", "--json", "--no-wait", "-")
    assert code == 0 and json.loads(out)["memory"]["content"] == "Piped text"
    code, _, err = run(capsys, "export", "default", "--format", "jsonl", "--unencrypted-ok", "-o", "-")
    assert code == 2 and "not to standard output" in err and not (tmp_path / "-").exists()
    # A slip in -o never replaces a file, least of all the vault's own (the bundle export did both).
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    monkeypatch.setenv("MEMVAULT_BUNDLE_PASSPHRASE", "a bundle passphrase")
    code, _, err = run(capsys, "export", "default", "-o", str(notes))
    assert code == 2 and "already exists; choose a new name" in err and notes.read_text() == "my notes"
    home = tmp_path / "vault"
    header = (home / "vault.header").read_bytes()
    code, _, err = run(capsys, "export", "default", "-o", str(home / "vault.header"))
    assert code == 2 and "in the vault's own folder" in err and (home / "vault.header").read_bytes() == header
    assert run(capsys, "list")[0] == 0


def test_unknown_namespace_is_an_error_with_a_hint(env, capsys):
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "--namespace", "work", "Standup at nine")
    code, out, err = run(capsys, "list", "--namespace", "wrk")
    assert code == 1 and "no namespace named 'wrk'" in err and "did you mean 'work'" in err
    code, out, _ = run(capsys, "list", "--namespace", "work")
    assert code == 0 and "Standup" in out
    code, _, _ = run(capsys, "list")  # the default namespace, empty, is not a typo
    assert code == 0


def test_misspelt_option_is_an_error_not_the_query(env, capsys):
    run(capsys, "init")
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--limt", "3", "manager"])
    assert exit_info.value.code == 2
    assert "--limt" in capsys.readouterr().err


def test_created_after_takes_dates_and_words(env, capsys):
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "Made today")
    for when, found in (("yesterday", True), ("2001-01-01", True), ("2999-01-01", False),
                        ("2999-01-01T10:00+00:00", False), ("1000000000", True)):
        code, out, _ = run(capsys, "list", "--json", "--created-after", when)
        assert code == 0 and (json.loads(out)["total"] == 1) == found, when
    # "1e400" and "nan" parse as floats but are no time (the API refuses them too; the CLI listed nothing).
    for bad in ("not a time at all", "1e400", "nan", "inf"):
        with pytest.raises(SystemExit) as exit_info:
            main(["list", "--created-after", bad])
        assert exit_info.value.code == 2 and "is not a time" in capsys.readouterr().err, bad


def test_all_namespaces_and_a_namespace_are_refused_together(env, capsys):
    run(capsys, "init")
    run(capsys, "add", "--no-wait", "in qa", "-n", "qa")
    run(capsys, "add", "--no-wait", "in default")
    code, _out, err = run(capsys, "list", "--all-namespaces", "-n", "qa")
    assert code != 0 and "--all-namespaces and --namespace" in err  # -n was dropped and all were listed
    assert json.loads(run(capsys, "list", "--json", "--all-namespaces")[1])["total"] == 2
    assert json.loads(run(capsys, "list", "--json")[1])["total"] == 1  # the default namespace, as before
    assert json.loads(run(capsys, "search", "--json", "in", "-n", "qa")[1])["hits"]
    # Listed across namespaces, each line says whose it is; one namespace's list has no such column.
    header, *rows = run(capsys, "list", "--all-namespaces")[1].splitlines()[:3]
    assert "NAMESPACE" in header and sorted(r.split()[1] for r in rows) == ["default", "qa"]
    assert "NAMESPACE" not in run(capsys, "list", "-n", "qa")[1]


def test_mcp_config_without_a_keychain_gives_the_client_a_credential_not_the_passphrase(env, capsys, monkeypatch):
    import argparse
    import os

    from memvault.cli import mcp_commands
    from memvault.config import load_settings
    from memvault.domain.errors import Unauthorized
    from memvault.service import mcp_config

    monkeypatch.setenv("HOME", str(env / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env / "home" / ".config"))
    run(capsys, "init")
    code, out, err = run(capsys, "mcp", "config", "--client", "cursor", "--namespace", "work", "--install",
                         "--secret-store", "credential")
    assert code == 0 and "stored nowhere" in out, err
    args = json.loads(mcp_config.config_path("cursor").read_text())["mcpServers"]["memvault"]["args"]
    credential = args[args.index("--credential-file") + 1]
    assert not mcp_config.default_passphrase_file().exists()
    assert PASSPHRASE not in open(credential).read()
    monkeypatch.delenv("MEMVAULT_PASSPHRASE")
    settings = load_settings()
    stdio = argparse.Namespace(namespace="work", credential_file=credential, passphrase_file=None)
    mcp_commands._unlock(stdio, settings).close()  # the server opens the vault with it alone
    with pytest.raises(Unauthorized, match="namespace"):
        mcp_commands._unlock(argparse.Namespace(namespace="other", credential_file=credential,
                                                passphrase_file=None), settings)
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    key_id = json.loads(run(capsys, "keys", "list", "--json")[1])[0]["id"]
    header, row = run(capsys, "keys", "list")[1].splitlines()  # a table with its column names
    assert header.split() == ["ID", "KEY", "NAMESPACE", "SCOPES", "NAME"] and row.split()[0] == str(key_id)
    assert run(capsys, "keys", "revoke", str(key_id))[0] == 0
    monkeypatch.delenv("MEMVAULT_PASSPHRASE")
    with pytest.raises(Unauthorized):
        mcp_commands._unlock(stdio, settings)
    assert os.stat(credential).st_mode & 0o077 == 0


def test_mcp_config_install_makes_nothing_for_a_file_it_cannot_merge_and_one_key_per_client(env, capsys, monkeypatch):
    """A broken client file was refused "nothing was changed" after a key and a credential were made; installing
    again left the first key active although its credential was overwritten."""
    from memvault.service import mcp_config

    monkeypatch.setenv("HOME", str(env / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(env / "home" / ".config"))
    run(capsys, "init")
    install = ("mcp", "config", "--client", "cursor", "--namespace", "work", "--install", "--secret-store",
               "credential")
    client_file = mcp_config.config_path("cursor")
    client_file.parent.mkdir(parents=True)
    client_file.write_text("{broken")
    code, _, err = run(capsys, *install)
    assert code == 2 and "nothing was changed" in err
    assert json.loads(run(capsys, "keys", "list", "--json")[1]) == []
    assert not mcp_config.default_credential_file("cursor").exists()
    client_file.write_text("{}")
    assert run(capsys, *install)[0] == 0
    assert run(capsys, *install)[0] == 0
    keys = json.loads(run(capsys, "keys", "list", "--json")[1])
    assert [k["revoked_at"] is None for k in sorted(keys, key=lambda k: k["id"])] == [False, True], keys


def test_edit_embeds_the_new_text_before_it_returns_unless_asked_not_to(env, capsys):
    """With no app or server working off the queue, an edit left "processing" kept the old text's vectors."""
    run(capsys, "init")
    _, out, _ = run(capsys, "add", "--json", "The user prefers dark mode")
    memory_id = json.loads(out)["memory"]["id"]
    code, out, _ = run(capsys, "edit", "--json", memory_id, "The user repairs vintage motorcycles on Sundays")
    assert code == 0 and json.loads(out)["embedding_status"] == "ready"
    code, out, _ = run(capsys, "search", "--json", "--mode", "semantic", "old bikes as a hobby")
    assert json.loads(out)["hits"][0]["snippet"].startswith("The user repairs vintage motorcycles")
    code, out, _ = run(capsys, "edit", "--json", "--no-wait", memory_id, "The user keeps bees")
    assert code == 0 and json.loads(out)["embedding_status"] == "processing"


def test_bad_input_the_cli_reads_itself_is_one_line_not_a_traceback(env, capsys, monkeypatch):
    """Deep JSON in --metadata and in a chat file, an id past SQLite's integers, an editor that does not exist."""
    run(capsys, "init")
    deep = '{"a":' + "[" * 5000 + "]" * 5000 + "}"
    for argv in (("add", "x", "--metadata", deep), ("list", "--metadata", deep), ("search", "x", "--metadata", deep)):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "--metadata is nested more than" in err and "Traceback" not in err, argv
    chat = env / "deep.json"
    chat.write_text("[" * 5000 + "]" * 5000)
    code, _, err = run(capsys, "ingest-chat", str(chat))
    assert code == 2 and "nested more than" in err
    code, _, err = run(capsys, "keys", "revoke", "99999999999999999999999")
    assert code == 1 and err == "memvault: no API key with id 99999999999999999999999\n"
    _, out, _ = run(capsys, "add", "--json", "--no-wait", "The user drinks tea")
    memory_id = json.loads(out)["memory"]["id"]
    monkeypatch.setenv("VISUAL", "/nonexistent/editor")
    code, _, err = run(capsys, "edit", memory_id)
    assert code == 2 and err.startswith("memvault: cannot run the editor (/nonexistent/editor): No such file")
    monkeypatch.setenv("VISUAL", "vim '")
    assert run(capsys, "edit", memory_id)[0] == 2
    # No editor chosen and no terminal (here: pytest's): vi is not started to print its screen codes and fail.
    monkeypatch.delenv("VISUAL")
    monkeypatch.delenv("EDITOR", raising=False)
    code, _, err = run(capsys, "edit", memory_id)
    assert code == 2 and err.startswith("memvault: no terminal for an editor: give the new text")
    # Set but empty is no choice either (`EDITOR= VISUAL= memvault edit ID` from a script started vi and hung).
    monkeypatch.setenv("VISUAL", "")
    monkeypatch.setenv("EDITOR", "")
    code, _, err = run(capsys, "edit", memory_id)
    assert code == 2 and err.startswith("memvault: no terminal for an editor: give the new text")
    assert json.loads(run(capsys, "get", "--json", memory_id)[1])["version"] == 1


def test_messages_name_what_is_wrong(env, capsys, monkeypatch, tmp_path):
    """An empty passphrase file, bytes that are not UTF-8 on standard input, a missing import file by its
    whole path, a namespace that does not exist: each says so, not something else."""
    import io

    run(capsys, "init")
    empty = tmp_path / "empty.pass"
    empty.write_text("")
    code, _, err = run(capsys, "list", "--passphrase-file", str(empty))
    assert code == 2 and err == f"memvault: the passphrase file {empty} is empty\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"abc\xff\xfe")))
    code, _, err = run(capsys, "add", "-")
    assert code == 2 and "standard input is not UTF-8 text" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("piped".encode("utf-16"))))
    code, _, err = run(capsys, "add", "-")
    assert code == 2 and "standard input is UTF-16 text: save or convert it as UTF-8" in err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\ufeffNotes from Notepad\r\n".encode())))
    code, out, _ = run(capsys, "add", "--json", "--no-wait", "-")
    assert code == 0 and json.loads(out)["memory"]["content"] == "Notes from Notepad"  # no byte order mark
    missing = tmp_path / "nowhere" / "notes.jsonl"
    code, _, err = run(capsys, "import", str(missing), "--from", "jsonl")
    assert code == 2 and err == f"memvault: there is no file {missing}\n"  # a mistyped path: bad input
    code, _, err = run(capsys, "reembed", "--namespace", "nosuch")
    assert code == 1 and "no namespace named 'nosuch'" in err
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "")  # set, but to nothing: not "no passphrase"
    code, _, err = run(capsys, "list")
    assert code == 2 and err.startswith("memvault: MEMVAULT_PASSPHRASE is set but empty")


def test_a_missing_file_or_folder_is_said_before_any_passphrase_is_asked_for(env, capsys, monkeypatch, tmp_path):
    run(capsys, "init")
    monkeypatch.delenv("MEMVAULT_PASSPHRASE")  # a prompt would come first (here: "no passphrase")
    missing = tmp_path / "nowhere.mvbundle"
    for argv in (("import", str(missing)), ("import", str(missing), "--from", "jsonl")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and err == f"memvault: there is no file {missing}\n", argv
    code, _, err = run(capsys, "export", "default", "-o", str(tmp_path / "nodir" / "x.mvbundle"))
    assert code == 2 and "its folder does not exist" in err
