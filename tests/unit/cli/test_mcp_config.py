"""MCP client configurations: the launcher, the snippets, the client files and the merge with a backup."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from memvault.domain.errors import InvalidInput
from memvault.service import mcp_config as mc

VAULT = Path("/home/ada/.local/share/memvault/vault")


def test_the_launcher_is_the_running_script_or_this_python(tmp_path):
    script = tmp_path / "bin" / "memvault"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert mc.current_launcher(str(script), "/x/python") == mc.Launcher(str(script.resolve()))
    launcher = mc.current_launcher("/somewhere/pytest", sys.executable)
    assert launcher.prefix == ("-m", "memvault") and Path(launcher.command).is_absolute()
    assert mc.current_launcher("memvault", "python3").command == str(Path("python3").absolute())


def test_stdio_snippets_for_each_client():
    launcher = mc.Launcher("/opt/mv/bin/python", ("-m", "memvault"))
    entry = mc.stdio_entry(launcher, namespace="claude", vault=VAULT, passphrase_file=Path("/home/ada/p w"))
    assert entry == {"command": "/opt/mv/bin/python", "args": [
        "-m", "memvault", "mcp", "--namespace", "claude", "--vault", str(VAULT), "--passphrase-file", "/home/ada/p w"]}
    desktop = json.loads(mc.snippet("claude-desktop", entry))
    assert desktop == {"mcpServers": {"memvault": entry}}
    assert json.loads(mc.snippet("cursor", entry)) == desktop
    code = mc.snippet("claude-code", entry)
    assert code.startswith("claude mcp add --scope user memvault -- /opt/mv/bin/python -m memvault mcp")
    assert code.endswith("--passphrase-file '/home/ada/p w'")
    keyed = mc.stdio_entry(launcher, namespace="claude", vault=VAULT, passphrase_file=None)
    assert "--passphrase-file" not in keyed["args"]
    assert mc.client_entry("claude-code", keyed) == {"type": "stdio", **keyed, "env": {}}


def test_http_snippets_carry_the_real_key():
    entry = mc.http_entry("http://127.0.0.1:7411/", "mv_abc123")
    assert entry == {"url": "http://127.0.0.1:7411/mcp", "headers": {"Authorization": "Bearer mv_abc123"}}
    assert json.loads(mc.snippet("cursor", entry))["mcpServers"]["memvault"] == entry
    assert mc.snippet("claude-code", entry) == ("claude mcp add --scope user --transport http memvault "
                                                "http://127.0.0.1:7411/mcp --header 'Authorization: Bearer mv_abc123'")


def test_client_files(tmp_path):
    home = tmp_path
    assert mc.config_path("cursor", home=home) == home / ".cursor" / "mcp.json"
    assert mc.config_path("claude-code", home=home) == home / ".claude.json"
    assert mc.config_path("claude-desktop", home=home, environ={}, platform="linux") == \
        home / ".config" / "Claude" / "claude_desktop_config.json"
    assert mc.config_path("claude-desktop", home=home, environ={"XDG_CONFIG_HOME": "/xdg"}, platform="linux") == \
        Path("/xdg/Claude/claude_desktop_config.json")
    assert mc.config_path("claude-desktop", home=home, environ={}, platform="darwin") == \
        home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    assert mc.config_path("claude-desktop", home=home, environ={"APPDATA": "C:/AD"}, platform="win32") == \
        Path("C:/AD/Claude/claude_desktop_config.json")
    assert mc.config_path("vscode", home=home, environ={}, platform="linux") == home / ".config/Code/User/mcp.json"
    with pytest.raises(InvalidInput):
        mc.config_path("zed", home=home)


def test_install_merges_keeps_the_rest_and_backs_up(tmp_path):
    path = tmp_path / "claude_desktop_config.json"
    original = {"globalShortcut": "Ctrl+Space", "mcpServers": {"files": {"command": "npx", "args": ["fs"]}}}
    path.write_text(json.dumps(original))
    path.chmod(0o640)
    entry = {"command": "/opt/mv/bin/memvault", "args": ["mcp"]}
    result = mc.install("claude-desktop", entry, path)
    doc = json.loads(path.read_text())
    assert doc["globalShortcut"] == "Ctrl+Space" and doc["mcpServers"]["files"] == original["mcpServers"]["files"]
    assert doc["mcpServers"]["memvault"] == entry and not result.replaced
    assert result.backup is not None and json.loads(result.backup.read_text()) == original
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    again = mc.install("claude-desktop", {**entry, "args": ["mcp", "-n", "x"]}, path)
    assert again.replaced and json.loads(path.read_text())["mcpServers"]["memvault"]["args"] == ["mcp", "-n", "x"]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".bak")) == [path.name]


def test_install_creates_a_missing_file_and_refuses_a_broken_one(tmp_path):
    path = tmp_path / ".cursor" / "mcp.json"
    result = mc.install("cursor", {"command": "/m", "args": []}, path)
    assert result.backup is None and json.loads(path.read_text()) == {"mcpServers": {"memvault": {
        "command": "/m", "args": []}}}
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InvalidInput, match="nothing was changed"):
        mc.install("cursor", {"command": "/m", "args": []}, broken)
    assert broken.read_text() == "{not json" and list(tmp_path.glob("broken.json.*")) == []


@pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX permissions")
def test_passphrase_file_is_created_private_and_never_overwritten(tmp_path):
    path = tmp_path / "config" / "memvault" / "passphrase"
    assert mc.passphrase_file_state(path) == "missing"
    mc.write_passphrase_file(path, "correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "correct horse\n"
    assert mc.passphrase_file_state(path) == "private"
    with pytest.raises(InvalidInput, match="already exists"):
        mc.write_passphrase_file(path, "other")
    assert path.read_text() == "correct horse\n"
    os.chmod(path, 0o644)
    assert mc.passphrase_file_state(path) == "readable by others"
