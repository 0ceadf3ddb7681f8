"""A keyring backend that keeps secrets in a JSON file named by ``MEMVAULT_TEST_KEYRING``.

It stands in for the OS keychain in tests, in this process (``keyring.set_keyring``)
and in child processes (``PYTHON_KEYRING_BACKEND=tests.e2e.cli.file_keyring.FileKeyring``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1

    def _path(self) -> Path:
        return Path(os.environ["MEMVAULT_TEST_KEYRING"])

    def _load(self) -> dict:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def get_password(self, service, username):
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service, username):
        data = self._load()
        data.pop(f"{service}\n{username}", None)
        self._path().write_text(json.dumps(data))
