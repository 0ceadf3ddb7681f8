"""A WebDAV target (Nextcloud, ownCloud, a NAS) through ``webdav4``.

WebDAV has no create-only upload everyone implements, so a new file is
uploaded under a hidden temporary name and then moved to its final name
without overwriting (``MOVE`` with ``Overwrite: F``): the server refuses the
move when the name exists, so two devices never replace each other's files,
and no reader sees a half-uploaded file under a real name.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

from memvault.crypto.digest import token_hex
from memvault.domain.errors import InvalidInput, MemvaultError, NotFound, SyncTargetError
from memvault.sync.targets import base
from memvault.sync.targets.base import Limit, SizedByHead, silent_server, too_large


class _TooLarge(Exception):
    """Raised by :class:`_Capped` to stop a download past its limit."""


class _Capped(io.BytesIO):
    """A download buffer that stops the download once it holds more than ``limit`` allows (a size its head
    states is asked of the head as soon as it has arrived)."""

    def __init__(self, limit: Limit) -> None:
        super().__init__()
        self.sized_by = limit if isinstance(limit, SizedByHead) else None
        self.cap = None if isinstance(limit, SizedByHead) else limit

    def write(self, data) -> int:  # noqa: ANN001 - bytes-like, as io.BytesIO takes
        written = super().write(data)
        if self.sized_by is not None and self.cap is None and self.tell() >= self.sized_by.head:
            self.cap = self.sized_by.size(self.getvalue()[:self.sized_by.head])
        if self.cap is not None and self.tell() > self.cap:
            raise _TooLarge
        return written


class WebDavTarget:
    """Files under the folder at ``url``."""

    def __init__(self, client: Any, url: str, *, has_credentials: bool = False) -> None:
        self._client = client
        self.url = url
        self._has_credentials = has_credentials

    @classmethod
    def from_config(cls, config: Any) -> WebDavTarget:
        from webdav4.client import Client

        if urlsplit(config.location).scheme.lower() not in ("http", "https") or not urlsplit(config.location).netloc:
            raise InvalidInput(f"{config.location} is not a WebDAV address: it starts with http:// or https://, "
                               "then the server's name")
        creds = config.credentials
        auth = (creds["user"], creds.get("password", "")) if creds.get("user") else None
        return cls(Client(config.location, auth=auth, timeout=base.ANSWER_SECONDS), config.location,
                   has_credentials=auth is not None)

    def describe(self) -> str:
        return f"webdav {self.url}"

    def _seconds(self) -> float:
        """The read timeout the client was made with (tests make one with a shorter timeout)."""
        timeout = getattr(getattr(self._client, "http", None), "timeout", None)
        return getattr(timeout, "read", None) or base.ANSWER_SECONDS

    def _fail(self, exc: Exception, what: str) -> SyncTargetError:
        import httpx
        from webdav4.client import InsufficientStorage, ResourceConflict, ResourceNotFound

        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):  # nothing answered: nothing refused
            return SyncTargetError(f"cannot reach the WebDAV server at {self.url} to {what} (no connection: is it "
                                   "running, and is the address right?)")
        if _timed_out(exc):
            return SyncTargetError(silent_server(f"the WebDAV server at {self.url}", what, self._seconds()))
        status = getattr(exc, "status_code", None)
        if status == 401:
            why = ("it asks for a user name and password, and none were given (MEMVAULT_WEBDAV_USER and "
                   "MEMVAULT_WEBDAV_PASSWORD)" if not self._has_credentials else
                   "it did not accept the user name and password (401): check them, or the app password your "
                   "server asks for")
        elif status == 403:
            why = "this user may not do that there (403): check the folder's permissions"
        elif isinstance(exc, (ResourceNotFound, ResourceConflict)) or status in (404, 409):
            why = "a folder of the address is not there (check the URL; Memvault creates only its last folder)"
        elif isinstance(exc, InsufficientStorage) or status == 507:
            why = "it has no room left (507)"
        else:
            why = f"it answered {status}" if status else type(exc).__name__
        return SyncTargetError(f"the WebDAV server at {self.url} refused to {what}: {why}")

    def exists_root(self) -> bool:
        """Whether the target's folder is there."""
        try:
            return bool(self._client.exists(""))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, "read its folder") from None

    def make_root(self, *, check_only: bool = False) -> None:
        """Create the target's folder when only it is missing, as a folder target does (its parent not being there
        is a mistyped address, and the server refuses the creation)."""
        try:
            if self._client.exists(""):
                return
            if not check_only:
                self._client.mkdir("")
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, "create its folder") from None

    def _mkdirs(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            folder = "/".join(parts[:depth])
            try:
                if not self._client.exists(folder):
                    self._client.mkdir(folder)
            except Exception as exc:  # noqa: BLE001 - a concurrent mkdir by another device is fine
                if _timed_out(exc) or not self._client.exists(folder):
                    raise self._fail(exc, f"create {folder}") from None

    def list(self, prefix: str) -> list[str]:
        found: list[str] = []
        pending = [prefix.rstrip("/")] if prefix else [""]
        try:
            while pending:
                folder = pending.pop()
                if folder and not self._client.exists(folder):
                    continue
                for entry in self._client.ls(folder or "/", detail=True):
                    name = entry["name"].strip("/")
                    base = name.rsplit("/", 1)[-1]
                    if base.startswith("."):
                        continue
                    if entry["type"] == "directory":
                        pending.append(name)
                    else:
                        found.append(name)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, "list files") from None
        return sorted(found)

    def get(self, name: str, limit: Limit = None) -> bytes:
        buffer = _Capped(limit)
        try:
            self._client.download_fileobj(name, buffer)
        except _TooLarge:
            raise too_large(name, buffer.cap or 0, stated=buffer.sized_by is not None) from None
        except MemvaultError:
            raise  # refused by its head
        except Exception as exc:  # noqa: BLE001
            if type(exc).__name__ in ("ResourceNotFound",):
                raise NotFound(f"{name} is not on the target") from None
            raise self._fail(exc, f"read {name}") from None
        return buffer.getvalue()

    def _upload_temp(self, name: str, data: bytes) -> str:
        self._mkdirs(name)
        folder, _, base = name.rpartition("/")
        temp = f"{folder}/.{base}.{token_hex(6)}.tmp" if folder else f".{base}.tmp"
        # One PUT with a Content-Length (a streamed, chunked upload is not understood by every server).
        response = self._client.request("PUT", temp, content=data)
        response.raise_for_status()
        return temp

    def put_new(self, name: str, data: bytes) -> bool:
        try:
            temp = self._upload_temp(name, data)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, f"write {name}") from None
        silent = False
        try:
            self._client.move(temp, name, overwrite=False)
            return True
        except Exception as exc:  # noqa: BLE001
            # A silent server is not asked again: each question would be another wait as long, the last one
            # ending in an error no one wrapped.
            silent = _timed_out(exc)
            if not silent and (type(exc).__name__ == "ResourceAlreadyExists" or self._client.exists(name)):
                return False
            raise self._fail(exc, f"write {name}") from None
        finally:
            try:
                if not silent and self._client.exists(temp):
                    self._client.remove(temp)
            except Exception:  # noqa: BLE001, S110 - a left-over hidden temp file is ignored by every reader
                pass

    def put(self, name: str, data: bytes) -> None:
        try:
            temp = self._upload_temp(name, data)
            self._client.move(temp, name, overwrite=True)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, f"write {name}") from None

    def delete(self, name: str) -> None:
        try:
            if self._client.exists(name):
                self._client.remove(name)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc, f"delete {name}") from None


def _timed_out(exc: Exception) -> bool:
    """Whether the server took the connection and then did not answer in time (a connect timeout is
    :class:`httpx.ConnectTimeout`, told apart before this is asked)."""
    import httpx

    return isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout)
