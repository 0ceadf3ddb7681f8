"""Automatic unlock: the vault's data key in the OS keychain (through ``keyring``).

Only the desktop app offers this, and only when a real keychain backend is
present; a failing keychain never blocks the passphrase path.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

log = logging.getLogger(__name__)
SERVICE = "memvault"


def _keyring():
    import keyring

    return keyring


def available() -> bool:
    """Whether a real (persistent, non-null) keychain backend is usable."""
    try:
        backend = _keyring().get_keyring()
    except Exception:  # noqa: BLE001 - any backend discovery failure means "no keychain"
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    return getattr(backend, "priority", 0) > 0 and "fail" not in name.lower() and "null" not in name.lower()


def _no_backend(exc: Exception) -> bool:
    # keyring's fail backend raises NoKeyringError on every call: that is "no keychain", not a problem to report.
    return type(exc).__name__ == "NoKeyringError"


def store(home: Path, data_key: bytes) -> bool:
    try:
        _keyring().set_password(SERVICE, str(home.resolve()), base64.b64encode(data_key).decode())
        return True
    except Exception as exc:  # noqa: BLE001 - keyring backends raise their own error types
        log.warning("could not store the key in the OS keychain: %s", exc.__class__.__name__)
        return False


def load(home: Path) -> bytes | None:
    try:
        value = _keyring().get_password(SERVICE, str(home.resolve()))
        return base64.b64decode(value) if value else None
    except Exception as exc:  # noqa: BLE001 - as in store(); a corrupt entry is unreadable too
        if _no_backend(exc):
            return None
        log.warning("could not read the OS keychain: %s", exc.__class__.__name__)
        return None


def forget(home: Path) -> None:
    try:
        _keyring().delete_password(SERVICE, str(home.resolve()))
    except Exception:  # noqa: BLE001, S110 - nothing stored, or no keychain: nothing to forget
        pass
