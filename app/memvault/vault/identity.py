"""Who a vault is, as bundles name it: its random vault id and its X25519 recipient private key.

Both are created by migration v4 and live in the ``settings`` table inside the
encrypted database; nothing outside this module reads them with SQL.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from memvault.domain.errors import VaultCorrupt


def _setting(conn: Connection, key: str) -> str:
    value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar_one_or_none()
    if value is None:
        raise VaultCorrupt(f"the vault lacks its {key.replace('_', ' ')} (settings.{key}); it is damaged")
    return value


def recipient_private_key(conn: Connection) -> bytes:
    """The 32-byte X25519 private key that opens bundles sent to this vault."""
    try:
        key = bytes.fromhex(_setting(conn, "recipient_private_key"))
    except ValueError:
        raise VaultCorrupt("the vault's recipient key is damaged") from None
    if len(key) != 32:
        raise VaultCorrupt("the vault's recipient key is damaged")
    return key


def vault_id(conn: Connection) -> str:
    """This vault's random id (named as the source of the bundles it writes)."""
    return _setting(conn, "vault_id")
