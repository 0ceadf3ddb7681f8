"""``memvault mcp config``: the printed snippet, and --install into a client's file that then starts a working server."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import anyio
import keyring
import pytest
from keyring.backends import fail
from mcp import Client, StdioServerParameters

from tests.e2e.cli.file_keyring import FileKeyring
from tests.helpers import PASSPHRASE, ROOT
from tests.helpers.cli import run


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("MEMVAULT_HOME", str(tmp_path / "vault"))
    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("MEMVAULT_KDF_MEMORY_KIB", "1024")
    monkeypatch.setenv("MEMVAULT_KDF_ITERATIONS", "1")
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # no OS keychain unless a test installs one
    yield home
    keyring.set_keyring(before)


def _remember_through(entry: dict, tmp_path: Path, extra_env: dict[str, str]) -> dict:
    """Start the configured server the way the client would: its command and args, no passphrase in the env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEMVAULT_")}
    env.update(extra_env)
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env, cwd=str(ROOT))

    async def go():
        async with Client(params) as client:
            result = await client.call_tool("remember", {"content": "Configured by mcp config"})
            assert not result.is_error, result.content[0].text
            return result.structured_content

    return anyio.run(go)


def test_print_mode_writes_nothing_and_explains_the_passphrase(home, capsys):
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "mcp", "config", "--client", "claude-code", "--namespace", "code",
                          "--secret-store", "file")
    assert code == 0
    assert out.startswith("claude mcp add --scope user memvault -- ") and "mcp --namespace code" in out
    assert Path(out.split(" -- ")[1].split()[0]).is_absolute()
    assert "does not exist yet" in err and "--install" in err and "0600" in err
    assert not (home / ".claude.json").exists() and not (home / ".config" / "memvault").exists()


@pytest.mark.slow  # starts the installed server in a subprocess, which loads the model
def test_install_with_a_passphrase_file_merges_and_backs_up(home, capsys, tmp_path, monkeypatch):
    assert run(capsys, "init")[0] == 0
    config = home / ".config" / "Claude" / "claude_desktop_config.json"
    config.parent.mkdir(parents=True)
    original = {"mcpServers": {"files": {"command": "/usr/bin/fs-server", "args": ["/tmp"]}}, "theme": "dark"}
    config.write_text(json.dumps(original))

    monkeypatch.setenv("MEMVAULT_PASSPHRASE", "not the passphrase")
    code, _, err = run(capsys, "mcp", "config", "--client", "claude-desktop", "--install", "--secret-store", "file")
    assert code == 1 and "wrong passphrase" in err
    assert json.loads(config.read_text()) == original and not (home / ".config" / "memvault").exists()

    monkeypatch.setenv("MEMVAULT_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(capsys, "mcp", "config", "--client", "claude-desktop", "--namespace", "claude", "--install",
                        "--secret-store", "file")
    assert code == 0 and "backup" in out
    doc = json.loads(config.read_text())
    assert doc["theme"] == "dark" and doc["mcpServers"]["files"] == original["mcpServers"]["files"]
    entry = doc["mcpServers"]["memvault"]
    assert Path(entry["command"]).is_absolute() and os.access(entry["command"], os.X_OK)
    args = entry["args"]
    assert args[args.index("--namespace") + 1] == "claude"
    secret = Path(args[args.index("--passphrase-file") + 1])
    assert secret == home / ".config" / "memvault" / "passphrase"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() == PASSPHRASE + "\n"
    [backup] = config.parent.glob("claude_desktop_config.json.*.bak")
    assert json.loads(backup.read_text()) == original
    stored = _remember_through(entry, tmp_path, {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    assert stored["created"] is True


@pytest.mark.slow
def test_install_with_the_keychain_needs_no_file(home, capsys, tmp_path, monkeypatch):
    store = tmp_path / "keychain.json"
    monkeypatch.setenv("MEMVAULT_TEST_KEYRING", str(store))
    keyring.set_keyring(FileKeyring())
    assert run(capsys, "init")[0] == 0
    code, out, err = run(capsys, "mcp", "config", "--client", "cursor")
    assert code == 0 and "OS keychain" in err and "not there yet" in err
    code, out, _ = run(capsys, "mcp", "config", "--client", "cursor", "--install")
    assert code == 0 and "OS keychain" in out
    entry = json.loads((home / ".cursor" / "mcp.json").read_text())["mcpServers"]["memvault"]
    assert "--passphrase-file" not in entry["args"] and store.exists()
    assert not (home / ".config" / "memvault" / "passphrase").exists()
    stored = _remember_through(entry, tmp_path, {
        "PYTHON_KEYRING_BACKEND": "tests.e2e.cli.file_keyring.FileKeyring", "MEMVAULT_TEST_KEYRING": str(store)})
    assert stored["created"] is True


class Terminal:
    """Standard input that is a terminal and answers the yes/no question."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer + "\n"


def test_print_mode_offers_to_create_the_passphrase_file(home, capsys, monkeypatch):
    assert run(capsys, "init")[0] == 0
    secret = home / ".config" / "memvault" / "passphrase"
    monkeypatch.setattr("sys.stdin", Terminal("n"))
    assert run(capsys, "mcp", "config", "--client", "cursor", "--secret-store", "file")[0] == 0
    assert not secret.exists()
    monkeypatch.setattr("sys.stdin", Terminal("y"))
    monkeypatch.delenv("MEMVAULT_PASSPHRASE")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSPHRASE)
    code, out, err = run(capsys, "mcp", "config", "--client", "cursor", "--secret-store", "file")
    assert code == 0 and "created" in err and "[y/N]" in err and json.loads(out)["mcpServers"]["memvault"]
    assert secret.read_text() == PASSPHRASE + "\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert not (home / ".cursor" / "mcp.json").exists()  # printing never touches the client's file
