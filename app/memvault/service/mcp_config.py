"""MCP client configurations for Memvault: the snippets to paste, and installing them into a client's file.

One place builds them, so the CLI (``memvault mcp config``) and the desktop
app's Agents page show the same thing. A stdio server entry names the
absolute path of the program that is running now (a desktop client does not
see the shell's PATH or virtual environment) and says where the server gets
the vault's passphrase: the OS keychain, or a file only the user can read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from memvault.crypto.aead import unwrap_key, wrap_key
from memvault.crypto.hkdf import hkdf_sha256
from memvault.domain.errors import DecryptionFailed, InvalidInput, NotFound, Unauthorized

CLIENTS = ("claude-desktop", "claude-code", "cursor", "vscode")
# VS Code keeps its servers under "servers" (in the user profile's mcp.json); the others under "mcpServers".
_SERVERS_KEY = {"vscode": "servers"}
SERVER_NAME = "memvault"


@dataclass(frozen=True)
class Launcher:
    """How to start this Memvault: a program and the arguments before ``mcp``."""

    command: str
    prefix: tuple[str, ...] = ()


def current_launcher(argv0: str | None = None, executable: str | None = None) -> Launcher:
    """The running ``memvault`` script if that is what started this process, else ``python -m memvault``."""
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name.startswith("memvault") and script.is_file() and os.access(script, os.X_OK):
        return Launcher(str(script.resolve()))
    python = executable or sys.executable
    return Launcher(str(Path(python).absolute()), ("-m", "memvault"))


def stdio_entry(launcher: Launcher, *, namespace: str, vault: Path, passphrase_file: Path | None,
                credential_file: Path | None = None) -> dict[str, Any]:
    """The ``command``/``args`` of a stdio server; it unlocks with ``credential_file`` (a wrapped API key),
    ``passphrase_file``, or else the key in the keychain."""
    args = [*launcher.prefix, "mcp", "--namespace", namespace, "--vault", str(vault)]
    if credential_file is not None:
        args += ["--credential-file", str(credential_file)]
    elif passphrase_file is not None:
        args += ["--passphrase-file", str(passphrase_file)]
    return {"command": launcher.command, "args": args}


def http_entry(url: str, api_key: str) -> dict[str, Any]:
    """A Streamable HTTP server entry (``memvault serve`` or the desktop app running)."""
    return {"url": f"{url.rstrip('/')}/mcp", "headers": {"Authorization": f"Bearer {api_key}"}}


def client_entry(client: str, entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` as ``client`` writes it in its file (Claude Code records the transport type)."""
    _check_client(client)
    kind = "http" if "url" in entry else "stdio"
    if client == "vscode":
        return {"type": kind, **entry}
    if client != "claude-code":
        return dict(entry)
    return {"type": kind, **entry, **({"env": {}} if kind == "stdio" else {})}


def snippet(client: str, entry: dict[str, Any]) -> str:
    """What to paste: the JSON for the client's file, or for Claude Code the ``claude mcp add`` line."""
    _check_client(client)
    if client == "claude-code":
        if "url" in entry:
            headers = " ".join(f"--header {shlex.quote(f'{k}: {v}')}" for k, v in entry.get("headers", {}).items())
            return f"claude mcp add --scope user --transport http {SERVER_NAME} {shlex.quote(entry['url'])} {headers}"
        words = [entry["command"], *entry["args"]]
        return f"claude mcp add --scope user {SERVER_NAME} -- " + " ".join(shlex.quote(w) for w in words)
    return json.dumps({_SERVERS_KEY.get(client, "mcpServers"): {SERVER_NAME: client_entry(client, entry)}}, indent=2)


def config_path(client: str, *, home: Path | None = None, environ: Mapping[str, str] | None = None,
                platform: str | None = None) -> Path:
    """The file in which ``client`` keeps its MCP servers (user-wide)."""
    _check_client(client)
    env = os.environ if environ is None else environ
    home = home or Path.home()
    platform = platform or sys.platform
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if client == "claude-code":
        return home / ".claude.json"
    if client == "vscode":
        if platform == "darwin":
            return home / "Library" / "Application Support" / "Code" / "User" / "mcp.json"
        if platform.startswith("win"):
            return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Code" / "User" / "mcp.json"
        return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "Code" / "User" / "mcp.json"
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if platform.startswith("win"):
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Claude" / "claude_desktop_config.json"
    return Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "Claude" / "claude_desktop_config.json"


def default_passphrase_file() -> Path:
    """Where ``memvault mcp config`` keeps the passphrase for stdio servers when there is no keychain."""
    return Path(platformdirs.user_config_dir("memvault", appauthor=False)) / "passphrase"


def passphrase_file_state(path: Path) -> str:
    """``missing``, ``private`` (mode 0600 or stricter) or ``readable by others``."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing"
    if sys.platform.startswith("win") or not mode & 0o077:
        return "private"
    return "readable by others"


def write_passphrase_file(path: Path, passphrase: str) -> None:
    """Create ``path`` holding ``passphrase``, readable and writable by the owner only; never overwrites."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL with the mode given at creation: no moment where the file is readable by others.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"{path} already exists; it was left as it is") from None
    except OSError as exc:
        raise InvalidInput(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(passphrase + "\n")


@dataclass(frozen=True)
class InstallResult:
    """What installing changed: the file, its backup (if it existed) and whether an entry was replaced."""

    path: Path
    backup: Path | None
    replaced: bool


def installable(client: str, path: Path) -> dict[str, Any]:
    """The client's file at ``path`` as JSON (``{}`` when there is none yet); :class:`InvalidInput` when Memvault
    could not merge its server into it. Checked before anything else is made for the client (a key, a
    credential), so that a refusal leaves nothing behind."""
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_text("utf-8") or "{}")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not a JSON file Memvault can merge into ({exc}); nothing was changed") from None
    servers_key = _SERVERS_KEY.get(client, "mcpServers")
    if not isinstance(doc, dict) or not isinstance(doc.get(servers_key, {}), dict):
        raise InvalidInput(f"{path} does not hold a JSON object with a {servers_key} object; nothing was changed")
    return doc


