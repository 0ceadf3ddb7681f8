"""API keys: created once and shown once, stored hashed, bound to a namespace."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from memvault.crypto import digest
from memvault.domain import limits
from memvault.domain.enums import Scope
from memvault.domain.errors import InvalidInput, NotFound, Unauthorized
from memvault.domain.models import ApiKey
from memvault.service import mcp_config
from memvault.service import validation as v
from memvault.vault import api_keys as api_key_rows
from memvault.vault import memories as repo
from memvault.vault.engine import Database

KEY_PREFIX = "mv_"


def _hash(secret: str) -> str:
    # Keys are 256-bit random strings, so a fast hash is enough; a slow KDF
    # would only add latency to every request.
    return digest.sha256_hex(secret.encode("utf-8"))


def _from_row(row) -> ApiKey:
    return ApiKey(
        id=row.id, name=row.name, namespace=row.namespace,
        scopes=frozenset(Scope(s) for s in row.scopes.split(",") if s),
        prefix=row.prefix, per_minute=row.per_minute or limits.DEFAULT_PER_MINUTE,
        per_hour=row.per_hour or limits.DEFAULT_PER_HOUR, created_at=row.created_at,
        last_used_at=row.last_used_at, revoked_at=row.revoked_at,
    )


def parse_scopes(value: str | list[str] | tuple[str, ...]) -> frozenset[Scope]:
    items = value.split(",") if isinstance(value, str) else list(value)
    scopes = frozenset(v.choice(Scope, s.strip(), "scopes") for s in items if str(s).strip())
    if not scopes:
        raise InvalidInput("a key needs at least one scope: read, write or admin", field="scopes")
    return scopes


class KeyService:
    """Create, list, revoke and check API keys.

    Every request reads its key's row (one indexed lookup on a reader
    connection): a key revoked by any process, the CLI included, stops working
    with the next request. No cache could know about another process's revoke.
    """

    def __init__(self, db: Database, credentials_home: Path | None = None) -> None:
        self._db = db
        self._credentials_home = credentials_home
        self._public_id_secret: bytes | None = None
        self._lock = threading.Lock()

    def create(self, namespace: str, scopes: str | list[str], name: str | None = None, *,
               per_minute: int | None = None, per_hour: int | None = None) -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is not stored and cannot be shown again."""
        v.namespace(namespace)
        parsed = parse_scopes(scopes)
        label = name.strip() if name and name.strip() else f"key for {namespace}"
        if len(label) > 100:
            raise InvalidInput("a key name has at most 100 characters", field="name")
        for value, field in ((per_minute, "per_minute"), (per_hour, "per_hour")):
            if value is not None:
                v.int_range(value, field, 1, 1_000_000)
        secret = KEY_PREFIX + digest.token_urlsafe(32)
        now = time.time()
        with self._db.write() as conn:
            repo.ensure_namespace(conn, namespace, now)
            key_id = api_key_rows.insert_key(conn, {
                "name": label, "namespace": namespace, "scopes": ",".join(sorted(s.value for s in parsed)),
                "prefix": secret[:10], "key_hash": _hash(secret), "per_minute": per_minute,
                "per_hour": per_hour, "created_at": now,
            })
            key = _from_row(api_key_rows.by_id(conn, key_id))
        return key, secret

    def list(self, namespace: str | None = None) -> list[ApiKey]:
        with self._db.read() as conn:
            return [_from_row(r) for r in api_key_rows.all_keys(conn, namespace)]

    def get(self, key_id: int) -> ApiKey:
        with self._db.read() as conn:
            row = api_key_rows.by_id(conn, key_id)
        if row is None:
            raise NotFound(f"no API key with id {key_id}")
        return _from_row(row)

    def revoke(self, key_id: int) -> ApiKey:
        with self._db.write() as conn:
            # An id past SQLite's integers names no key (binding it would overflow).
            if not limits.INT_MIN <= key_id <= limits.INT_MAX or api_key_rows.by_id(conn, key_id) is None:
                raise NotFound(f"no API key with id {key_id}")
            api_key_rows.revoke(conn, key_id, time.time())
            key = _from_row(api_key_rows.by_id(conn, key_id))
        if self._credentials_home is not None:
            # A stdio client's credential wraps the data key under this key's secret: revoking the key over
            # any surface deletes that copy, or the old secret would still open the vault file offline.
            mcp_config.forget_credential(self._credentials_home, key_id)
        return key

    def authenticate(self, secret: str | None) -> ApiKey:
        """The live key for ``secret``; :class:`Unauthorized` if missing, unknown or revoked."""
        if not secret:
            raise Unauthorized("an API key is required in a header (Authorization: Bearer, X-API-Key or azen-api-key); "
                               "a key in the query string is not read, where logs would keep it")
        with self._db.read() as conn:
            row = api_key_rows.by_hash(conn, _hash(secret))
        if row is None or row.revoked_at is not None:
            raise Unauthorized("the API key is not valid")
        return _from_row(row)

    def public_id_secret(self) -> bytes:
        """This vault's random key for public ids that must not be guessable (made on first use)."""
        with self._lock:
            if self._public_id_secret is None:
                with self._db.write() as conn:
                    self._public_id_secret = bytes.fromhex(
                        api_key_rows.public_id_secret(conn, digest.token_hex(32)))
            return self._public_id_secret