def install(client: str, entry: dict[str, Any], path: Path | None = None) -> InstallResult:
    """Merge ``entry`` as the ``memvault`` server into the client's file, keeping everything else.

    The existing file is copied to ``<name>.<timestamp>.bak`` first; the new one is
    written to a temporary file and renamed over it, so a crash leaves one or the other.
    """
    path = path or config_path(client)
    backup = None
    doc = installable(client, path)
    if path.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        shutil.copy2(path, backup)
    servers = doc.setdefault(_SERVERS_KEY.get(client, "mcpServers"), {})
    replaced = SERVER_NAME in servers
    servers[SERVER_NAME] = client_entry(client, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        if backup is not None:
            shutil.copymode(backup, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return InstallResult(path, backup, replaced)


def _check_client(client: str) -> None:
    if client not in CLIENTS:
        raise InvalidInput(f"client must be one of: {', '.join(CLIENTS)} (got {client!r})")


# -- client credentials: a revocable API key that also unwraps the vault's data key ---------------------------
#
# A stdio server is started by the client, with no one to type a passphrase. Instead of the passphrase it
# gets an API key of its own (bound to one namespace, listed and revocable like any key). The vault folder
# keeps the data key wrapped under a key derived from that secret; the client's file holds only the secret.
# Revoking the key deletes the wrapped copy, and the server refuses a revoked key in any case.

_CREDENTIAL_INFO = b"memvault client credential v1"
_CREDENTIAL_CONTEXT = b"client-credential"
CREDENTIALS_FOLDER = "client-credentials"


def _credential_keys(secret: str) -> tuple[str, bytes]:
    material = hkdf_sha256(secret.encode(), salt=None, info=_CREDENTIAL_INFO, length=48)
    return material[:16].hex(), material[16:]


def default_credential_file(client: str) -> Path:
    """Where the credential of ``client``'s stdio server is kept (mode 0600)."""
    return Path(platformdirs.user_config_dir("memvault", appauthor=False)) / f"{client}.credential"


def _write_private(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def issue_credential(services: Any, client: str, namespace: str, credential_file: Path) -> Any:
    """A new key for ``client`` in ``namespace``, its secret in ``credential_file``, the wrapped data key in the
    vault folder; returns the key (``services`` is an unlocked vault's). Does I/O and crypto: not on a GUI thread."""
    folder = services.settings.home_path / CREDENTIALS_FOLDER
    replaced = _key_of_credential(folder, credential_file)
    key, secret = services.keys.create(namespace, "read,write", f"{client} (MCP over stdio)")
    file_id, kek = _credential_keys(secret)
    wrapped = wrap_key(kek, services.vault.data_key, context=_CREDENTIAL_CONTEXT)
    _write_private(folder / f"{file_id}.json", json.dumps({"key_id": key.id, "wrapped": wrapped.hex()}))
    _write_private(credential_file, secret + "\n")
    if replaced is not None:
        # Its secret was in the file just overwritten: no client holds it any more, so it opens nothing.
        with contextlib.suppress(NotFound):
            services.keys.revoke(replaced)
    return key


def _key_of_credential(folder: Path, credential_file: Path) -> int | None:
    """The id of the key whose credential ``credential_file`` holds now (``None``: none, or not one of this
    vault's)."""
    try:
        file_id, _kek = _credential_keys(credential_file.read_text("utf-8").strip())
        key_id = json.loads((folder / f"{file_id}.json").read_text("utf-8"))["key_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return key_id if isinstance(key_id, int) and not isinstance(key_id, bool) else None


def data_key_from_credential(home: Path, secret: str) -> bytes:
    """The vault's data key that ``secret`` unwraps; :class:`Unauthorized` once it has been revoked."""
    file_id, kek = _credential_keys(secret.strip())
    path = home / CREDENTIALS_FOLDER / f"{file_id}.json"
    try:
        wrapped = bytes.fromhex(json.loads(path.read_text("utf-8"))["wrapped"])
        return unwrap_key(kek, wrapped, context=_CREDENTIAL_CONTEXT)
    except (OSError, ValueError, KeyError, TypeError, DecryptionFailed):
        raise Unauthorized("this client's credential is not valid (revoked, or for another vault)") from None


def forget_credential(home: Path, key_id: int) -> bool:
    """Delete the wrapped data key of the key ``key_id`` (called when it is revoked); whether there was one."""
    folder = home / CREDENTIALS_FOLDER
    found = False
    for path in folder.glob("*.json") if folder.is_dir() else ():
        try:
            if json.loads(path.read_text("utf-8")).get("key_id") == key_id:
                path.unlink()
                found = True
        except (OSError, ValueError, AttributeError):
            continue
    return found
